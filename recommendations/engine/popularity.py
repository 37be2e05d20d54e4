"""Non-personalised recommenders: all-time popularity, trending (time-decayed), new releases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommendations.engine.base import Config, Reason, Recommender
from recommendations.engine.data import SECONDS_PER_DAY, Dataset


@dataclass(frozen=True)
class PopularityConfig(Config):
    # Count distinct users (not summed weights), so one binge-watcher can't make a title popular.
    count_users: bool = True


class Popularity(Recommender):
    """How many people engaged with each item, optionally time-decayed (half_life_days)."""

    name = "popularity"
    config_class = PopularityConfig
    reason = Reason(kind="popular", text="Popular with viewers")

    @classmethod
    def search_space(cls) -> dict[str, list]:
        return {"half_life_days": [None, 30.0, 180.0, 720.0]}

    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        weights = history.copy()
        if self.config.count_users and self.config.half_life_days is None:
            weights.data = np.ones_like(weights.data)
        self.item_scores_ = np.asarray(weights.sum(axis=0)).ravel().astype(np.float32)

    def _score(self, user_index: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        return np.repeat(self.item_scores_[None, :], len(user_index), axis=0)

    def explain(self, user_id: Any, item_id: Any, **_: Any) -> Reason:
        return self.reason

    def _state(self) -> dict[str, np.ndarray]:
        return {"item_scores": self.item_scores_}

    def _set_state(self, state: dict[str, np.ndarray], extra: dict) -> None:
        self.item_scores_ = state["item_scores"]


@dataclass(frozen=True)
class TrendingConfig(PopularityConfig):
    half_life_days: float | None = 7.0


class Trending(Popularity):
    """Popularity with a short half-life: what people are engaging with right now."""

    name = "trending"
    config_class = TrendingConfig
    reason = Reason(kind="trending", text="Trending now")


@dataclass(frozen=True)
class NewReleasesConfig(Config):
    # Among items of the newest years, break ties by early traction.
    traction_weight: float = 0.1


class NewReleases(Recommender):
    """Newest items first: by release year where known, else by when the item first appeared."""

    name = "new_releases"
    config_class = NewReleasesConfig

    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        first_seen = np.full(data.n_items, np.inf)
        np.minimum.at(first_seen, data.item_idx, data.timestamp.astype(np.float64))
        # Release year in days since 1970 where known, else the day the item first appeared;
        # items with neither rank as oldest.
        recency = np.where(
            np.isfinite(self.item_features.years),
            (self.item_features.years - 1970) * 365.25,
            first_seen / SECONDS_PER_DAY,
        )
        known = np.isfinite(recency)
        oldest = recency[known].min() if known.any() else 0.0
        recency = np.where(known, recency, oldest)
        spread = max(float(recency.max() - oldest), 1.0)
        traction = self.config.traction_weight * self.popularity_
        self.item_scores_ = ((recency - oldest) / spread + traction).astype(np.float32)

    def _score(self, user_index: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        return np.repeat(self.item_scores_[None, :], len(user_index), axis=0)

    def explain(self, user_id: Any, item_id: Any, **_: Any) -> Reason:
        return Reason(kind="new_release", text="New release")

    def _state(self) -> dict[str, np.ndarray]:
        return {"item_scores": self.item_scores_}

    def _set_state(self, state: dict[str, np.ndarray], extra: dict) -> None:
        self.item_scores_ = state["item_scores"]
