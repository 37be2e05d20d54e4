"""The evaluation protocol's splits (see ARCHITECTURE.md, "Evaluation protocol").

Per user, events are ordered (by time, or at random) and the last 20% are held out for testing,
at least one when a user has two or more events. A seeded random 10% of users then keep only
their first 3 training events: these "new users" measure cold start with the same test events
a warm user would have, so warm and new differ only in how much history the model sees.
Relevant = held-out events rated at least 4 (every held-out positive event when there are no
ratings), minus items the user already has in training (seen items are never recommended, so
counting them would make a perfect score unreachable).

Hyper-parameters are tuned on `validation_split(split.train)`, never on the test events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommendations.engine.data import Dataset

TEST_FRACTION = 0.2
NEW_USER_FRACTION = 0.1
NEW_USER_EVENTS = 3
MIN_RELEVANT_RATING = 4.0


@dataclass
class Split:
    train: Dataset  # same vocabularies as the full data set, so ids and indices stay put
    test: dict[Any, set]  # user id -> relevant held-out item ids; only users with at least one
    test_items: dict[Any, set]  # user id -> every held-out item id, relevant or not
    new_users: set = field(default_factory=set)  # users cut down to their first few events
    # How each user's events were ordered ("temporal" or "random"): validation splits cut from
    # `train` order them the same way, so that tuning predicts what the test asks.
    protocol: str = "temporal"

    @property
    def test_users(self) -> list:
        return list(self.test)

    def relevance_matrix(self, user_ids: Iterable) -> sp.csr_matrix:
        """Boolean (len(user_ids) × n_items) matrix of relevant items, rows in the given order."""
        rows, cols = [], []
        for row, user_id in enumerate(user_ids):
            items = self.train.items.indices(self.test.get(user_id, ()))
            rows.append(np.full(len(items), row))
            cols.append(items)
        n_rows = len(rows)
        rows_array = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
        cols_array = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
        ones = np.ones(len(rows_array), dtype=bool)
        return sp.csr_matrix((ones, (rows_array, cols_array)), shape=(n_rows, self.train.n_items))


def temporal_split(
    data: Dataset,
    *,
    seed: int = 42,
    test_fraction: float = TEST_FRACTION,
    new_user_fraction: float = NEW_USER_FRACTION,
    new_user_events: int = NEW_USER_EVENTS,
    min_rating: float = MIN_RELEVANT_RATING,
) -> Split:
    """Each user's last `test_fraction` of events by time are the test; ties keep file order."""
    # lexsort's last key is the primary one: user, then time, then original position (stable ties).
    order = np.lexsort((np.arange(data.n_events), data.timestamp, data.user_idx))
    rng = np.random.default_rng(seed)
    return _cut(data, order, rng, test_fraction, new_user_fraction, new_user_events, min_rating, "temporal")


def random_split(
    data: Dataset,
    *,
    seed: int = 42,
    test_fraction: float = TEST_FRACTION,
    new_user_fraction: float = NEW_USER_FRACTION,
    new_user_events: int = NEW_USER_EVENTS,
    min_rating: float = MIN_RELEVANT_RATING,
) -> Split:
    """As `temporal_split`, but each user's events are shuffled (seeded) instead of ordered by time."""
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.permutation(data.n_events), data.user_idx))
    return _cut(data, order, rng, test_fraction, new_user_fraction, new_user_events, min_rating, "random")


def cut_split(data: Dataset, *, protocol: str = "temporal", seed: int = 42) -> Split:
    """The split of the named protocol: "temporal" (the one we report) or "random"."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
    return PROTOCOLS[protocol](data, seed=seed)


def validation_split(train: Dataset, seed: int = 42, protocol: str = "temporal") -> Split:
    """The same protocol cut from training data only: where hyper-parameters are chosen.

    Pass the outer split's `protocol`: a model tuned to predict each user's next events would be
    tuned for the wrong question when the test holds out events at random.
    """
    return cut_split(train, protocol=protocol, seed=seed)


def _cut(
    data: Dataset,
    order: np.ndarray,
    rng: np.random.Generator,
    test_fraction: float,
    new_user_fraction: float,
    new_user_events: int,
    min_rating: float,
    protocol: str,
) -> Split:
    """Split events given `order`, a permutation grouping events by user in the order that counts."""
    counts = np.bincount(data.user_idx, minlength=data.n_users)
    n_test = _test_counts(counts, test_fraction)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    users_in_order = data.user_idx[order]
    position = np.arange(data.n_events) - starts[users_in_order]  # rank of each event within its user
    is_test = np.empty(data.n_events, dtype=bool)
    is_test[order] = position >= (counts - n_test)[users_in_order]

    new_users = _choose_new_users(counts, n_test, rng, new_user_fraction, new_user_events)
    beyond_first_events = np.empty(data.n_events, dtype=bool)
    beyond_first_events[order] = position >= new_user_events
    dropped = ~is_test & np.isin(data.user_idx, new_users) & beyond_first_events
    is_train = ~is_test & ~dropped

    train = data.subset(is_train)
    held_out = data.subset(is_test)
    return Split(
        train=train,
        test=_relevant_items(held_out, train, min_rating),
        test_items=_items_by_user(held_out, held_out.user_idx, held_out.item_idx),
        new_users=set(data.users.ids(new_users).tolist()),
        protocol=protocol,
    )


PROTOCOLS = {"temporal": temporal_split, "random": random_split}


def _test_counts(counts: np.ndarray, test_fraction: float) -> np.ndarray:
    """Held-out events per user: round(fraction × n), at least 1 and at most n - 1 for n ≥ 2."""
    rounded = np.floor(counts * test_fraction + 0.5).astype(np.int64)  # half up, not to even
    return np.where(counts >= 2, np.clip(rounded, 1, np.maximum(counts - 1, 1)), 0)


def _choose_new_users(
    counts: np.ndarray, n_test: np.ndarray, rng: np.random.Generator, fraction: float, n_events: int
) -> np.ndarray:
    """A seeded `fraction` of users with events, among those with more training events than kept."""
    eligible = np.flatnonzero((counts - n_test > n_events) & (n_test > 0))
    wanted = min(int(np.floor(fraction * np.count_nonzero(counts) + 0.5)), len(eligible))
    return np.sort(rng.choice(eligible, size=wanted, replace=False)) if wanted else np.empty(0, dtype=np.int64)


def _relevant_items(held_out: Dataset, train: Dataset, min_rating: float) -> dict[Any, set]:
    liked = held_out.rating >= min_rating if held_out.rating is not None else held_out.weight > 0
    users, items = held_out.user_idx[liked].astype(np.int64), held_out.item_idx[liked].astype(np.int64)
    seen_keys = train.user_idx.astype(np.int64) * train.n_items + train.item_idx
    unseen = ~np.isin(users * train.n_items + items, seen_keys)
    return _items_by_user(held_out, users[unseen], items[unseen])


def _items_by_user(data: Dataset, users: np.ndarray, items: np.ndarray) -> dict[Any, set]:
    """{user id: set of item ids}, users in index order (one group per user, not per event)."""
    order = np.argsort(users, kind="stable")
    users, items = users[order], items[order]
    boundaries = np.flatnonzero(np.diff(users)) + 1
    item_ids = data.items.ids(items)
    return {
        data.users.id(int(group_users[0])): set(group_items.tolist())
        for group_users, group_items in zip(np.split(users, boundaries), np.split(item_ids, boundaries), strict=True)
        if len(group_users)
    }
