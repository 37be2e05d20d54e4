"""`python -m recommendations.engine`: recommend from CSV files, or run the offline benchmark.

Others benchmark us through this interface, so it is kept exactly as ARCHITECTURE.md states:

    recommend --interactions TRAIN.csv [--items ITEMS.csv] [--users USERS.csv]
              --algorithm NAME --for-users IDS.txt --k K --out RECS.csv [--params JSON]
    recommend --algorithm list
    evaluate --data DIR [--algorithms a,b] [--k 10] [--seed 42] [--max-configs N] [--out results.json]
             [--tune-budget SECONDS] [--split temporal|random] [--no-peers]

RECS.csv is `user_id,item_id,rank,score` with exactly K rows per requested user (fewer only when
the catalogue minus that user's TRAIN items is smaller) and never an item the user has in TRAIN.
Bad input (a malformed file, an unknown algorithm or parameter) prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

import numpy as np

from recommendations.engine import datasets
from recommendations.engine.base import Recommender
from recommendations.engine.data import Dataset
from recommendations.engine.datasets import DataError
from recommendations.engine.evaluate import cut_split, evaluate_algorithms, format_table, results_document
from recommendations.engine.registry import algorithm_names, get_algorithm

BAD_INPUT = 2


class UsageError(Exception):
    """Input the command cannot use; reported in one line with exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (DataError, UsageError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m recommendations.engine", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    recommend = commands.add_parser("recommend", help="fit on TRAIN.csv and write top-K items per user")
    recommend.add_argument("--interactions", type=Path, help="TRAIN.csv: user_id,item_id[,rating][,timestamp]")
    recommend.add_argument("--items", type=Path, help="ITEMS.csv: item_id[,title][,tags][,year]")
    recommend.add_argument("--users", type=Path, help="USERS.csv: user_id plus feature columns")
    recommend.add_argument("--algorithm", required=True, help="an algorithm name, or 'list' to print them")
    recommend.add_argument("--for-users", type=Path, help="IDS.txt: one user id per line")
    recommend.add_argument("--k", type=int, help="items per user")
    recommend.add_argument("--out", type=Path, help="RECS.csv to write")
    recommend.add_argument("--params", help="hyper-parameters as JSON, e.g. '{\"l2\": 200}'")
    recommend.set_defaults(handler=run_recommend)

    evaluate = commands.add_parser("evaluate", help="split, tune on validation, report every algorithm + peers")
    evaluate.add_argument("--data", type=Path, required=True, help="a MovieLens directory or one with train.csv")
    evaluate.add_argument("--algorithms", help="comma-separated names (default: every registered algorithm)")
    evaluate.add_argument("--k", type=int, default=10)
    evaluate.add_argument("--seed", type=int, default=42)
    evaluate.add_argument("--max-configs", type=int, default=20, help="per algorithm; 0 = the whole grid")
    evaluate.add_argument("--tune-budget", type=float, help="seconds of tuning per algorithm (default: no limit)")
    evaluate.add_argument("--split", choices=["temporal", "random"], default="temporal")
    evaluate.add_argument("--no-peers", action="store_true", help="leave out popularity, EASE, implicit ALS/BPR")
    evaluate.add_argument("--out", type=Path, help="results.json to write")
    evaluate.set_defaults(handler=run_evaluate)
    return parser


# ---- recommend ------------------------------------------------------------------------------


def run_recommend(args: argparse.Namespace) -> int:
    if args.algorithm == "list":
        print("\n".join(algorithm_names()))
        return 0
    missing = [flag for flag, value in _required(args).items() if value is None]
    if missing:
        raise UsageError(f"recommend needs {', '.join(missing)}")
    if args.k < 1:
        raise UsageError(f"--k must be at least 1, got {args.k}")
    algorithm = _algorithm(args.algorithm)
    params = _params(algorithm, args.params)
    data = datasets.load_interactions(args.interactions, items=args.items, users=args.users)
    user_ids = datasets.read_user_ids(args.for_users)
    model = algorithm(**params).fit(data)
    rows = recommendation_rows(model, data, user_ids, args.k)
    write_recommendations(args.out, rows)
    return 0


def _required(args: argparse.Namespace) -> dict[str, object]:
    return {"--interactions": args.interactions, "--for-users": args.for_users, "--k": args.k, "--out": args.out}


def _algorithm(name: str) -> type[Recommender]:
    if name not in algorithm_names():
        raise UsageError(f"unknown algorithm {name!r}; choose from {', '.join(algorithm_names())}")
    return get_algorithm(name)


def _params(algorithm: type[Recommender], text: str | None) -> dict:
    if not text:
        return {}
    try:
        params = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"--params is not valid JSON: {error}") from None
    if not isinstance(params, dict):
        raise UsageError("--params must be a JSON object")
    known = {f.name for f in fields(algorithm.config_class)}
    unknown = sorted(set(params) - known)
    if unknown:
        raise UsageError(f"{algorithm.name} has no parameter {', '.join(unknown)}; it has {', '.join(sorted(known))}")
    try:
        algorithm.config_class(**params)  # a configuration that checks its values says what is wrong
    except ValueError as error:
        raise UsageError(f"{algorithm.name}: {error}") from None
    return params


def recommendation_rows(model: Recommender, data: Dataset, user_ids: list, k: int) -> list[tuple]:
    """(user_id, item_id, rank, score) rows: the model's top k, never a TRAIN item, filled up to k.

    An algorithm may leave slots empty (an item it cannot score gets -inf); those are filled with
    the most popular unseen items, scored just below the user's last real score.
    """
    items, scores = model.recommend(user_ids, k=k, exclude_seen=True)
    seen = data.seen()
    fallback = data.items.ids(np.argsort(-model.popularity_, kind="stable")).tolist()
    rows = []
    for row, user_id in enumerate(user_ids):
        index = data.users.index(user_id)
        seen_items = set(data.items.ids(seen[index].indices).tolist()) if index >= 0 else set()
        ranked = _complete(items[row], scores[row], seen_items, fallback, k)
        rows.extend((user_id, item, rank, score) for rank, (item, score) in enumerate(ranked, start=1))
    return rows


def _complete(items: np.ndarray, scores: np.ndarray, seen: set, fallback: list, k: int) -> list[tuple]:
    best: dict = {}  # item → score, each item once at its best rank
    for item, score in zip(items, scores, strict=True):
        if item is not None and np.isfinite(score) and item not in seen:
            best.setdefault(item, float(score))
    chosen = list(best.items())
    if len(chosen) < k:
        taken = seen | {item for item, _ in chosen}
        floor = chosen[-1][1] if chosen else 0.0
        extra = [item for item in fallback if item not in taken][: k - len(chosen)]
        chosen += [(item, floor - 1e-6 * (step + 1)) for step, item in enumerate(extra)]
    return chosen


def write_recommendations(path: Path, rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["user_id", "item_id", "rank", "score"])
        writer.writerows((user, item, rank, f"{score:.6g}") for user, item, rank, score in rows)


# ---- evaluate -------------------------------------------------------------------------------


def run_evaluate(args: argparse.Namespace) -> int:
    algorithms = [name.strip() for name in args.algorithms.split(",") if name.strip()] if args.algorithms else None
    for name in algorithms or ():
        _algorithm(name)
    started = time.perf_counter()
    data = datasets.load(args.data)
    split = cut_split(data, protocol=args.split, seed=args.seed)
    print(_describe(args.data, data, split, args), flush=True)
    rows = evaluate_algorithms(
        data,
        algorithms,
        k=args.k,
        seed=args.seed,
        max_configs=args.max_configs or None,
        tune_budget_seconds=args.tune_budget,
        peers=not args.no_peers,
        split=split,
    )
    print(format_table(rows, k=args.k))
    print(f"total {time.perf_counter() - started:.1f} s")
    if args.out:
        document = results_document(rows, split, k=args.k, seed=args.seed, protocol=args.split, source=str(args.data))
        args.out.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return 0


def _describe(source: Path, data: Dataset, split, args: argparse.Namespace) -> str:
    new_tested = len(split.new_users & set(split.test))
    return (
        f"{source.name}: {data.n_users} users, {data.n_items} items, {data.n_events} events; "
        f"{args.split} split (seed {args.seed}): {split.train.n_events} training events, "
        f"{len(split.test)} test users ({new_tested} new); tuned on validation, "
        f"at most {args.max_configs or 'all'} configs per algorithm"
        + (f" and {args.tune_budget:g} s of tuning" if args.tune_budget else "")
    )
