"""The hybrid's learned rankers: the linear model, and the choice between it and the trees."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.engine.hybrid import Hybrid
from recommendations.engine.hybrid.views import View
from recommendations.engine.ranker import BoostedTrees, LinearRanker, ranker_from_arrays, ranker_kind


def linear_rows(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Column 0 decides the label (with noise); column 1 is pure noise."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 2))
    labels = (features[:, 0] + 0.3 * rng.normal(size=n) > 1.0).astype(np.int8)
    return features, labels


def test_the_linear_ranker_orders_rows_by_the_column_that_decides():
    features, labels = linear_rows()
    ranker = LinearRanker.fit(features, labels, seed=0)
    scores = ranker.decision_function(features)
    assert scores[labels == 1].mean() > scores[labels == 0].mean() + 2.0
    weights = ranker.arrays["linear_coef"]
    assert weights[0] > 10 * abs(weights[1])


def test_missing_and_infinite_values_score_as_the_column_mean():
    features, labels = linear_rows()
    ranker = LinearRanker.fit(features, labels, seed=0)
    at_mean = np.array([[features[:, 0].mean(), 0.5]])
    for missing in (np.nan, np.inf, -np.inf):
        row = np.array([[missing, 0.5]])
        assert ranker.decision_function(row)[0] == pytest.approx(ranker.decision_function(at_mean)[0])


def test_a_column_missing_in_every_row_does_not_break_the_fit():
    features, labels = linear_rows()
    features[:, 1] = np.nan
    scores = LinearRanker.fit(features, labels, seed=0).decision_function(features)
    assert np.isfinite(scores).all() and scores[labels == 1].mean() > scores[labels == 0].mean()


def test_one_class_only_gives_a_constant_score():
    features, _ = linear_rows(200)
    ranker = LinearRanker.fit(features, np.zeros(200, dtype=np.int8), seed=0)
    assert np.ptp(ranker.decision_function(features)) == 0.0


def test_saved_arrays_bring_back_the_same_kind_of_ranker_with_the_same_scores():
    features, labels = linear_rows()
    for ranker in (LinearRanker.fit(features, labels, seed=0), BoostedTrees.fit(features, labels, seed=0, max_iter=20)):
        again = ranker_from_arrays({key: np.array(value) for key, value in ranker.arrays.items()})
        assert type(again) is type(ranker)
        np.testing.assert_array_equal(again.decision_function(features), ranker.decision_function(features))


def validation_view(n_users: int, *, additive: bool, seed: int = 0, n_candidates: int = 40) -> View:
    """Validation users whose two relevant candidates follow either an additive signal spread over
    eleven columns (few users: a linear model learns it, trees chase noise) or an interaction of two
    columns (no linear model can express it)."""
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(n_users, n_candidates, 11))
    # The interaction: relevant is a column-0 value near zero, but only where column 1 is positive.
    interaction = np.where(rows[..., 1] > 0, -np.abs(rows[..., 0]), -5 + rows[..., 0])
    utility = rows.sum(axis=-1) if additive else interaction
    hits = np.zeros((n_users, n_candidates), dtype=bool)
    np.put_along_axis(hits, np.argsort(-utility, axis=1)[:, :2], True, axis=1)
    candidates = np.tile(np.arange(n_candidates), (n_users, 1))
    folds = np.arange(n_users) % 2
    return View(candidates, rows.astype(np.float32), hits, sp.csr_matrix(hits), folds, np.full(n_users, 2))


def test_validation_serves_the_linear_ranker_where_the_signal_is_additive_and_rows_are_few():
    hybrid = Hybrid(negatives_per_user=10, ranker_bags=1)
    ranker, out_of_fold = hybrid._cross_fit_ranker(validation_view(100, additive=True), ("trees", "linear"))
    assert ranker_kind(ranker) == "linear" and isinstance(ranker, LinearRanker)
    assert out_of_fold.shape == (100, 40)


def test_validation_serves_the_trees_where_the_signal_is_an_interaction():
    hybrid = Hybrid(negatives_per_user=10, ranker_bags=1)
    ranker, _ = hybrid._cross_fit_ranker(validation_view(400, additive=False), ("trees", "linear"))
    assert ranker_kind(ranker) == "trees" and isinstance(ranker, BoostedTrees)


def test_a_hybrid_with_a_linear_ranker_recommends_and_round_trips(tmp_path):
    from recommendations.engine.base import Recommender
    from tests.engine.contract import checkerboard, item_group
    from tests.engine.test_hybrid import FAST

    data = checkerboard()
    model = Hybrid(**FAST, ranker_kinds=("linear",), cold_ranker_kinds=("linear",)).fit(data)
    assert model.ranker_kinds_ == ["linear", "linear"]
    items, scores = model.recommend(["u0", "u1"], k=3)
    assert [item_group(i) for i in items[0]] == [0, 0, 0] and [item_group(i) for i in items[1]] == [1, 1, 1]
    model.save(tmp_path / "linear")
    loaded = Recommender.load(tmp_path / "linear")
    assert isinstance(loaded.ranker_, LinearRanker) and loaded.ranker_kinds_ == ["linear", "linear"]
    again_items, again_scores = loaded.recommend(["u0", "u1"], k=3)
    np.testing.assert_array_equal(again_items, items)
    np.testing.assert_array_equal(again_scores, scores)


def test_an_unknown_ranker_kind_is_refused():
    with pytest.raises(ValueError, match="ranker_kinds"):
        Hybrid(ranker_kinds=("forest",))
    with pytest.raises(ValueError, match="ranker_kinds"):
        Hybrid(cold_ranker_kinds=())
