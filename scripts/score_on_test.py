"""Fit one fixed configuration on the protocol's training data and score it on the test split.

For a configuration already chosen on validation (with `scripts/validate_hybrid.py`, which never
reads the test events) when a full `evaluate` tuning run would take hours, as the neural model's
does on two cores. Same split, fit and metrics as `python -m recommendations.engine evaluate`.

    python scripts/score_on_test.py ../shared/data/ml-latest-small neural --set dim=128 --set threads=1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommendations.engine import datasets  # noqa: E402
from recommendations.engine.evaluate import (  # noqa: E402
    OBJECTIVE_K,
    RECALL_K,
    cut_split,
    inner_tuning,
    recommend_indices,
    score,
)
from recommendations.engine.registry import get_algorithm  # noqa: E402
from recommendations.engine.splits import PROTOCOLS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("algorithm")
    parser.add_argument("--seed", type=int, default=42, help="the split's seed, as evaluate's --seed")
    parser.add_argument("--protocol", choices=list(PROTOCOLS), default="temporal", help="as evaluate's --split")
    parser.add_argument("--set", action="append", default=[], help="config value, key=json value")
    args = parser.parse_args()
    algorithm = get_algorithm(args.algorithm)
    split = cut_split(datasets.load(args.data), protocol=args.protocol, seed=args.seed)
    params = inner_tuning(algorithm, None, split.protocol)  # the hybrid's inner splits, as evaluate's
    params.update({key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)})
    started = time.perf_counter()
    model = algorithm(**params).fit(split.train)  # as evaluate: the split's seed is not the model's
    fit_seconds = time.perf_counter() - started
    users = split.test_users
    result = score(split, users, recommend_indices(model, split, users, max(OBJECTIVE_K, RECALL_K)), k=OBJECTIVE_K)
    line = {group: {name: round(value, 4) for name, value in values.items()} for group, values in result.items()}
    print(json.dumps({"algorithm": args.algorithm, "params": params, "fit_seconds": round(fit_seconds, 1), **line}))


if __name__ == "__main__":
    main()
