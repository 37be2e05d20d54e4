"""The one contract every recommender implements (after implicit's recommender_base).

A recommender is fitted on a Dataset, then scores users from their *history rows* (a sparse
user × item vector). Known users' rows come from the training data; a user the model has never
seen (signed up after training, or a new user in the CLI) is served from the history the caller
passes in `histories`, so cold-start needs no retraining. Config (hyper-parameters, a seed) is a
dataclass kept apart from learned state, and save/load writes JSON + npz, never pickled code.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp

from recommendations.engine.data import Dataset, ItemFeatures, Vocabulary

FORMAT_VERSION = 1
# Histories passed in for users the model has not seen: user id → [(item id, weight), ...].
Histories = Mapping[Any, Sequence[tuple[Any, float]]]


@dataclass(frozen=True)
class Reason:
    """Why an item was recommended, in a form the site can render and the API can return."""

    kind: str  # because_you_watched | similar_tags | popular | trending | new_release | similar_users
    text: str
    item_id: Any = None  # the watched title behind "Because you watched"
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "item_id": self.item_id, "tags": list(self.tags)}


@dataclass(frozen=True)
class Config:
    """Hyper-parameters shared by every algorithm; subclasses add their own fields."""

    half_life_days: float | None = None  # time decay of training weights; None = no decay
    seed: int = 42


class Recommender(ABC):
    name: ClassVar[str]
    config_class: ClassVar[type[Config]] = Config
    tie_break: ClassVar[bool] = True  # add popularity far below the score spread to order ties

    def __init__(self, config: Config | None = None, **params: Any) -> None:
        self.config = replace(config or self.config_class(), **params)
        self.users: Vocabulary | None = None
        self.items: Vocabulary | None = None
        self.item_features: ItemFeatures | None = None
        self.history_: sp.csr_matrix | None = None  # positive, possibly time-decayed weights
        self.seen_: sp.csr_matrix | None = None  # everything a user touched, negatives included
        self.popularity_: np.ndarray | None = None  # per-item popularity in [0, 1]: fallback and tie-break

    @classmethod
    def search_space(cls) -> dict[str, list]:
        """Hyper-parameter values worth trying, tuned on a validation split cut from training data."""
        return {}

    # ---- fitting -------------------------------------------------------------------------
    def fit(self, data: Dataset) -> Self:
        self.users, self.items = data.users, data.items
        self.item_features = data.item_features or ItemFeatures.empty(data.n_items)
        self.history_ = data.matrix(half_life_days=self.config.half_life_days)
        self.seen_ = data.seen()
        counts = np.asarray((data.matrix() > 0).sum(axis=0)).ravel().astype(np.float64)
        self.popularity_ = counts / counts.max() if counts.max() > 0 else counts
        self._fit(data, self.history_)
        return self

    @abstractmethod
    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        """Learn state from the training data; `history` is the weighted user × item matrix."""

    @abstractmethod
    def _score(self, user_index: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        """Dense (n_users_in_batch × n_items) scores; higher is better.

        `user_index` holds -1 for users unknown to the model: score them from `history` alone.
        """

    # ---- serving -------------------------------------------------------------------------
    @property
    def n_items(self) -> int:
        return len(self.items)

    def recommend(
        self,
        user_ids: Sequence,
        k: int = 10,
        *,
        exclude_seen: bool = True,
        candidates: Sequence | None = None,
        histories: Histories | None = None,
        batch_size: int = 1024,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k item ids and scores for each user, shape (n_users, k).

        Positions left empty (the catalogue minus seen items is smaller than k) hold None and -inf.
        """
        self._require_fitted()
        user_ids = list(user_ids)
        item_ids = np.full((len(user_ids), k), None, dtype=object)
        scores = np.full((len(user_ids), k), -np.inf, dtype=np.float32)
        allowed = self._candidate_mask(candidates)
        for start in range(0, len(user_ids), batch_size):
            batch = user_ids[start : start + batch_size]
            batch_scores = self.score(batch, histories=histories, exclude_seen=exclude_seen)
            if allowed is not None:
                batch_scores[:, ~allowed] = -np.inf
            top, top_scores = top_k(batch_scores, k)
            valid = np.isfinite(top_scores)
            width = top.shape[1]  # k, or the catalogue size when that is smaller
            item_ids[start : start + len(batch), :width][valid] = self.items.ids(top[valid])
            scores[start : start + len(batch), :width] = top_scores
        return item_ids, scores

    def score(self, user_ids: Sequence, *, histories: Histories | None = None, exclude_seen: bool = True) -> np.ndarray:
        """Dense scores for a batch of users with popularity as the tie-break and seen items at -inf."""
        user_index, history, seen = self.history_rows(user_ids, histories)
        scores = np.asarray(self._score(user_index, history), dtype=np.float32)
        if self.tie_break:
            scores = _break_ties(scores, self.popularity_)
        if exclude_seen:
            rows, cols = seen.nonzero()
            scores[rows, cols] = -np.inf
        return scores

    def similar_items(self, item_id: Any, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Items most like `item_id`: by default, what this model recommends to someone who saw only it."""
        self._require_fitted()
        index = self.items.index(item_id)
        if index < 0:
            raise KeyError(f"unknown item {item_id!r}")
        history = sp.csr_matrix(([1.0], ([0], [index])), shape=(1, self.n_items), dtype=np.float32)
        scores = np.asarray(self._score(np.array([-1]), history), dtype=np.float32)
        if self.tie_break:
            scores = _break_ties(scores, self.popularity_)
        scores[0, index] = -np.inf
        top, top_scores = top_k(scores, k)
        valid = np.isfinite(top_scores[0])
        return self.items.ids(top[0][valid]), top_scores[0][valid]

    def explain(self, user_id: Any, item_id: Any, *, histories: Histories | None = None) -> Reason:
        """Why `item_id` suits `user_id`: a watched title, shared tags, or popularity."""
        return self.explain_many(user_id, [item_id], histories=histories)[0]

    def explain_many(self, user_id: Any, item_ids: Sequence, *, histories: Histories | None = None) -> list[Reason]:
        """Reasons for several items of one user's list; the user's history is read once."""
        return self.explain_batch({user_id: list(item_ids)}, histories=histories)[user_id]

    def explain_batch(
        self, requests: Mapping[Any, Sequence], *, histories: Histories | None = None, batch_size: int = 512
    ) -> dict[Any, list[Reason]]:
        """Reasons for the lists of many users at once ({user: items} → {user: reasons}): the
        histories of a whole batch are read in one go, which is what precomputing rows needs.

        Models explain through `_explain`; one that overrides `explain` itself is asked item by item.
        """
        self._require_fitted()
        if type(self).explain is not Recommender.explain:
            return {
                user: [self.explain(user, item, histories=histories) for item in items]
                for user, items in requests.items()
            }
        reasons: dict[Any, list[Reason]] = {}
        users = list(requests)
        for start in range(0, len(users), batch_size):
            batch = users[start : start + batch_size]
            user_index, history, seen = self.history_rows(batch, histories)
            for row, user in enumerate(batch):
                one = (user_index[row : row + 1], history[row], seen[row])
                reasons[user] = [self._explain(one, self.items.index(item)) for item in requests[user]]
        return reasons

    def _explain(self, rows: tuple, item: int) -> Reason:
        """The watched item most similar to `item` (item-item co-occurrence), else popularity.

        `rows` is what `history_rows` returned for the one user; `item` an index (-1: unknown).
        """
        _, history, _ = rows
        source = self._most_similar_in_history(history, item) if item >= 0 else None
        if source is not None:
            return because_you_watched(self.items.id(source))
        return Reason(kind="popular", text="Popular with viewers")

    # ---- persistence ---------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        self._require_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT_VERSION,
            "algorithm": self.name,
            "config": asdict(self.config),
            "users": _jsonable_ids(self.users),
            "items": _jsonable_ids(self.items),
            "item_tags": self.item_features.tags,
            "item_texts": self.item_features.texts,
            "extra": self._extra_meta(),
        }
        (directory / "model.json").write_text(json.dumps(meta))
        arrays = {
            "item_years": self.item_features.years,
            "popularity": self.popularity_,
            **_csr_arrays("history", self.history_),
            **_csr_arrays("seen", self.seen_),
            **{f"state_{key}": value for key, value in self._state().items()},
        }
        np.savez_compressed(directory / "state.npz", **arrays)
        self._save_extra(directory)
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> Recommender:
        """Load any saved recommender; the class comes from the saved algorithm name."""
        from recommendations.engine.registry import get_algorithm

        directory = Path(directory)
        meta = json.loads((directory / "model.json").read_text())
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{directory}: unsupported model format {meta.get('format')!r}")
        algorithm = get_algorithm(meta["algorithm"])
        known = {f.name for f in fields(algorithm.config_class)}
        model = algorithm(algorithm.config_class(**{k: v for k, v in meta["config"].items() if k in known}))
        with np.load(directory / "state.npz", allow_pickle=False) as arrays:
            model.users = Vocabulary(meta["users"])
            model.items = Vocabulary(meta["items"])
            model.item_features = ItemFeatures(
                tags=meta["item_tags"], years=arrays["item_years"], texts=meta["item_texts"]
            )
            model.popularity_ = arrays["popularity"]
            model.history_ = _csr_from(arrays, "history")
            model.seen_ = _csr_from(arrays, "seen")
            state = {key.removeprefix("state_"): arrays[key] for key in arrays.files if key.startswith("state_")}
        model._set_state(state, meta.get("extra") or {})
        model._load_extra(directory)
        return model

    def _state(self) -> dict[str, np.ndarray]:
        """Learned arrays to save (numpy only)."""
        return {}

    def _set_state(self, state: dict[str, np.ndarray], extra: dict) -> None:
        """Restore what `_state` and `_extra_meta` saved."""

    def _extra_meta(self) -> dict:
        """Small JSON-able learned values (e.g. chosen blend weights)."""
        return {}

    def _save_extra(self, directory: Path) -> None:
        """Hook for state that is not numpy (the neural model's torch state_dict)."""

    def _load_extra(self, directory: Path) -> None:
        pass

    # ---- helpers -------------------------------------------------------------------------
    def history_rows(self, user_ids: Sequence, histories: Histories | None = None):
        """(user indices with -1 for unknown users, positive history rows, seen rows) for a batch."""
        user_index = self.users.indices(user_ids)
        known = sp.diags((user_index >= 0).astype(np.float32))
        history = (known @ self.history_[np.maximum(user_index, 0)]).tocsr()
        seen = (known @ self.seen_[np.maximum(user_index, 0)]).tocsr()
        given = [(row, histories[uid]) for row, uid in enumerate(user_ids) if histories and uid in histories]
        if given:
            history, seen = self._replace_rows(history, seen, given)
        return user_index, history, seen

    def _replace_rows(self, history: sp.csr_matrix, seen: sp.csr_matrix, given: list):
        """Swap in caller-supplied histories: they describe the user now, newer than training.

        Built as one sparse matrix for all given rows (serving a batch of 500 users item by item
        through a LIL matrix cost milliseconds per user).
        """
        rows, items, weights = [], [], []
        for row, events in given:
            for item_id, weight in events:
                rows.append(row)
                items.append(item_id)
                weights.append(weight)
        item_index = self.items.indices(items) if items else np.empty(0, dtype=np.int64)
        known = item_index >= 0
        rows = np.asarray(rows, dtype=np.int64)[known]
        item_index, weights = item_index[known], np.asarray(weights, dtype=np.float64)[known]
        keep = np.ones(history.shape[0], dtype=np.float32)
        keep[[row for row, _ in given]] = 0.0
        positive = weights > 0
        given_history = sp.csr_matrix(
            (weights[positive], (rows[positive], item_index[positive])), shape=history.shape, dtype=history.dtype
        )  # duplicate (row, item) pairs are summed
        given_seen = sp.csr_matrix((np.ones(len(rows)), (rows, item_index)), shape=seen.shape, dtype=seen.dtype)
        given_seen.data[:] = 1.0  # touched, however often
        return (sp.diags(keep) @ history + given_history).tocsr(), (sp.diags(keep) @ seen + given_seen).tocsr()

    def _most_similar_in_history(self, history: sp.csr_matrix, item: int) -> int | None:
        watched = history.indices
        if item < 0 or len(watched) == 0:
            return None
        binary = (self.history_ > 0).astype(np.float32).tocsc()
        target = binary[:, item]
        overlap = np.asarray((binary[:, watched].T @ target).todense()).ravel()
        norms = np.sqrt(np.asarray(binary[:, watched].sum(axis=0)).ravel() * max(target.sum(), 1.0))
        similarity = np.divide(overlap, norms, out=np.zeros_like(overlap), where=norms > 0)
        if similarity.max() <= 0:
            return None
        return int(watched[int(np.argmax(similarity))])

    def _candidate_mask(self, candidates: Sequence | None) -> np.ndarray | None:
        if candidates is None:
            return None
        mask = np.zeros(self.n_items, dtype=bool)
        indices = self.items.indices(candidates)
        mask[indices[indices >= 0]] = True
        return mask

    def _require_fitted(self) -> None:
        if self.history_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit() or load() first")


def because_you_watched(item_id: Any) -> Reason:
    return Reason(kind="because_you_watched", text="Because you watched {item}", item_id=item_id)


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the k largest scores per row, best first (argpartition, then sort)."""
    k = min(k, scores.shape[1])
    if k == 0:
        return np.empty((scores.shape[0], 0), dtype=np.int64), np.empty((scores.shape[0], 0), dtype=np.float32)
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1)


def _break_ties(scores: np.ndarray, popularity: np.ndarray) -> np.ndarray:
    """Add popularity at a scale far below each row's score spread, so it only decides ties.

    A user with no usable history gets all-equal scores and so a popularity ranking.
    """
    finite = np.where(np.isfinite(scores), scores, 0.0)
    spread = np.abs(finite).max(axis=1, keepdims=True)
    scale = np.where(spread > 0, spread * 1e-4, 1.0).astype(np.float32)
    return scores + scale * popularity.astype(np.float32)[None, :]


def _jsonable_ids(vocabulary: Vocabulary) -> list:
    return [i.item() if isinstance(i, np.generic) else i for i in vocabulary.to_list()]


def _csr_arrays(prefix: str, matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    return {
        f"{prefix}_data": matrix.data,
        f"{prefix}_indices": matrix.indices,
        f"{prefix}_indptr": matrix.indptr,
        f"{prefix}_shape": np.asarray(matrix.shape),
    }


def _csr_from(arrays, prefix: str) -> sp.csr_matrix:
    shape = tuple(int(x) for x in arrays[f"{prefix}_shape"])
    return sp.csr_matrix(
        (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]), shape=shape
    )
