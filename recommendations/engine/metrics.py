"""Top-k ranking metrics, per user and summarised overall, for warm users and for new users.

Everything works in index space: `recommended` is an (n_users × K) int array of item indices,
best first, with -1 in empty slots; relevance is a boolean user × item CSR matrix whose rows
line up with `recommended`. Users without any relevant item are left out by the caller (the
metrics are undefined for them).

Definitions (binary relevance):
- precision@k = hits in the top k / k
- recall@k = hits in the top k / |relevant|  (not min(k, |relevant|): that is a different metric)
- nDCG@k = DCG@k / ideal DCG@k, gains 1, discount 1 / log2(rank + 1), ideal over min(k, |relevant|)
- AP@k = Σ_{i ≤ k} precision@i · rel_i / min(k, |relevant|), so that a perfect list scores 1
- hit rate@k = 1 when any of the top k is relevant
- coverage@k = distinct items in anyone's top k / catalogue size
- popularity@k = mean, over users, of the mean training popularity (fraction of training users
  who interacted with the item) of their top k
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

GROUPS = ("all", "warm", "new")


def hit_matrix(recommended: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """Boolean (n_users × K): whether each recommended item is relevant to its user.

    Encodes (user, item) pairs as single integers and tests membership with np.isin, so no
    dense user × item matrix is ever built.
    """
    relevant = sp.csr_matrix(relevant)
    n_items = relevant.shape[1]
    rows = np.repeat(np.arange(relevant.shape[0], dtype=np.int64), np.diff(relevant.indptr))
    relevant_keys = rows * n_items + relevant.indices.astype(np.int64)
    user_rows = np.arange(recommended.shape[0], dtype=np.int64)[:, None]
    keys = user_rows * n_items + recommended.astype(np.int64)
    return np.isin(keys, relevant_keys) & (recommended >= 0)


def precision_at_k(hits: np.ndarray, k: int) -> np.ndarray:
    return hits[:, :k].sum(axis=1) / k


def recall_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    return hits[:, :k].sum(axis=1) / n_relevant


def hit_rate_at_k(hits: np.ndarray, k: int) -> np.ndarray:
    return hits[:, :k].any(axis=1).astype(np.float64)


def ndcg_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    top = hits[:, :k]
    discounts = 1.0 / np.log2(np.arange(2, top.shape[1] + 2))
    dcg = (top * discounts).sum(axis=1)
    ideal_cumulative = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
    ideal = ideal_cumulative[np.minimum(n_relevant, k)]
    return dcg / ideal


def average_precision_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    top = hits[:, :k].astype(np.float64)
    precision_at_each_rank = np.cumsum(top, axis=1) / np.arange(1, top.shape[1] + 1)
    return (precision_at_each_rank * top).sum(axis=1) / np.minimum(n_relevant, k)


def catalogue_coverage(recommended: np.ndarray, n_items: int, k: int) -> float:
    top = recommended[:, :k]
    return len(np.unique(top[top >= 0])) / n_items if n_items else 0.0


def mean_popularity(recommended: np.ndarray, popularity: np.ndarray, k: int) -> np.ndarray:
    """Per user: the mean popularity of the items in their top k (empty slots ignored)."""
    top = recommended[:, :k]
    filled = top >= 0
    values = np.where(filled, popularity[np.maximum(top, 0)], 0.0)
    return values.sum(axis=1) / np.maximum(filled.sum(axis=1), 1)


def training_popularity(train_matrix: sp.csr_matrix) -> np.ndarray:
    """Fraction of training users (with any positive event) who interacted with each item."""
    binary = sp.csr_matrix(train_matrix) > 0
    n_users = max(int((np.diff(binary.indptr) > 0).sum()), 1)
    return np.asarray(binary.sum(axis=0)).ravel() / n_users


def per_user_metrics(
    recommended: np.ndarray, relevant: sp.csr_matrix, popularity: np.ndarray, *, k: int = 10, recall_k: int = 20
) -> dict[str, np.ndarray]:
    """Every per-user metric at k (and recall at `recall_k`); `recommended` needs max(k, recall_k) columns."""
    width = max(k, recall_k)
    if recommended.shape[1] < width:
        raise ValueError(f"need {width} recommendations per user, got {recommended.shape[1]}")
    hits = hit_matrix(recommended, relevant)
    n_relevant = np.diff(sp.csr_matrix(relevant).indptr)
    if (n_relevant == 0).any():
        raise ValueError("every evaluated user needs at least one relevant item")
    return {
        f"ndcg@{k}": ndcg_at_k(hits, n_relevant, k),
        f"recall@{k}": recall_at_k(hits, n_relevant, k),
        f"recall@{recall_k}": recall_at_k(hits, n_relevant, recall_k),
        f"precision@{k}": precision_at_k(hits, k),
        f"map@{k}": average_precision_at_k(hits, n_relevant, k),
        f"hit_rate@{k}": hit_rate_at_k(hits, k),
        f"popularity@{k}": mean_popularity(recommended, popularity, k),
    }


def summarise(
    per_user: Mapping[str, np.ndarray], recommended: np.ndarray, is_new: np.ndarray, n_items: int, *, k: int = 10
) -> dict[str, dict[str, float]]:
    """Means of every per-user metric plus coverage@k, for all users, warm users and new users.

    A group without users gets NaN for every metric (so a table shows "-", not a fake zero).
    """
    masks = {"all": np.ones(len(is_new), dtype=bool), "warm": ~is_new, "new": is_new}
    summary: dict[str, dict[str, float]] = {}
    for group, mask in masks.items():
        n_users = int(mask.sum())
        values = {name: float(v[mask].mean()) if n_users else float("nan") for name, v in per_user.items()}
        values[f"coverage@{k}"] = catalogue_coverage(recommended[mask], n_items, k) if n_users else float("nan")
        values["users"] = n_users
        summary[group] = values
    return summary
