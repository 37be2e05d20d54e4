"""A gradient-boosted ranker whose learned trees are plain numpy arrays (saved to npz, no pickle).

scikit-learn's HistGradientBoostingClassifier does the learning; its trees are then copied into
flat arrays, so a saved hybrid model holds data only, never code. Scoring rebuilds scikit-learn's
compiled tree records from those arrays (tens of times faster than walking the trees in numpy, and
scoring every candidate of every user is most of the hybrid's serving cost); the numpy walk stays
as the fallback should a scikit-learn release change that internal layout.
"""

from __future__ import annotations

import numpy as np

MIN_CLASS_ROWS_TO_STOP_EARLY = 50
SHORT_RUN_TREES = 50
_NODE_FIELDS = ("value", "feature_idx", "num_threshold", "missing_go_to_left", "left", "right", "is_leaf")


class BoostedTrees:
    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays

    @classmethod
    def fit(
        cls,
        features: np.ndarray,
        labels: np.ndarray,
        *,
        seed: int,
        max_iter: int = 300,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 40,
        bags: int = 1,
    ) -> BoostedTrees:
        """Boosted trees on (features, labels); with `bags` > 1, the average of that many models,
        each stopped early on its own random tenth of the rows.

        Where to stop is judged on a small held-out tenth, so one model's length (and its scores)
        moves with that draw; averaging several smooths it out. An average of additive tree models
        is itself one: its trees are all of theirs with leaf values divided by `bags`.
        """
        from sklearn.ensemble import HistGradientBoostingClassifier

        rarer_class = min(int(np.sum(labels == 1)), int(np.sum(labels == 0)))
        if rarer_class == 0:  # nothing to tell apart (a tiny data set): a constant score
            return cls(_constant())
        # Stopping early holds out a stratified tenth, which needs a few rows of each class;
        # with fewer (a site's first days) a short fixed run of trees overfits less than a long one.
        early_stopping = rarer_class >= MIN_CLASS_ROWS_TO_STOP_EARLY
        features = _fill_empty_columns(features)
        exported = []
        for bag in range(bags):
            model = HistGradientBoostingClassifier(
                max_iter=max_iter if early_stopping else min(max_iter, SHORT_RUN_TREES),
                learning_rate=learning_rate,
                max_leaf_nodes=max_leaf_nodes,
                min_samples_leaf=min(min_samples_leaf, max(1, len(labels) // 10)),
                l2_regularization=1.0,
                early_stopping=early_stopping,
                validation_fraction=0.1,
                n_iter_no_change=20,
                random_state=seed + 1000 * bag,
            )
            model.fit(features, labels)
            exported.append(_export(model))
        return cls(_average(exported))

    def decision_function(self, features: np.ndarray) -> np.ndarray:
        """Raw boosted score (log-odds) per row: baseline plus each tree's leaf value."""
        features = np.ascontiguousarray(features, dtype=np.float64)
        compiled = self._compiled()
        if compiled is None:
            return self._walk_in_numpy(features)
        predict, trees = compiled
        no_bitsets = np.zeros((0, 8), dtype=np.uint32)
        feature_map = np.zeros(features.shape[1], dtype=np.uint32)
        total = np.full(len(features), float(self.arrays["baseline"]), dtype=np.float64)
        out = np.empty(len(features), dtype=np.float64)
        for nodes in trees:
            predict(nodes, features, no_bitsets, no_bitsets, feature_map, 1, out)
            total += out
        return total

    def _compiled(self):
        """(scikit-learn's compiled predict function, one node-record array per tree), or None."""
        if not hasattr(self, "_compiled_trees"):
            self._compiled_trees = _compile(self.arrays)
        return self._compiled_trees

    def _walk_in_numpy(self, features: np.ndarray) -> np.ndarray:
        a = self.arrays
        features = np.asarray(features, dtype=np.float64)
        total = np.full(len(features), float(a["baseline"]), dtype=np.float64)
        rows = np.arange(len(features))
        for start in a["tree_starts"]:
            node = np.full(len(features), start, dtype=np.int64)
            for _ in range(int(a["max_depth"]) + 1):
                inner = a["is_leaf"][node] == 0
                if not inner.any():
                    break
                value = features[rows, a["feature_idx"][node]]
                go_left = np.where(
                    np.isnan(value), a["missing_go_to_left"][node] == 1, value <= a["num_threshold"][node]
                )
                child = np.where(go_left, a["left"][node], a["right"][node]) + start
                node = np.where(inner, child, node)
            total += a["value"][node]
        return total


def _constant() -> dict[str, np.ndarray]:
    """No trees: every row scores the same."""
    arrays = {name: np.zeros(0, dtype=np.int64) for name in _NODE_FIELDS}
    arrays |= {"value": np.zeros(0), "num_threshold": np.zeros(0)}
    arrays |= {"tree_starts": np.zeros(0, dtype=np.int64), "baseline": np.asarray(0.0), "max_depth": np.asarray(0)}
    return arrays


def _fill_empty_columns(features: np.ndarray) -> np.ndarray:
    """A column that is missing in every row (no item has a year, say) made constant.

    scikit-learn 1.9's binning fails on a column without a single value; a constant column is
    never split on, so the trees and their scores are what they would be without it, and a value
    seen only when serving takes no branch of its own.
    """
    empty = np.isnan(features).all(axis=0)
    if not empty.any():
        return features
    features = features.copy()
    features[:, empty] = 0.0
    return features


def _compile(arrays: dict[str, np.ndarray]):
    try:
        from sklearn.ensemble._hist_gradient_boosting._predictor import _predict_from_raw_data
        from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
    except ImportError:
        return None
    nodes = np.zeros(len(arrays["value"]), dtype=PREDICTOR_RECORD_DTYPE)
    try:
        for name in _NODE_FIELDS:
            nodes[name] = arrays[name]
    except (ValueError, KeyError):  # a field renamed in some scikit-learn release
        return None
    bounds = [*arrays["tree_starts"].tolist(), len(nodes)]
    # Child indices are relative to each tree's first node, as scikit-learn's own records are.
    trees = [nodes[start:end] for start, end in zip(bounds[:-1], bounds[1:], strict=True)]
    return _predict_from_raw_data, trees


def _average(models: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if len(models) == 1:
        return models[0]
    arrays = {name: np.concatenate([m[name] for m in models]) for name in _NODE_FIELDS}
    arrays["value"] = arrays["value"] / len(models)
    offsets = np.cumsum([0] + [len(m["value"]) for m in models[:-1]])
    arrays["tree_starts"] = np.concatenate([m["tree_starts"] + o for m, o in zip(models, offsets, strict=True)])
    arrays["baseline"] = np.asarray(np.mean([float(m["baseline"]) for m in models]))
    arrays["max_depth"] = np.asarray(max(int(m["max_depth"]) for m in models))
    return arrays


def _export(model) -> dict[str, np.ndarray]:
    """Flatten the fitted trees; child indices stay relative to each tree's first node."""
    trees = [predictors[0].nodes for predictors in model._predictors]
    starts = np.cumsum([0] + [len(nodes) for nodes in trees[:-1]]).astype(np.int64)
    nodes = np.concatenate(trees) if trees else np.zeros(0, dtype=model._predictors[0][0].nodes.dtype)
    arrays = {name: np.ascontiguousarray(nodes[name]) for name in _NODE_FIELDS}
    arrays["feature_idx"] = arrays["feature_idx"].astype(np.int64)
    arrays["left"] = arrays["left"].astype(np.int64)
    arrays["right"] = arrays["right"].astype(np.int64)
    arrays["tree_starts"] = starts
    arrays["baseline"] = np.asarray(float(np.ravel(model._baseline_prediction)[0]))
    arrays["max_depth"] = np.asarray(max((int(t["depth"].max()) for t in trees), default=0))
    return arrays


class LinearRanker:
    """A logistic regression on standardised features, saved as arrays like the trees.

    Where the ranker has a few hundred positive rows (a sparse data set), boosted trees learn
    noise and rank below their own best feature; a linear model has a few dozen weights to learn
    and does not. Asked to (`ranker_kinds`), the hybrid fits both and serves whichever ranks its
    held-out users better.
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, *, seed: int, strength: float = 1.0) -> LinearRanker:
        from sklearn.linear_model import LogisticRegression

        features = np.asarray(features, dtype=np.float64)
        arrays = _column_moments(features)
        if len(np.unique(labels)) < 2:  # nothing to tell apart: a constant score
            return cls(arrays | {"linear_coef": np.zeros(features.shape[1]), "linear_intercept": np.asarray(0.0)})
        model = LogisticRegression(C=strength, max_iter=1000, random_state=seed)
        model.fit(_standardised(features, arrays), labels)
        return cls(arrays | {"linear_coef": model.coef_[0], "linear_intercept": np.asarray(model.intercept_[0])})

    def decision_function(self, features: np.ndarray) -> np.ndarray:
        a = self.arrays
        return _standardised(features, a) @ a["linear_coef"] + float(a["linear_intercept"])


def _column_moments(features: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and spread of each column over its finite values (0 and 1 for a column without any)."""
    finite = np.isfinite(features)
    count = np.maximum(finite.sum(axis=0), 1)
    values = np.where(finite, features, 0.0)
    mean = values.sum(axis=0) / count
    spread = np.sqrt((np.where(finite, features - mean, 0.0) ** 2).sum(axis=0) / count)
    return {"linear_mean": mean, "linear_scale": np.where(spread > 0, spread, 1.0)}


def _standardised(features: np.ndarray, arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Features centred and scaled as in training; a missing value sits at the mean (zero)."""
    features = np.asarray(features, dtype=np.float64)
    values = (features - arrays["linear_mean"]) / arrays["linear_scale"]
    return np.where(np.isfinite(values), values, 0.0)


def ranker_kind(ranker: BoostedTrees | LinearRanker) -> str:
    """The name a hybrid's `ranker_kinds` setting gives this ranker's kind."""
    return "linear" if isinstance(ranker, LinearRanker) else "trees"


def ranker_from_arrays(arrays: dict[str, np.ndarray]) -> BoostedTrees | LinearRanker:
    """The saved ranker, whichever kind it is."""
    return LinearRanker(arrays) if "linear_coef" in arrays else BoostedTrees(arrays)
