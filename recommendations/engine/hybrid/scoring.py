"""Array helpers of the hybrid: ranks, standardised scores, blends, the MMR head, item vectors."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommendations.engine.base import Recommender
from recommendations.engine.ranker import BoostedTrees, LinearRanker
from recommendations.engine.rerank import mmr_order


def ranker_scores(ranker: BoostedTrees | LinearRanker, rows: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return standardise(ranker.decision_function(rows.reshape(-1, rows.shape[-1])).reshape(shape))


def rows_for(model: Recommender, user_index: np.ndarray, history: sp.csr_matrix) -> sp.csr_matrix:
    """Known users' rows from the model's own history (its time decay), unknown users' from `history`."""
    known = user_index >= 0
    if not known.any():
        return history
    own = model.history_[np.maximum(user_index, 0)]
    return (sp.diags(known.astype(np.float32)) @ own + sp.diags((~known).astype(np.float32)) @ history).tocsr()


def embeddings_from(models: dict[str, Recommender]) -> np.ndarray:
    """Unit item vectors for diversity: MF factors when present, else content vectors, else one-hot."""
    if "mf" in models:
        vectors = models["mf"].item_factors_.astype(np.float32)
    elif "content" in models and hasattr(models["content"], "item_vectors_"):
        vectors = np.asarray(models["content"].item_vectors_.todense(), dtype=np.float32)
    else:
        return np.eye(next(iter(models.values())).n_items, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def top_after_mmr(candidates, relevance, embeddings, diversity, depth) -> np.ndarray:
    head = np.argsort(-relevance, axis=1, kind="stable")[:, :depth]
    head_items = np.take_along_axis(candidates, head, axis=1)
    order = mmr_order(np.take_along_axis(relevance, head, axis=1), head_items, embeddings, diversity)
    return np.take_along_axis(head_items, order, axis=1)


def rank_positions(scores: np.ndarray) -> np.ndarray:
    """0-based rank of every item per row (0 = best); -inf items rank last."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(scores.shape[1])[None, :].repeat(len(scores), axis=0), axis=1)
    return ranks.astype(np.float32)


def standardise(scores: np.ndarray) -> np.ndarray:
    finite = np.isfinite(scores)
    values = np.where(finite, scores, np.nan)
    mean = np.nanmean(values, axis=1, keepdims=True)
    std = np.nanstd(values, axis=1, keepdims=True)
    return np.where(finite, (scores - mean) / np.where(std > 0, std, 1.0), -10.0)


def blend(ranker: np.ndarray, fallback: np.ndarray, weight) -> np.ndarray:
    return weight * ranker + (1 - weight) * fallback


def best_share(ndcg_by_share: dict[float, np.ndarray]) -> float:
    """The ranker share with the best mean validation nDCG (ties: the more personal one)."""
    return max(ndcg_by_share, key=lambda share: (ndcg_by_share[share].mean(), share))


def most_personal_within_noise(ndcg_by_share: dict[float, np.ndarray]) -> float:
    """The largest ranker share whose validation nDCG is within one standard error of the best's.

    `ndcg_by_share` maps each ranker share of the blend to its per-user validation nDCG (the same
    users for every share). On sparse data a few hundred validation users cannot tell the blends
    apart, and the plain best often fell to popularity by chance, which then served a handful of
    titles to everyone; where the evidence cannot separate two blends, the more personal one is
    kept. On dense data the best is clear and is chosen as before.
    """
    best = best_share(ndcg_by_share)

    def within_noise(share: float) -> bool:
        gap = ndcg_by_share[best] - ndcg_by_share[share]
        if len(gap) < 2:
            return share == best
        return gap.mean() <= gap.std(ddof=1) / np.sqrt(len(gap))  # paired over the same users

    return max(share for share in ndcg_by_share if within_noise(share))


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def with_prefix(state: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The saved arrays of one part of the model, under their own names."""
    return {k.removeprefix(prefix): v for k, v in state.items() if k.startswith(prefix)}
