"""Popularity within a viewer's own segments (age band, occupation, ...): a cold-start signal.

A newcomer's three events say little; the people who share their declared features say a bit
more. Per user feature, an item's lift in a segment is the log of its share of the segment's users
over its share of all users, the segment's share shrunk towards the overall one (`prior` pseudo
users) so that small segments do not invent tastes. A user's value for an item sums the lifts of
their segments (naive Bayes). Without user features, or for a user whose features are unknown,
every value is 0.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommendations.engine.codes import UNKNOWN, encode_user_features
from recommendations.engine.data import Dataset

QUANTILE_BUCKETS = 6  # numeric features (age) in this many quantile bands
PRIOR_USERS = 30.0


class SegmentLift:
    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays  # user_codes (users × features), offsets (features,), lift (codes × items)

    @classmethod
    def from_data(cls, data: Dataset) -> SegmentLift:
        _, sizes, codes = encode_user_features(data.user_features, data.n_users, QUANTILE_BUCKETS)
        engaged = data.subset(data.weight > 0).seen()  # 1 per (user, item) with any positive event
        active = (np.diff(engaged.indptr) > 0).astype(np.float32)
        overall = np.asarray(engaged.sum(axis=0)).ravel() / max(active.sum(), 1.0)
        tables = [cls._lift(codes[:, column], size, engaged, active, overall) for column, size in enumerate(sizes)]
        lift = np.concatenate(tables) if tables else np.zeros((0, data.n_items), dtype=np.float32)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if sizes else np.zeros(0, np.int64)
        return cls({"user_codes": codes.astype(np.int64), "offsets": offsets, "lift": lift})

    @staticmethod
    def _lift(codes, size, engaged, active, overall) -> np.ndarray:
        users = np.arange(len(codes))
        members = sp.csr_matrix((np.ones(len(codes), np.float32), (codes, users)), shape=(size, len(codes)))
        counts = np.asarray((members @ engaged).todense())
        segment_users = members @ active
        share = (counts + PRIOR_USERS * overall[None, :]) / (segment_users[:, None] + PRIOR_USERS)
        floor = 1.0 / max(active.sum(), 1.0)  # items nobody engaged with: no lift, not log(0)
        lift = np.log(np.maximum(share, floor)) - np.log(np.maximum(overall, floor))[None, :]
        lift[UNKNOWN] = 0.0
        return lift.astype(np.float32)

    def scores(self, user_index: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """(users × candidates) summed lift; users with index -1 (unknown) get 0."""
        codes, offsets, lift = self.arrays["user_codes"], self.arrays["offsets"], self.arrays["lift"]
        total = np.zeros(candidates.shape, dtype=np.float32)
        known = user_index >= 0
        for column, offset in enumerate(offsets):
            code = np.where(known, codes[np.maximum(user_index, 0), column], UNKNOWN)
            total += lift[(offset + code)[:, None], candidates]
        return total
