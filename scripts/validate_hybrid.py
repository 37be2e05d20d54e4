"""Development check of the hybrid against EASE and popularity, on validation data only.

The outer split of the evaluation protocol is cut, and then thrown away except for its training
part: from that, `validation_split` cuts a development split (the one `evaluate` tunes on). Every
model here is fitted to the development split's training part (tuning, where it tunes, on a
further split cut from that) and scored on its held-out part. The outer test events are never
read, so design choices made with this script do not leak the test split.

    python scripts/validate_hybrid.py ../shared/data/ml-100k [--seeds 42 7] [--protocol random] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommendations.engine import datasets  # noqa: E402
from recommendations.engine.evaluate import inner_tuning, recommend_indices, score, tune_on_validation  # noqa: E402
from recommendations.engine.registry import get_algorithm  # noqa: E402
from recommendations.engine.splits import PROTOCOLS, cut_split, validation_split  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--algorithms", default="hybrid,ease,popularity")
    parser.add_argument("--max-configs", type=int, default=None, help="per tuned algorithm (default: whole grid)")
    parser.add_argument("--protocol", choices=list(PROTOCOLS), default="temporal", help="how each split is cut")
    parser.add_argument("--set", action="append", default=[], help="hybrid or neural config override, key=json value")
    args = parser.parse_args()
    overrides = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    dataset = datasets.load(args.data)
    for seed in args.seeds:
        outer = cut_split(dataset, protocol=args.protocol, seed=seed)
        development = validation_split(outer.train, seed=seed, protocol=args.protocol)
        inner = validation_split(development.train, seed=seed, protocol=args.protocol)
        for name in args.algorithms.split(","):
            started = time.perf_counter()
            algorithm = get_algorithm(name)
            if name in ("hybrid", "neural"):  # the hybrid tunes itself; neural is too slow to tune on two cores
                params = {"seed": seed, **inner_tuning(algorithm, None, args.protocol), **overrides}
            else:
                params, _, _ = tune_on_validation(algorithm, inner, max_configs=args.max_configs, seed=seed)
            model = algorithm(**params).fit(development.train)
            users = development.test_users
            result = score(development, users, recommend_indices(model, development, users, 20), k=10)
            print(
                f"seed {seed} {name:10s} nDCG@10 {result['all']['ndcg@10']:.4f} "
                f"warm {result['warm']['ndcg@10']:.4f} new {result['new']['ndcg@10']:.4f} "
                f"cov {result['all']['coverage@10']:.4f} ({time.perf_counter() - started:.0f} s)"
                + (f" rankers {'/'.join(model.ranker_kinds_)}" if hasattr(model, "ranker_kinds_") else ""),
                flush=True,
            )


if __name__ == "__main__":
    main()
