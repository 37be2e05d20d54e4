"""The validation users as the hybrid's ranker learns from them, with what they did next."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommendations.engine import metrics
from recommendations.engine.data import Dataset

OBJECTIVE_K = 10
FEATURE_BATCH_USERS = 1024  # as many users as a serving batch


@dataclass
class View:
    """One way of presenting the validation users to the ranker, with what they did next."""

    candidates: np.ndarray  # users × candidates item indices
    rows: np.ndarray  # users × candidates × features
    hits: np.ndarray  # users × candidates: relevant later
    relevant: sp.csr_matrix
    folds: np.ndarray  # cross-fitting fold of each user
    buckets: np.ndarray  # history-length bucket of each user

    @classmethod
    def build(cls, hybrid, models, context, user_index, relevant, folds, history=None, seen=None, feature_users=None):
        parts = []
        # Every component scores the whole catalogue for each user on the way: in batches, so that
        # memory grows with the catalogue, not with catalogue × users (as serving does).
        for start in range(0, max(len(user_index), 1), FEATURE_BATCH_USERS):
            batch = slice(start, start + FEATURE_BATCH_USERS)
            parts.append(
                hybrid._features(
                    models,
                    context,
                    user_index[batch],
                    history=None if history is None else history[batch],
                    seen=None if seen is None else seen[batch],
                    feature_users=None if feature_users is None else feature_users[batch],
                )
            )
        candidates = np.concatenate([part[0] for part in parts])
        rows = np.concatenate([part[1] for part in parts])
        hits = np.asarray(relevant[np.arange(len(user_index))[:, None], candidates].todense(), dtype=bool)
        return cls(candidates, rows, hits, relevant, folds, hybrid._buckets(rows))

    @classmethod
    def concat(cls, views: list[View]) -> View:
        if len(views) == 1:
            return views[0]
        return cls(
            np.concatenate([v.candidates for v in views]),
            np.concatenate([v.rows for v in views]),
            np.concatenate([v.hits for v in views]),
            sp.vstack([v.relevant for v in views]).tocsr(),
            np.concatenate([v.folds for v in views]),
            np.concatenate([v.buckets for v in views]),
        )

    def sample(self, negatives: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(features, labels, fold) rows: every positive and a few random negatives per user, so
        that the ranker learns an ordering within each user's candidates."""
        keep = self.hits.copy()
        for row in range(len(self.hits)):
            others = np.flatnonzero(~self.hits[row])
            keep[row, rng.choice(others, min(len(others), negatives), replace=False)] = True
        users, _ = np.nonzero(keep)
        return self.rows[keep], self.hits[keep], self.folds[users]

    def ndcg_of_ranking(self, ranked: np.ndarray) -> np.ndarray:
        hits = metrics.hit_matrix(ranked[:, :OBJECTIVE_K], self.relevant)
        n_relevant = np.asarray(self.relevant.sum(axis=1)).ravel()
        return metrics.ndcg_at_k(hits, n_relevant, OBJECTIVE_K)

    def ndcg(self, relevance: np.ndarray) -> np.ndarray:
        order = np.argsort(-relevance, axis=1, kind="stable")[:, :OBJECTIVE_K]
        return self.ndcg_of_ranking(np.take_along_axis(self.candidates, order, axis=1))


def first_events(data: Dataset, users: list, count: int) -> sp.csr_matrix:
    """Each user's first `count` positive training events (by time) as weighted history rows."""
    user_index = data.users.indices(users)
    row_of = np.full(data.n_users, -1)
    row_of[user_index] = np.arange(len(users))
    keep = (data.weight > 0) & (row_of[data.user_idx] >= 0)
    rows, items = row_of[data.user_idx[keep]], data.item_idx[keep]
    weights, stamps = data.weight[keep], data.timestamp[keep]
    order = np.lexsort((stamps, rows))
    rows, items, weights = rows[order], items[order], weights[order]
    starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
    position = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    first = position < count
    return sp.csr_matrix((weights[first], (rows[first], items[first])), shape=(len(users), data.n_items))
