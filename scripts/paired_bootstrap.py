"""Paired bootstrap of two algorithms' nDCG@10 over the same test users (new, warm or all).

Measuring only: each algorithm is fitted as `evaluate` fits it (tuned on validation cut from the
training data when it has a search space; the hybrid has none, it tunes its components itself),
and both are scored user by user on the protocol's test split. The bootstrap resamples users, so
the interval says how much of a gap between the two could come from which users the split held.

    python scripts/paired_bootstrap.py ../shared/data/ml-100k hybrid popularity --users new --seed 42
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommendations.engine import datasets, metrics  # noqa: E402
from recommendations.engine.evaluate import (  # noqa: E402
    OBJECTIVE_K,
    RECALL_K,
    cut_split,
    inner_tuning,
    recommend_indices,
    tune_on_validation,
)
from recommendations.engine.registry import get_algorithm  # noqa: E402
from recommendations.engine.splits import PROTOCOLS, validation_split  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--users", choices=("new", "warm", "all"), default="new")
    parser.add_argument("--seed", type=int, default=42, help="the split's seed, as evaluate's --seed")
    parser.add_argument("--protocol", choices=list(PROTOCOLS), default="temporal", help="as evaluate's --split")
    parser.add_argument("--max-configs", type=int, default=20)
    parser.add_argument("--resamples", type=int, default=10_000)
    args = parser.parse_args()
    split = cut_split(datasets.load(args.data), protocol=args.protocol, seed=args.seed)
    users = [u for u in split.test_users if args.users == "all" or (u in split.new_users) == (args.users == "new")]
    first, second = (_per_user_ndcg(name, split, users, args) for name in (args.first, args.second))
    gap = first - second
    draws = np.random.default_rng(0).integers(0, len(gap), size=(args.resamples, len(gap)))
    low, high = np.percentile(gap[draws].mean(axis=1), [2.5, 97.5])
    print(
        f"seed {args.seed}, {len(users)} {args.users} users: {args.first} {first.mean():.4f}, "
        f"{args.second} {second.mean():.4f}, gap {gap.mean():+.4f} (95 % interval {low:+.4f} to {high:+.4f}); "
        f"{args.first} ahead for {np.sum(gap > 0)} users, behind for {np.sum(gap < 0)}, level for {np.sum(gap == 0)}"
    )


def _per_user_ndcg(name: str, split, users: list, args) -> np.ndarray:
    algorithm = get_algorithm(name)
    params = inner_tuning(algorithm, None, split.protocol)
    if algorithm.search_space():
        validation = validation_split(split.train, seed=args.seed, protocol=split.protocol)
        params, _, _ = tune_on_validation(algorithm, validation, max_configs=args.max_configs, seed=args.seed)
    model = algorithm(**params).fit(split.train)
    # The same width and per-user metrics as `evaluate.score`: a top-k with ties may order its head
    # differently at another k.
    recommended = recommend_indices(model, split, users, max(OBJECTIVE_K, RECALL_K))
    popularity = metrics.training_popularity(split.train.seen())
    relevant = split.relevance_matrix(users)
    per_user = metrics.per_user_metrics(recommended, relevant, popularity, k=OBJECTIVE_K, recall_k=RECALL_K)
    return per_user[f"ndcg@{OBJECTIVE_K}"]


if __name__ == "__main__":
    main()
