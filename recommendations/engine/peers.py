"""Published baselines we measure ourselves against: `implicit`'s ALS and BPR behind our contract.

`implicit` is an optional extra (`pip install 'marquee[peers]'`), imported only inside `fit`, so
this module imports without it; `implicit_available()` says whether the peers can run. The
other peers are our own: popularity (popularity.py) and EASE (collaborative.py).

Both adapters train implicit's CPU models on the same weighted user × item matrix our models
see, seeded, and keep only the factor matrices (numpy, saved like any other state). Users the
model has never seen are folded in from their history: ALS with implicit's own least-squares
step, BPR (which has none) with the weighted mean of their items' factors.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommendations.engine.base import Config, Recommender, top_k
from recommendations.engine.data import Dataset

# Names under which evaluate runs peers, in the order the table lists them.
PEER_NAMES = ("popularity", "ease", "implicit-als", "implicit-bpr")
IMPLICIT_PEERS = ("implicit-als", "implicit-bpr")


def implicit_available() -> bool:
    return find_spec("implicit") is not None


class _FactorModel(Recommender):
    """Scores are user factors · item factors; subclasses train them and fold in unknown users."""

    def _score(self, user_index: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        known = user_index >= 0
        users = np.zeros((len(user_index), self.user_factors_.shape[1]), dtype=np.float32)
        users[known] = self.user_factors_[user_index[known]]
        if not known.all():
            users[~known] = self._fold_in(history[np.flatnonzero(~known)])
        return users @ self.item_factors_.T

    def _fold_in(self, history: sp.csr_matrix) -> np.ndarray:
        raise NotImplementedError

    def similar_items(self, item_id: Any, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarity of item factors, the usual item-item view of a factor model."""
        self._require_fitted()
        index = self.items.index(item_id)
        if index < 0:
            raise KeyError(f"unknown item {item_id!r}")
        factors = self._item_embeddings()
        norms = np.maximum(np.linalg.norm(factors, axis=1), 1e-9)
        similarity = (factors @ factors[index]) / (norms * norms[index])
        similarity[index] = -np.inf
        top, scores = top_k(similarity[None, :].astype(np.float32), k)
        return self.items.ids(top[0]), scores[0]

    def _item_embeddings(self) -> np.ndarray:
        return self.item_factors_

    def _state(self) -> dict[str, np.ndarray]:
        return {"user_factors": self.user_factors_, "item_factors": self.item_factors_}

    def _set_state(self, state: dict[str, np.ndarray], extra: dict) -> None:
        self.user_factors_, self.item_factors_ = state["user_factors"], state["item_factors"]


@dataclass(frozen=True)
class ImplicitALSConfig(Config):
    factors: int = 64
    regularization: float = 0.1
    alpha: float = 10.0  # implicit's confidence is alpha × weight
    iterations: int = 15
    num_threads: int = 0  # 0 = every core; ALS is deterministic whatever the thread count


class ImplicitALS(_FactorModel):
    """implicit.cpu.als.AlternatingLeastSquares (Hu, Koren & Volinsky 2008)."""

    name = "implicit-als"
    config_class = ImplicitALSConfig

    @classmethod
    def search_space(cls) -> dict[str, list]:
        return {
            "factors": [32, 64, 128],
            "regularization": [0.01, 0.1, 1.0],
            "alpha": [1.0, 5.0, 20.0, 50.0],
            "iterations": [15, 30],
        }

    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        from implicit.cpu.als import AlternatingLeastSquares

        c = self.config
        model = _fit_quietly(
            AlternatingLeastSquares,
            history,
            factors=c.factors,
            regularization=c.regularization,
            alpha=c.alpha,
            iterations=c.iterations,
            num_threads=c.num_threads,
            random_state=c.seed,
        )
        self.user_factors_, self.item_factors_ = model.user_factors, model.item_factors

    def _fold_in(self, history: sp.csr_matrix) -> np.ndarray:
        """One ALS user step, as implicit's recalculate_user: solve (YᵀCᵤY + λI) x = YᵀCᵤpᵤ."""
        items = self.item_factors_.astype(np.float64)
        base = items.T @ items + self.config.regularization * np.eye(items.shape[1])
        users = np.zeros((history.shape[0], items.shape[1]), dtype=np.float32)
        for row in range(history.shape[0]):  # only users unknown to the model: a handful
            start, stop = history.indptr[row], history.indptr[row + 1]
            watched = items[history.indices[start:stop]]
            confidence = self.config.alpha * history.data[start:stop].astype(np.float64)
            matrix = base + (watched.T * (confidence - 1)) @ watched
            users[row] = np.linalg.solve(matrix, watched.T @ confidence)
        return users


@dataclass(frozen=True)
class ImplicitBPRConfig(Config):
    factors: int = 64
    learning_rate: float = 0.05
    regularization: float = 0.001
    iterations: int = 100
    num_threads: int = 1  # BPR's parallel SGD is not reproducible across runs; one thread is


class ImplicitBPR(_FactorModel):
    """implicit.cpu.bpr.BayesianPersonalizedRanking (Rendle et al. 2009)."""

    name = "implicit-bpr"
    config_class = ImplicitBPRConfig

    @classmethod
    def search_space(cls) -> dict[str, list]:
        return {
            "factors": [32, 64, 128],
            "learning_rate": [0.01, 0.05, 0.1],
            "regularization": [0.0001, 0.001, 0.01],
            "iterations": [100, 300],
        }

    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        c = self.config
        model = _fit_quietly(
            BayesianPersonalizedRanking,
            history,
            factors=c.factors,
            learning_rate=c.learning_rate,
            regularization=c.regularization,
            iterations=c.iterations,
            num_threads=c.num_threads,
            random_state=c.seed,
        )
        self.user_factors_, self.item_factors_ = model.user_factors, model.item_factors

    def _item_embeddings(self) -> np.ndarray:
        return self.item_factors_[:, :-1]  # without the bias column

    def _fold_in(self, history: sp.csr_matrix) -> np.ndarray:
        """Weighted mean of the history's item factors; the last column stays 1 (it multiplies
        the item bias that implicit keeps in the items' last column)."""
        weights = sp.csr_matrix(history, dtype=np.float32)
        totals = np.asarray(weights.sum(axis=1)).ravel()
        users = np.asarray(weights @ self.item_factors_) / np.maximum(totals, 1e-9)[:, None]
        users[:, -1] = 1.0
        return users.astype(np.float32)


def _fit_quietly(model_class, history: sp.csr_matrix, **params):
    """Build and fit on float32 CSR without a progress bar, with BLAS on one thread (implicit's
    own threads do the parallel work; a threaded BLAS under them only oversubscribes the cores,
    and implicit warns about it when the model is built)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        model = model_class(**params)
        model.fit(sp.csr_matrix(history, dtype=np.float32), show_progress=False)
    return model
