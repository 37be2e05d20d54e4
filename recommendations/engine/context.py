"""Time context for ranking: what was popular around each user's latest activity, and recency.

On temporal protocols (and in production) a user's next titles tend to be ones that are popular
*at that time* and related to what they watched *most recently*. These arrays let the hybrid's
ranker use both without leaking the future: everything is computed from training data, relative
to each user's last training event (or, for unknown users, the latest event overall).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommendations.engine.data import SECONDS_PER_DAY, Dataset

N_BUCKETS = 512
RECENT_ITEMS = 5


class TimeContext:
    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays

    @classmethod
    def from_data(cls, data: Dataset) -> TimeContext:
        stamps = data.timestamp.astype(np.float64)
        start, end = (stamps.min(), stamps.max()) if data.n_events else (0.0, 0.0)
        edges = np.linspace(start, end + 1.0, N_BUCKETS + 1)
        bucket = np.clip(np.searchsorted(edges, stamps, side="right") - 1, 0, N_BUCKETS - 1)
        counts = sp.csr_matrix(
            (np.ones(data.n_events, dtype=np.float32), (data.item_idx, bucket)), shape=(data.n_items, N_BUCKETS)
        ).toarray()
        cumulative = np.concatenate([np.zeros((data.n_items, 1), np.float32), np.cumsum(counts, axis=1)], axis=1)
        last = np.full(data.n_users, end)
        if data.n_events:
            last = np.full(data.n_users, -np.inf)
            np.maximum.at(last, data.user_idx, stamps)
            last[~np.isfinite(last)] = end
        first = np.full(data.n_items, np.nan)
        if data.n_events:
            first_seen = np.full(data.n_items, np.inf)
            np.minimum.at(first_seen, data.item_idx, stamps)
            first = np.where(np.isfinite(first_seen), first_seen, np.nan)
        recent = _recent_rows(data)
        return cls(
            {
                "edges": edges,
                "cumulative": cumulative,
                "user_last": last,
                "item_first": first,
                "latest": np.asarray(end),
                "recent_data": recent.data,
                "recent_indices": recent.indices,
                "recent_indptr": recent.indptr,
                "recent_shape": np.asarray(recent.shape),
            }
        )

    def reference_times(self, user_index: np.ndarray) -> np.ndarray:
        """Each user's last training event; the latest event overall for unknown users."""
        return np.where(
            user_index >= 0, self.arrays["user_last"][np.maximum(user_index, 0)], float(self.arrays["latest"])
        )

    def window_counts(
        self, user_index: np.ndarray, candidates: np.ndarray, days: float, at_latest: bool = False
    ) -> np.ndarray:
        """Events on each candidate in the `days` before the user's reference time (bucket resolution);
        with `at_latest`, before the latest event overall (what is trending now)."""
        edges, cumulative = self.arrays["edges"], self.arrays["cumulative"]
        end_time = self.reference_times(user_index)
        if at_latest:
            end_time = np.full(len(user_index), float(self.arrays["latest"]))
        hi = np.clip(np.searchsorted(edges, end_time, side="right"), 0, N_BUCKETS)
        lo = np.clip(np.searchsorted(edges, end_time - days * SECONDS_PER_DAY, side="right") - 1, 0, N_BUCKETS)
        return cumulative[candidates, hi[:, None]] - cumulative[candidates, lo[:, None]]

    def idle_days(self, user_index: np.ndarray) -> np.ndarray:
        """Days from the user's reference time to the latest event: how stale their history is."""
        return (float(self.arrays["latest"]) - self.reference_times(user_index)) / SECONDS_PER_DAY

    def item_age_days(self, user_index: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Days between an item's first event and the user's reference time (NaN: never seen)."""
        first = self.arrays["item_first"][candidates]
        return (self.reference_times(user_index)[:, None] - first) / SECONDS_PER_DAY

    def recent_rows(self, user_index: np.ndarray, history: sp.csr_matrix) -> sp.csr_matrix:
        """Each known user's last few items; unknown users' whole given history (order unknown)."""
        a = self.arrays
        shape = tuple(int(x) for x in a["recent_shape"])
        recent = sp.csr_matrix((a["recent_data"], a["recent_indices"], a["recent_indptr"]), shape=shape)
        known = user_index >= 0
        own = recent[np.maximum(user_index, 0)]
        binary = (history > 0).astype(np.float32)
        return (sp.diags(known.astype(np.float32)) @ own + sp.diags((~known).astype(np.float32)) @ binary).tocsr()


def _recent_rows(data: Dataset) -> sp.csr_matrix:
    """Binary user × item matrix of each user's last RECENT_ITEMS positively weighted events."""
    positive = data.weight > 0
    users, items, stamps = data.user_idx[positive], data.item_idx[positive], data.timestamp[positive]
    order = np.lexsort((-stamps, users))  # by user, newest first
    users, items = users[order], items[order]
    starts = np.r_[0, np.flatnonzero(np.diff(users)) + 1]
    position = np.arange(len(users)) - np.repeat(starts, np.diff(np.r_[starts, len(users)]))
    keep = position < RECENT_ITEMS
    matrix = sp.csr_matrix(
        (np.ones(keep.sum(), dtype=np.float32), (users[keep], items[keep])), shape=(data.n_users, data.n_items)
    )
    matrix.data[:] = 1.0
    return matrix
