"""Numpy preparation for the neural model: event sequences, training windows, feature codes.

No torch here: these turn a Dataset into the integer arrays the network reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommendations.engine.codes import UNKNOWN
from recommendations.engine.data import SECONDS_PER_DAY, Dataset, ItemFeatures

# Item index i enters the network as token i + 1; token 0 is padding. Feature code 0 means
# "unknown / absent" and its embedding is pinned at zero, so absent features add nothing.
PAD = 0


@dataclass
class Events:
    """Positive events, one per (user, item) (the latest), grouped by user in time order."""

    indptr: np.ndarray  # user u's events are [indptr[u], indptr[u + 1])
    items: np.ndarray
    timestamps: np.ndarray
    weights: np.ndarray

    def without(self, drop: np.ndarray) -> Events:
        keep = np.ones(len(self.items), dtype=bool)
        keep[drop] = False
        n_users = len(self.indptr) - 1
        users = np.repeat(np.arange(n_users), np.diff(self.indptr))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(users[keep], minlength=n_users))])
        return Events(indptr, self.items[keep], self.timestamps[keep], self.weights[keep])


def chronological_events(data: Dataset) -> Events:
    positive = data.weight > 0
    users, items = data.user_idx[positive].astype(np.int64), data.item_idx[positive].astype(np.int64)
    timestamps, weights = data.timestamp[positive], data.weight[positive]
    order = np.lexsort((np.arange(len(users)), timestamps, users))
    users, items, timestamps, weights = users[order], items[order], timestamps[order], weights[order]
    # A title watched twice counts once, at its latest moment.
    pair = users * data.n_items + items
    _, first_from_end = np.unique(pair[::-1], return_index=True)
    keep = np.sort(len(pair) - 1 - first_from_end)
    counts = np.bincount(users[keep], minlength=data.n_users)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return Events(indptr, items[keep], timestamps[keep], weights[keep].astype(np.float32))


def holdout_users(events: Events, limit: int, holdout: int, seed: int) -> np.ndarray:
    """Users (with two events left for training) whose last `holdout` items are held out."""
    eligible = np.flatnonzero(np.diff(events.indptr) >= holdout + 2)
    if len(eligible) > limit:
        eligible = np.sort(np.random.default_rng(seed).choice(eligible, size=limit, replace=False))
    return eligible


def window_positions(indptr: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut each user's sequence into windows of length + 1 events, from the latest backwards.

    Returns the user of each window and the event positions (-1 for left padding); consecutive
    windows overlap by one event so that every event but the first is a target exactly once.
    """
    counts = np.diff(indptr)
    per_user = np.where(counts >= 1, np.maximum(-(-(counts - 1) // length), 1), 0)
    users = np.repeat(np.arange(len(counts)), per_user)
    nth = np.arange(per_user.sum()) - np.repeat(np.cumsum(per_user) - per_user, per_user)
    ends = indptr[users + 1] - nth * length
    positions = ends[:, None] - (length + 1) + np.arange(length + 1)[None, :]
    return users, np.where(positions >= indptr[users][:, None], positions, -1)


def context_codes(timestamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hour of day 1..24 and weekday 1..7 (Monday = 1) in UTC; 0 where the time is unknown (≤ 0)."""
    seconds = np.asarray(timestamps, dtype=np.float64)
    known = seconds > 0
    hours = (seconds // 3600 % 24).astype(np.int64) + 1
    weekdays = ((seconds // SECONDS_PER_DAY + 3) % 7).astype(np.int64) + 1  # 1970-01-01 was a Thursday
    return np.where(known, hours, UNKNOWN), np.where(known, weekdays, UNKNOWN)


def encode_tags(features: ItemFeatures, min_count: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Tag names used by at least `min_count` items, and each item's tag indices as offsets + indices."""
    counts: dict[str, int] = {}
    for tags in features.tags:
        for tag in set(tags):
            counts[tag] = counts.get(tag, 0) + 1
    names = sorted(tag for tag, count in counts.items() if count >= min_count)
    index = {tag: i for i, tag in enumerate(names)}
    per_item = [sorted({index[tag] for tag in tags if tag in index}) for tags in features.tags]
    offsets = np.concatenate([[0], np.cumsum([len(tags) for tags in per_item])[:-1]]).astype(np.int64)
    indices = np.fromiter((i for tags in per_item for i in tags), dtype=np.int64)
    return names, offsets[: len(per_item)], indices
