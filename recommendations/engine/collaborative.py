"""Collaborative recommenders: EASE (closed form), ItemKNN (sparse item-item) and ALS (implicit MF).

All three learn only from who consumed what, so they cannot recommend an item nobody has touched
(the content model covers those). Each scores a batch of users with one matrix product, which
keeps them cheap enough to run inside a hybrid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from recommendations.engine.base import Config, Reason, Recommender, because_you_watched, top_k
from recommendations.engine.data import Dataset

POPULAR = Reason(kind="popular", text="Popular with viewers")
# Above this many entries a dense block is split, so memory stays bounded on large catalogues.
BLOCK_ENTRIES = 16_000_000
DENSE_SIMILARITY_ENTRIES = 64_000_000  # 256 MB of float32: ItemKNN's dense scoring copy up to 8k items


def _as_dense(matrix: sp.spmatrix | np.ndarray) -> np.ndarray:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def transform_weights(history: sp.csr_matrix, power: float) -> sp.csr_matrix:
    """Positive weights raised to `power`: 0 makes the matrix binary, 1 keeps the weights as they are.

    Binary discards rating strength and time decay alike; validation decides whether they help.
    """
    transformed = history.astype(np.float32, copy=True).tocsr()
    transformed.data = np.power(np.maximum(transformed.data, 0), power, dtype=np.float32)
    transformed.eliminate_zeros()
    return transformed


def _strongest_contributor(history: sp.csr_matrix, contribution: np.ndarray) -> int | None:
    """The history item whose contribution to a score is largest, if any is positive."""
    if history.nnz == 0 or contribution.max() <= 0:
        return None
    return int(history.indices[int(np.argmax(contribution))])


# ---- EASE -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EASEConfig(Config):
    l2: float = 1000.0  # λ: the main hyper-parameter; larger shrinks towards popularity
    weight_power: float = 1.0  # 1: event weights (rating strength helps on MovieLens), 0: binary (Steck)


class EASE(Recommender):
    """Embarrassingly Shallow Autoencoder (Steck 2019): B = I - P / diag(P), P = (XᵀX + λI)⁻¹.

    B is a dense item × item matrix with a zero diagonal, so an item never recommends itself.
    Fitting inverts one item × item matrix: about 10 s for 10k items, independent of the users.
    """

    name = "ease"
    config_class = EASEConfig

    @classmethod
    def search_space(cls) -> dict[str, list]:
        return {"l2": [50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0], "weight_power": [0.0, 1.0]}

    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        x = transform_weights(history, self.config.weight_power)
        self.weights_ = ease_weights(x, self.config.l2)

    def _score(self, user_index: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        return np.asarray(transform_weights(history, self.config.weight_power) @ self.weights_)

    def _explain(self, rows: tuple, item: int) -> Reason:
        _, history, _ = rows
        x = transform_weights(history, self.config.weight_power)
        if item < 0:
            return POPULAR
        source = _strongest_contributor(x, x.data * self.weights_[x.indices, item])
        return POPULAR if source is None else because_you_watched(self.items.id(source))

    def _state(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights_}

    def _set_state(self, state: dict[str, np.ndarray], extra: dict) -> None:
        self.weights_ = np.ascontiguousarray(state["weights"])  # artifacts saved in Fortran order


def ease_weights(x: sp.csr_matrix, l2: float) -> np.ndarray:
    """Steck's closed form, float64 throughout the inversion, returned as float32.

    Inverting through a Cholesky factor in place keeps one n_items² float64 matrix alive
    (750 MB at 10k items) instead of three.
    """
    gram = (x.T @ x).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += l2
    factor, info = scipy.linalg.lapack.dpotrf(gram, lower=False, clean=False, overwrite_a=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"Gram matrix is not positive definite (potrf info={info})")
    precision, info = scipy.linalg.lapack.dpotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"inversion failed (potri info={info})")
    _mirror_upper_triangle(precision)
    precision /= -np.diag(precision)[None, :]  # B_ij = -P_ij / P_jj
    np.fill_diagonal(precision, 0.0)
    # LAPACK hands back Fortran order; scipy's sparse @ dense copies a non-C-contiguous operand on
    # every call (12 ms at 3k items), which made one-row scoring (similar items) crawl.
    return np.ascontiguousarray(precision, dtype=np.float32)


def _mirror_upper_triangle(matrix: np.ndarray, block: int = 1024) -> None:
    """LAPACK's potri fills only the upper triangle; copy it down in blocks (no n² index arrays)."""
    for start in range(block, matrix.shape[0], block):
        stop = min(start + block, matrix.shape[0])
        matrix[start:stop, :start] = matrix[:start, start:stop].T
        rows = slice(start, stop)
        matrix[rows, rows] = np.triu(matrix[rows, rows]) + np.triu(matrix[rows, rows], 1).T
    first = slice(0, min(block, matrix.shape[0]))
    matrix[first, first] = np.triu(matrix[first, first]) + np.triu(matrix[first, first], 1).T


# ---- ItemKNN ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemKNNConfig(Config):
    neighbours: int = 400  # kept per target item
    shrink: float = 10.0  # added to the denominator: damps similarities built on few co-occurrences
    alpha: float = 0.5  # asymmetric cosine (Aiolli 2013); 0.5 is plain cosine
    weight_power: float = 1.0  # 1: event weights, 0: binary history


class ItemKNN(Recommender):
    """Item-based nearest neighbours: sim(j → i) = x_j·x_i / (|x_i|²^α |x_j|²^(1-α) + shrink).

    S keeps, for each target item i (a column), its `neighbours` most similar items j (rows),
    so a user's score for i is the weighted sum of similarities from the items they consumed.
    """

    name = "itemknn"
    config_class = ItemKNNConfig

    @classmethod
    def search_space(cls) -> dict[str, list]:
        return {
            "neighbours": [50, 100, 200, 400, 1000],
            "shrink": [0.0, 10.0, 50.0],
            "alpha": [0.5, 0.7],
            "weight_power": [0.0, 1.0],
        }

    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        x = transform_weights(history, self.config.weight_power)
        self.similarity_ = item_similarity(x, self.config.neighbours, self.config.shrink, self.config.alpha)
        self._dense_similarity = self._similarity_by_column = None

    def _score(self, user_index: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        return _as_dense(transform_weights(history, self.config.weight_power) @ self._scoring_similarity())

    def _scoring_similarity(self) -> sp.csr_matrix | np.ndarray:
        """S itself, or a dense copy when S is dense enough that sparse × dense beats sparse × sparse.

        Above ~3% density scipy's sparse product costs more than touching every column (3× at 11%,
        ML-1M with 400 neighbours); the dense copy is capped at DENSE_SIMILARITY_ENTRIES.
        """
        s = self.similarity_
        n_entries = s.shape[0] * s.shape[1]
        if self._dense_similarity is None and s.nnz > 0.03 * n_entries and n_entries <= DENSE_SIMILARITY_ENTRIES:
            self._dense_similarity = s.toarray()
        return s if self._dense_similarity is None else self._dense_similarity

    def _explain(self, rows: tuple, item: int) -> Reason:
        _, history, _ = rows
        x = transform_weights(history, self.config.weight_power)
        if item < 0:
            return POPULAR
        source = _strongest_contributor(x, x.data * self._similarity_column(item)[x.indices])
        return POPULAR if source is None else because_you_watched(self.items.id(source))

    def _similarity_column(self, item: int) -> np.ndarray:
        """Column `item` of S, dense: read from a CSC copy made once (slicing a column out of CSR
        took a millisecond per reason)."""
        if self._similarity_by_column is None:
            self._similarity_by_column = self.similarity_.tocsc()
        by_column = self._similarity_by_column
        start, stop = by_column.indptr[item], by_column.indptr[item + 1]
        column = np.zeros(self.similarity_.shape[0], dtype=np.float32)
        column[by_column.indices[start:stop]] = by_column.data[start:stop]
        return column

    def _state(self) -> dict[str, np.ndarray]:
        s = self.similarity_
        return {"s_data": s.data, "s_indices": s.indices, "s_indptr": s.indptr, "s_shape": np.asarray(s.shape)}

    def _set_state(self, state: dict[str, np.ndarray], extra: dict) -> None:
        shape = tuple(int(n) for n in state["s_shape"])
        self.similarity_ = sp.csr_matrix((state["s_data"], state["s_indices"], state["s_indptr"]), shape=shape)
        self._dense_similarity = self._similarity_by_column = None


def item_similarity(x: sp.csr_matrix, neighbours: int, shrink: float, alpha: float) -> sp.csr_matrix:
    """Top-`neighbours` asymmetric-cosine similarities per target column, as a sparse item × item matrix.

    Works on blocks of target columns so the dense co-occurrence block stays within BLOCK_ENTRIES.
    """
    n_items = x.shape[1]
    x_csc = x.tocsc()
    squared_norms = np.asarray(x_csc.multiply(x_csc).sum(axis=0)).ravel().astype(np.float64)
    neighbour_norm = np.power(squared_norms, 1.0 - alpha)
    target_norm = np.power(squared_norms, alpha)
    keep = min(neighbours, max(n_items - 1, 0))
    block = max(1, BLOCK_ENTRIES // max(n_items, 1))
    rows, cols, values = [], [], []
    for start in range(0, n_items, block):
        targets = np.arange(start, min(start + block, n_items))
        co = (x_csc.T @ x_csc[:, targets]).toarray().astype(np.float64)
        sim = co / (neighbour_norm[:, None] * target_norm[None, targets] + shrink + 1e-12)
        sim[targets, np.arange(len(targets))] = 0.0  # an item is not its own neighbour
        if keep == 0:
            continue
        top = np.argpartition(-sim, keep - 1, axis=0)[:keep]
        top_values = np.take_along_axis(sim, top, axis=0)
        positive = top_values > 0
        rows.append(top[positive])
        cols.append(np.broadcast_to(targets[None, :], top.shape)[positive])
        values.append(top_values[positive])
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    similarity = sp.csr_matrix(
        (np.concatenate(values).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_items, n_items),
    )
    similarity.sort_indices()
    return similarity


# ---- ALS --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ALSConfig(Config):
    factors: int = 64
    regularization: float = 20.0
    alpha: float = 1.0  # confidence = 1 + alpha · weight
    iterations: int = 15
    cg_steps: int = 3  # conjugate-gradient steps per solve, warm-started (Takács et al. 2011)
    weight_power: float = 1.0  # 1: event weights scale the confidence, 0: binary
    fold_in_steps: int = 32  # upper bound on CG steps for users the model has not seen


class ALS(Recommender):
    """Implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008) in vectorised numpy.

    Minimises Σ c_ui (p_ui - u·v)² + λ(|U|² + |V|²) with p = 1 on consumed items and
    c_ui = 1 + alpha·w_ui. Each half-step solves every user (or item) at once by batched
    conjugate gradient, using YᵀY + Yᵀ(C_u - I)Y so that only consumed items cost anything.
    Unknown users are folded in by solving the same system with the item factors fixed.
    """

    name = "mf"
    config_class = ALSConfig

    @classmethod
    def search_space(cls) -> dict[str, list]:
        return {
            "factors": [64, 128],
            "regularization": [3.0, 10.0, 30.0, 100.0],
            "alpha": [0.5, 2.0, 10.0],
            "weight_power": [0.0, 1.0],
        }

    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        cfg = self.config
        by_user = _Confidence(cfg.alpha * transform_weights(history, cfg.weight_power))
        by_item = _Confidence(by_user.matrix.T.tocsr())
        rng = np.random.default_rng(cfg.seed)
        users = (rng.standard_normal((data.n_users, cfg.factors)) * 0.01).astype(np.float32)
        items = (rng.standard_normal((data.n_items, cfg.factors)) * 0.01).astype(np.float32)
        for _ in range(cfg.iterations):
            users = solve_factors(by_user, items, users, cfg.regularization, cfg.cg_steps)
            items = solve_factors(by_item, users, items, cfg.regularization, cfg.cg_steps)
        self.user_factors_, self.item_factors_ = users, items

    def _score(self, user_index: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        factors = self.user_factors_[np.maximum(user_index, 0)].copy()
        unknown = user_index < 0
        if unknown.any():
            factors[unknown] = self.fold_in(history[np.flatnonzero(unknown)])
        return factors @ self.item_factors_.T

    def fold_in(self, history: sp.csr_matrix) -> np.ndarray:
        """User factors for history rows, solving the training objective with item factors fixed.

        Runs in float64 from zero until converged (or `fold_in_steps`), so the answer is the
        least-squares optimum rather than a warm-started approximation.
        """
        cfg = self.config
        confidence = _Confidence(cfg.alpha * transform_weights(history, cfg.weight_power))
        start = np.zeros((history.shape[0], cfg.factors))
        items = self.item_factors_.astype(np.float64)
        solved = solve_factors(confidence, items, start, cfg.regularization, cfg.fold_in_steps, tolerance=1e-10)
        return solved.astype(np.float32)

    def similar_items(self, item_id: Any, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Nearest items by cosine in factor space (a one-item fold-in is too noisy to rank by)."""
        self._require_fitted()
        index = self.items.index(item_id)
        if index < 0:
            raise KeyError(f"unknown item {item_id!r}")
        vectors = self._unit_item_factors()
        similarity = vectors @ vectors[index]
        similarity[index] = -np.inf
        top, scores = top_k(similarity[None, :], k)
        return self.items.ids(top[0]), scores[0]

    def _explain(self, rows: tuple, item: int) -> Reason:
        """The consumed item closest to the recommended one in factor space (cosine)."""
        _, history, _ = rows
        if item < 0 or history.nnz == 0:
            return POPULAR
        vectors = self._unit_item_factors()
        source = _strongest_contributor(history, vectors[history.indices] @ vectors[item])
        return POPULAR if source is None else because_you_watched(self.items.id(source))

    def _unit_item_factors(self) -> np.ndarray:
        norms = np.linalg.norm(self.item_factors_, axis=1, keepdims=True)
        return self.item_factors_ / np.where(norms > 0, norms, 1.0)

    def _state(self) -> dict[str, np.ndarray]:
        return {"user_factors": self.user_factors_, "item_factors": self.item_factors_}

    def _set_state(self, state: dict[str, np.ndarray], extra: dict) -> None:
        self.user_factors_ = state["user_factors"]
        self.item_factors_ = state["item_factors"]


class _Confidence:
    """Rows of (c - 1) = alpha · w as CSR, plus the row of each stored entry (reused every step)."""

    def __init__(self, matrix: sp.csr_matrix) -> None:
        self.matrix = matrix.tocsr()
        self.matrix.sort_indices()
        self.rows = np.repeat(np.arange(matrix.shape[0]), np.diff(self.matrix.indptr))
        self.density = self.matrix.nnz / max(matrix.shape[0] * matrix.shape[1], 1)
        self._positions: np.ndarray | None = None

    def weighted_sum(self, values: np.ndarray, other: np.ndarray) -> np.ndarray:
        """Σ_j values_ij · other_j per row, for values laid out like the matrix's entries."""
        return sp.csr_matrix((values, self.matrix.indices, self.matrix.indptr), shape=self.matrix.shape) @ other

    def entry_dots(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """left_i · right_j for every stored entry (i, j).

        Dense blocks of left @ rightᵀ when the matrix is denser than ~1% (BLAS beats gathering
        nnz × factors values by about 100×), gathered rows otherwise.
        """
        indptr, indices = self.matrix.indptr, self.matrix.indices
        dots = np.empty(self.matrix.nnz, dtype=left.dtype)
        if self.density > 0.01:
            block = self._row_block()
            positions = self._positions_in_blocks()
            for start in range(0, self.matrix.shape[0], block):
                stop = min(start + block, self.matrix.shape[0])
                lo, hi = indptr[start], indptr[stop]
                dense = left[start:stop] @ right.T
                dots[lo:hi] = np.take(dense.ravel(), positions[lo:hi])
            return dots
        chunk = max(1, BLOCK_ENTRIES // max(left.shape[1], 1))
        for lo in range(0, self.matrix.nnz, chunk):
            hi = min(lo + chunk, self.matrix.nnz)
            dots[lo:hi] = np.einsum("ij,ij->i", left[self.rows[lo:hi]], right[indices[lo:hi]])
        return dots

    def _row_block(self) -> int:
        return max(1, BLOCK_ENTRIES // max(self.matrix.shape[1], 1))

    def _positions_in_blocks(self) -> np.ndarray:
        """Each entry's offset in its row block's dense product, computed once (np.take beats 2-D indexing)."""
        if self._positions is None:
            self._positions = (self.rows % self._row_block()) * self.matrix.shape[1] + self.matrix.indices
        return self._positions

    def apply(self, x: np.ndarray, other: np.ndarray, gram: np.ndarray) -> np.ndarray:
        """A x per row, with A_u = OᵀO + λI + Oᵀ (C_u - I) O and `gram` = OᵀO + λI."""
        return x @ gram + self.weighted_sum(self.entry_dots(x, other) * self.matrix.data, other)


def solve_factors(
    confidence: _Confidence,
    other: np.ndarray,
    start: np.ndarray,
    regularization: float,
    steps: int,
    tolerance: float = 1e-20,
) -> np.ndarray:
    """Batched conjugate gradient on A_u x_u = Oᵀ C_u p_u for every row u at once, from `start`."""
    dtype = other.dtype
    gram = other.T @ other + regularization * np.eye(other.shape[1], dtype=dtype)
    # Oᵀ C_u p_u with p = 1 on stored entries: Σ_j (1 + (c_uj - 1)) o_j.
    target = confidence.weighted_sum(1.0 + confidence.matrix.data.astype(dtype), other)
    x = start.astype(dtype, copy=True)
    residual = target - confidence.apply(x, other, gram)
    direction = residual.copy()
    old_norm = np.einsum("ij,ij->i", residual, residual)
    for _ in range(steps):
        active = old_norm > tolerance
        if not active.any():
            break
        product = confidence.apply(direction, other, gram)
        curvature = np.einsum("ij,ij->i", direction, product)
        step = np.where(active, old_norm / np.where(curvature > 0, curvature, 1.0), 0.0).astype(dtype)
        x += step[:, None] * direction
        residual -= step[:, None] * product
        new_norm = np.einsum("ij,ij->i", residual, residual)
        direction = residual + (new_norm / np.where(old_norm > 0, old_norm, 1.0))[:, None].astype(dtype) * direction
        old_norm = new_norm
    return x
