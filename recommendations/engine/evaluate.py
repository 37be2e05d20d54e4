"""The offline benchmark: one split, every algorithm and its peers, each tuned on validation.

For each algorithm: try configurations from its `search_space()` (the defaults first, then the
grid or a seeded random subset of it) on a validation split cut from the training data only,
keep the one with the best nDCG@10 there, refit it on the whole training data, recommend for
every test user (seen items excluded; new users are served from their 3 training events) and
compute every metric overall, for warm users and for new users.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from recommendations.engine import metrics
from recommendations.engine.base import Recommender
from recommendations.engine.data import Dataset
from recommendations.engine.peers import IMPLICIT_PEERS, PEER_NAMES, implicit_available
from recommendations.engine.registry import algorithm_names, get_algorithm
from recommendations.engine.splits import Split, cut_split, validation_split

OBJECTIVE_K = 10  # validation objective: nDCG@10, whatever k the report uses
RECALL_K = 20
Log = Callable[[str], None]


@dataclass
class Row:
    """One algorithm's line of the report."""

    algorithm: str
    peer: bool
    params: dict[str, Any] = field(default_factory=dict)  # the chosen values of its search space
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # group → metric → mean
    validation_ndcg: float = float("nan")
    configs_tried: int = 0
    tune_seconds: float = 0.0
    fit_seconds: float = 0.0
    recommend_seconds: float = 0.0
    error: str | None = None


def evaluate_algorithms(
    dataset: Dataset,
    algorithms: Sequence[str] | None = None,
    *,
    k: int = 10,
    seed: int = 42,
    max_configs: int | None = 20,
    tune_budget_seconds: float | None = None,
    peers: bool = True,
    split: Split | None = None,
    protocol: str = "temporal",
    log: Log | None = None,
) -> list[Row]:
    """Evaluate each named algorithm (default: every registered one) plus the peers on one split.

    `max_configs` caps the configurations tried per algorithm (None: the whole grid);
    `tune_budget_seconds` stops an algorithm's search once that much time has gone (the
    defaults are always tried), so that slow models cannot hold the whole report hostage.
    """
    log = log or _log_to_stderr
    split = split or cut_split(dataset, protocol=protocol, seed=seed)
    validation = validation_split(split.train, seed=seed, protocol=split.protocol)
    rows = []
    for name in plan(algorithms, peers=peers, log=log):
        row = Row(algorithm=name, peer=name in PEER_NAMES)
        try:
            search = {"max_configs": max_configs, "seed": seed, "budget_seconds": tune_budget_seconds, "log": log}
            _run(row, split, validation, k=k, search=search, log=log)
        except Exception as error:  # one broken algorithm must not sink the whole report
            row.error = f"{type(error).__name__}: {error}"
            log(f"{name}: failed\n{traceback.format_exc()}")
        rows.append(row)
    return rows


def plan(algorithms: Sequence[str] | None, *, peers: bool = True, log: Log | None = None) -> list[str]:
    """Our algorithms, then the peers that can run here (saying which were skipped and why)."""
    log = log or _log_to_stderr
    registered = algorithm_names()
    unknown = [name for name in algorithms or () if name not in registered]
    if unknown:
        raise KeyError(f"unknown algorithm {', '.join(unknown)}; choose from {', '.join(registered)}")
    if not peers:
        return list(algorithms or registered)
    # Peers go last, each once, so that the table reads: ours, then theirs.
    ours = list(algorithms) if algorithms else [name for name in registered if name not in PEER_NAMES]
    runnable = []
    for name in PEER_NAMES:
        if name in ours:
            continue
        if name in IMPLICIT_PEERS and not implicit_available():
            log(f"skipped peer {name}: implicit is not installed (pip install 'marquee[peers]')")
        elif name not in registered:
            log(f"skipped peer {name}: no algorithm is registered under that name yet")
        else:
            runnable.append(name)
    return ours + runnable


def candidate_configs(search_space: dict[str, list], max_configs: int | None, seed: int) -> list[dict[str, Any]]:
    """The defaults ({}) first, then the grid, or a seeded random subset so that ≤ max_configs in all."""
    keys = sorted(search_space)
    grid = [dict(zip(keys, values, strict=True)) for values in itertools.product(*(search_space[k] for k in keys))]
    if max_configs is not None and len(grid) + 1 > max_configs:
        rng = np.random.default_rng(seed)
        chosen = rng.choice(len(grid), size=max(max_configs - 1, 0), replace=False)
        grid = [grid[i] for i in sorted(chosen)]
    return [{}, *grid]


# ---- one algorithm --------------------------------------------------------------------------


def _run(row: Row, split: Split, validation: Split, *, k: int, search: dict[str, Any], log: Log) -> None:
    algorithm = get_algorithm(row.algorithm)
    started = time.perf_counter()
    # Nothing to choose (the hybrid tunes itself inside its fit): a validation fit would be wasted.
    if algorithm.search_space():
        row.params, row.validation_ndcg, row.configs_tried = tune_on_validation(algorithm, validation, **search)
    else:
        row.params = inner_tuning(algorithm, search["budget_seconds"], validation.protocol)
    row.tune_seconds = time.perf_counter() - started

    started = time.perf_counter()
    model = algorithm(**row.params).fit(split.train)
    row.fit_seconds = time.perf_counter() - started
    inner_choices = (
        ("params_", "components' tuned params"),
        ("validation_protocol_", "its validation splits"),
        ("ranker_kinds_", "its rankers (warm, short history)"),
        ("fit_seconds_", "seconds per stage of its fit"),
    )
    for attribute, label in inner_choices:
        if hasattr(model, attribute):  # the hybrid's inner choices, so that a run can be reproduced
            log(f"{row.algorithm}: {label}: {getattr(model, attribute)}")
    users = split.test_users
    started = time.perf_counter()
    recommended = recommend_indices(model, split, users, max(k, RECALL_K))
    row.recommend_seconds = time.perf_counter() - started
    row.metrics = score(split, users, recommended, k=k)
    tuning = (
        f"validation {row.validation_ndcg:.4f}, {row.configs_tried} configs, tuned in {row.tune_seconds:.1f} s"
        if row.configs_tried
        else "no search space"
    )
    log(f"{row.algorithm}: nDCG@{k} {row.metrics['all'][f'ndcg@{k}']:.4f} on test ({tuning})")


def inner_tuning(algorithm: type[Recommender], budget_seconds: float | None, protocol: str) -> dict[str, Any]:
    """How an algorithm that tunes parts of itself during its fit (the hybrid) should do it.

    Its tuning happens inside the fit, so the run's budget and the split's protocol have to travel
    with its configuration; defaults are left out, so that a default run records no params.
    """
    # A temporal split leaves the hybrid's default, time order wherever the data has timestamps:
    # without them a "temporal" split can only follow the file, an order no model should learn.
    inner_protocol = None if protocol == "temporal" else protocol
    settings = {"tune_budget_seconds": budget_seconds, "validation_protocol": inner_protocol}
    defaults = algorithm.config_class()
    known = {f.name for f in fields(defaults)}
    return {
        name: value
        for name, value in settings.items()
        if name in known and value is not None and value != getattr(defaults, name)
    }


def tune_on_validation(
    algorithm: type[Recommender],
    validation: Split,
    *,
    max_configs: int | None = 20,
    seed: int = 42,
    budget_seconds: float | None = None,
    log: Log | None = None,
) -> tuple[dict[str, Any], float, int]:
    """(best params, their validation nDCG@10, configurations tried); duplicates are tried once.

    The hybrid tunes its components with this too.
    """
    log = log or (lambda message: None)
    users = validation.test_users
    tried: list = []
    best_params: dict[str, Any] = {}
    best = -math.inf
    started = time.perf_counter()
    for params in candidate_configs(algorithm.search_space(), max_configs, seed):
        if tried and budget_seconds is not None and time.perf_counter() - started > budget_seconds:
            log(f"{algorithm.name}: tuning budget of {budget_seconds:g} s spent after {len(tried)} configs")
            break
        config = replace(algorithm.config_class(), **params)
        if config in tried:
            continue
        tried.append(config)
        try:
            model = algorithm(config).fit(validation.train)
        except Exception as error:  # a bad corner of a search space should not end the search
            log(f"{algorithm.name} {params}: {type(error).__name__}: {error}")
            continue
        recommended = recommend_indices(model, validation, users, OBJECTIVE_K)
        value = score(validation, users, recommended, k=OBJECTIVE_K, recall_k=OBJECTIVE_K)["all"][f"ndcg@{OBJECTIVE_K}"]
        if value > best:
            best, best_params = value, params
    if best == -math.inf:
        raise RuntimeError("every configuration failed to fit")
    return _chosen(algorithm, best_params), best, len(tried)


def _chosen(algorithm, params: dict[str, Any]) -> dict[str, Any]:
    """The value of every search-space parameter in the chosen config (defaults included)."""
    config = replace(algorithm.config_class(), **params)
    searched = set(algorithm.search_space()) | set(params)
    return {f.name: getattr(config, f.name) for f in fields(config) if f.name in searched}


def recommend_indices(model, split: Split, users: Sequence, width: int) -> np.ndarray:
    """Top-`width` items per user as indices of the split's item vocabulary (-1 where empty)."""
    item_ids, _ = model.recommend(list(users), k=width, exclude_seen=True)
    return split.train.items.indices(item_ids.ravel()).reshape(item_ids.shape)


def score(split: Split, users: Sequence, recommended: np.ndarray, *, k: int, recall_k: int = RECALL_K):
    relevant = split.relevance_matrix(users)
    popularity = metrics.training_popularity(split.train.seen())
    per_user = metrics.per_user_metrics(recommended, relevant, popularity, k=k, recall_k=recall_k)
    is_new = np.array([user in split.new_users for user in users], dtype=bool)
    return metrics.summarise(per_user, recommended, is_new, split.train.n_items, k=k)


# ---- reporting ------------------------------------------------------------------------------


def table_columns(k: int = 10) -> list[tuple[str, str, str]]:
    """(header, group, metric) for each metric column of the table."""
    return [
        (f"nDCG@{k}", "all", f"ndcg@{k}"),
        (f"Recall@{RECALL_K}", "all", f"recall@{RECALL_K}"),
        (f"P@{k}", "all", f"precision@{k}"),
        (f"MAP@{k}", "all", f"map@{k}"),
        (f"HR@{k}", "all", f"hit_rate@{k}"),
        (f"Cov@{k}", "all", f"coverage@{k}"),
        (f"Pop@{k}", "all", f"popularity@{k}"),
        (f"nDCG@{k} warm", "warm", f"ndcg@{k}"),
        (f"nDCG@{k} new", "new", f"ndcg@{k}"),
    ]


def format_table(rows: Sequence[Row], k: int = 10) -> str:
    """One aligned line per algorithm; peers are marked; failures show their error."""
    columns = table_columns(k)
    header = ["algorithm", "peer", *(title for title, _, _ in columns), "fit s", "rec s", "tune s", "configs"]
    header.append("best params")
    lines = [header]
    for row in rows:
        values = [_number(row.metrics.get(group, {}).get(name)) for _, group, name in columns]
        times = [f"{row.fit_seconds:.2f}", f"{row.recommend_seconds:.2f}"] if not row.error else ["-", "-"]
        times += [f"{row.tune_seconds:.1f}", str(row.configs_tried)]
        params = row.error or ", ".join(f"{key}={_param(value)}" for key, value in row.params.items()) or "-"
        lines.append([row.algorithm, "peer" if row.peer else "", *values, *times, params])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    rendered = []
    for line in lines:
        cells = [
            cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=False))
        ]
        rendered.append("  ".join([*cells, line[-1]]).rstrip())
    rendered.insert(1, "-" * len(rendered[0]))
    return "\n".join(rendered)


def results_document(rows: Sequence[Row], split: Split, *, k: int, seed: int, protocol: str, source: str) -> dict:
    """Everything a results.json holds: the split's shape, the settings, every row (NaN → null)."""
    return _without_nan(
        {
            "data": source,
            "protocol": protocol,
            "k": k,
            "seed": seed,
            "split": {
                "users": int(split.train.n_users),
                "items": int(split.train.n_items),
                "train_events": int(split.train.n_events),
                "test_users": len(split.test),
                "new_test_users": len(split.new_users & set(split.test)),
            },
            "rows": [asdict(row) for row in rows],
        }
    )


def _number(value: float | None) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4f}"


def _param(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _without_nan(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nan(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _without_nan(value.item())
    return value


def _log_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
