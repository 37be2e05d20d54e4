"""Diversity re-ranking: maximal marginal relevance (Carbonell & Goldstein 1998) over item embeddings.

Greedy: the next item maximises (1 - λ)·relevance − λ·(its highest similarity to items already
chosen), so a list is not ten near-duplicates. Vectorised over a batch of users.
"""

from __future__ import annotations

import numpy as np


def mmr_order(relevance: np.ndarray, candidates: np.ndarray, embeddings: np.ndarray, diversity: float) -> np.ndarray:
    """Permutation of each row of `candidates` (n × m item indices) in MMR order.

    `relevance` (n × m) is rescaled to [0, 1] per row so that λ means the same for every user;
    `embeddings` are unit-norm item vectors (n_items × d). Candidates at -inf relevance go last.
    """
    n, m = candidates.shape
    if diversity <= 0 or m < 2:
        return np.argsort(-relevance, axis=1, kind="stable")
    rel = _unit_range(relevance)
    vectors = embeddings[candidates]  # n × m × d
    similarity = np.einsum("nid,njd->nij", vectors, vectors)
    order = np.empty((n, m), dtype=np.int64)
    taken = np.zeros((n, m), dtype=bool)
    closest = np.full((n, m), -np.inf)  # highest similarity to anything chosen so far
    rows = np.arange(n)
    for position in range(m):
        penalty = np.where(np.isfinite(closest), closest, 0.0)
        value = (1 - diversity) * rel - diversity * penalty
        value[taken] = -np.inf
        best = np.argmax(value, axis=1)
        order[:, position] = best
        taken[rows, best] = True
        closest = np.maximum(closest, similarity[rows, best, :])
    return order


def _unit_range(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    low = np.where(finite, values, np.inf).min(axis=1, keepdims=True)
    high = np.where(finite, values, -np.inf).max(axis=1, keepdims=True)
    span = np.where(high > low, high - low, 1.0)
    return np.where(finite, (values - low) / span, -1.0)
