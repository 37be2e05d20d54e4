"""Data structures every recommender shares: id vocabularies, weighted interactions, side features.

Django-free on purpose: services translate querysets into these, and the CLI builds them from CSV.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

SECONDS_PER_DAY = 86_400.0


class Vocabulary:
    """Maps external ids (ints or strings) to contiguous indices 0..n-1, in first-seen order."""

    def __init__(self, ids: Iterable = ()) -> None:
        self._ids: list = []
        self._index: dict = {}
        self.extend(ids)

    def extend(self, ids: Iterable) -> None:
        for external_id in ids:
            if external_id not in self._index:
                self._index[external_id] = len(self._ids)
                self._ids.append(external_id)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, external_id) -> bool:
        return external_id in self._index

    def index(self, external_id) -> int:
        """The index of an id, or -1 when the id is unknown (a new user or item)."""
        return self._index.get(external_id, -1)

    def indices(self, ids: Iterable) -> np.ndarray:
        return np.fromiter((self._index.get(i, -1) for i in ids), dtype=np.int64)

    def id(self, index: int):
        return self._ids[index]

    def ids(self, indices: Iterable[int] | None = None) -> np.ndarray:
        everything = np.asarray(self._ids, dtype=object)
        return everything if indices is None else everything[np.asarray(indices, dtype=np.int64)]

    def to_list(self) -> list:
        return list(self._ids)

    @classmethod
    def from_list(cls, ids: Sequence) -> Vocabulary:
        return cls(ids)


@dataclass(frozen=True)
class EventWeights:
    """How much each kind of evidence counts. Negative weights count against an item.

    Ratings map linearly: `rating_pivot` is neutral, each star above it adds `rating_slope`.
    When `ratings_as_positive` is set every rating counts as at least `min_rating_weight`
    (on MovieLens, having rated a film at all is strong evidence of having watched it).
    """

    view: float = 1.0
    progress: float = 1.5
    complete: float = 3.0
    enrol: float = 2.0
    not_interested: float = -3.0
    rating_pivot: float = 2.5
    rating_slope: float = 1.0
    ratings_as_positive: bool = True
    min_rating_weight: float = 0.5

    def for_ratings(self, ratings: np.ndarray) -> np.ndarray:
        weights = 1.0 + (ratings - self.rating_pivot) * self.rating_slope
        if self.ratings_as_positive:
            weights = np.maximum(weights, self.min_rating_weight)
        return weights.astype(np.float32)

    def for_types(self, types: Sequence[str], values: np.ndarray) -> np.ndarray:
        weights = np.empty(len(types), dtype=np.float32)
        for i, (event_type, value) in enumerate(zip(types, values, strict=True)):
            if event_type == "rate":
                weights[i] = self.for_ratings(np.array([value], dtype=np.float32))[0]
            elif event_type == "progress":
                weights[i] = self.progress * (0.5 + 0.5 * (value if np.isfinite(value) else 0.5))
            else:
                weights[i] = getattr(self, event_type, 1.0)
        return weights


@dataclass
class ItemFeatures:
    """Side information per item index: tags (any facet, e.g. "genre:Drama"), a year, free text."""

    tags: list[list[str]]
    years: np.ndarray  # float, NaN where unknown
    texts: list[str]

    @classmethod
    def empty(cls, n_items: int) -> ItemFeatures:
        return cls(tags=[[] for _ in range(n_items)], years=np.full(n_items, np.nan), texts=[""] * n_items)


@dataclass
class UserFeatures:
    """Side information per user index: named columns, numeric (float arrays) or categorical (str lists)."""

    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    categorical: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Dataset:
    """Interactions between users and items, plus optional features.

    Arrays are parallel, one entry per event. `weight` is signed (see EventWeights). `timestamp`
    is Unix seconds (0 when unknown). Items may appear in `items` without any interaction: new
    titles that only content features can recommend.
    """

    users: Vocabulary
    items: Vocabulary
    user_idx: np.ndarray
    item_idx: np.ndarray
    weight: np.ndarray
    timestamp: np.ndarray
    rating: np.ndarray | None = None
    item_features: ItemFeatures | None = None
    user_features: UserFeatures | None = None

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_events(self) -> int:
        return len(self.user_idx)

    @property
    def has_time_order(self) -> bool:
        """Whether timestamps order any events (without them every event is at 0: file order is all)."""
        return self.n_events > 0 and bool(self.timestamp.min() != self.timestamp.max())

    @property
    def latest_timestamp(self) -> float:
        return float(self.timestamp.max()) if self.n_events else 0.0

    def matrix(
        self, *, half_life_days: float | None = None, now: float | None = None, positive: bool = True
    ) -> sp.csr_matrix:
        """User × item matrix of summed weights; only positive evidence unless `positive` is False.

        With `half_life_days`, each event's weight halves every that many days before `now`
        (default: the latest event), so that recent taste counts more.
        """
        weights = self.weight.astype(np.float32)
        if half_life_days:
            reference = self.latest_timestamp if now is None else now
            age_days = np.maximum(reference - self.timestamp, 0) / SECONDS_PER_DAY
            weights = weights * np.power(0.5, age_days / half_life_days).astype(np.float32)
        matrix = sp.csr_matrix((weights, (self.user_idx, self.item_idx)), shape=(self.n_users, self.n_items))
        matrix.sum_duplicates()
        if positive:
            matrix.data = np.maximum(matrix.data, 0)
            matrix.eliminate_zeros()
        return matrix

    def seen(self) -> sp.csr_matrix:
        """Boolean user × item matrix of every item a user touched, negative evidence included."""
        ones = np.ones(self.n_events, dtype=np.float32)
        seen = sp.csr_matrix((ones, (self.user_idx, self.item_idx)), shape=(self.n_users, self.n_items))
        seen.sum_duplicates()
        seen.data[:] = 1
        return seen

    def negatives(self) -> sp.csr_matrix:
        """User × item matrix of negative evidence (not interested, low ratings) as positive magnitudes."""
        matrix = self.matrix(positive=False)
        matrix.data = np.maximum(-matrix.data, 0)
        matrix.eliminate_zeros()
        return matrix

    def subset(self, mask: np.ndarray) -> Dataset:
        """The same vocabularies and features with only the events where `mask` is true."""
        return Dataset(
            users=self.users,
            items=self.items,
            user_idx=self.user_idx[mask],
            item_idx=self.item_idx[mask],
            weight=self.weight[mask],
            timestamp=self.timestamp[mask],
            rating=None if self.rating is None else self.rating[mask],
            item_features=self.item_features,
            user_features=self.user_features,
        )

    @classmethod
    def from_events(
        cls,
        user_ids: Sequence,
        item_ids: Sequence,
        *,
        ratings: Sequence[float] | None = None,
        timestamps: Sequence[float] | None = None,
        weights: Sequence[float] | None = None,
        all_items: Iterable | None = None,
        all_users: Iterable | None = None,
        event_weights: EventWeights | None = None,
    ) -> Dataset:
        """Build a data set from parallel lists; weights come from ratings when not given."""
        users = Vocabulary(all_users or ())
        users.extend(user_ids)
        items = Vocabulary(all_items or ())
        items.extend(item_ids)
        n = len(user_ids)
        rating = None if ratings is None else np.asarray(ratings, dtype=np.float32)
        if weights is not None:
            weight = np.asarray(weights, dtype=np.float32)
        elif rating is not None:
            weight = (event_weights or EventWeights()).for_ratings(rating)
        else:
            weight = np.ones(n, dtype=np.float32)
        return cls(
            users=users,
            items=items,
            user_idx=users.indices(user_ids).astype(np.int32),
            item_idx=items.indices(item_ids).astype(np.int32),
            weight=weight,
            timestamp=np.zeros(n, dtype=np.int64) if timestamps is None else np.asarray(timestamps, dtype=np.int64),
            rating=rating,
        )
