import numpy as np

from recommendations.engine.base import Recommender
from recommendations.engine.data import Dataset
from recommendations.engine.hybrid import Hybrid
from recommendations.engine.ranker import BoostedTrees
from recommendations.engine.rerank import mmr_order
from tests.engine.contract import RecommenderContract

FAST = {
    "components": ("ease", "itemknn", "content", "popularity"),
    "tune_components": False,
    "candidates": 30,
    "negatives_per_user": 10,
    "diversity": 0.1,
}


class TestHybridContract(RecommenderContract):
    def make_model(self):
        return Hybrid(**FAST)


def test_validation_views_are_built_in_batches_that_change_nothing(monkeypatch):
    from recommendations.engine.context import TimeContext
    from recommendations.engine.hybrid import views
    from recommendations.engine.registry import get_algorithm
    from recommendations.engine.segments import SegmentLift
    from tests.engine.contract import checkerboard

    data = checkerboard()
    hybrid = Hybrid(**FAST)
    models = {name: get_algorithm(name)().fit(data) for name in FAST["components"]}
    context = (TimeContext.from_data(data), SegmentLift.from_data(data))
    users = np.arange(data.n_users)
    relevant = data.matrix().tocsr()
    folds = users % 2
    short = views.first_events(data, data.users.to_list(), 3)
    served_as_new = {"history": short, "seen": (short > 0).astype(np.float32).tocsr(), "feature_users": users}
    unknown = np.full(len(users), -1)
    whole = [
        views.View.build(hybrid, models, context, users, relevant, folds),
        views.View.build(hybrid, models, context, unknown, relevant, folds, **served_as_new),
    ]
    monkeypatch.setattr(views, "FEATURE_BATCH_USERS", 7)
    batched = [
        views.View.build(hybrid, models, context, users, relevant, folds),
        views.View.build(hybrid, models, context, unknown, relevant, folds, **served_as_new),
    ]
    for one, other in zip(whole, batched, strict=True):
        np.testing.assert_array_equal(other.candidates, one.candidates)
        np.testing.assert_array_equal(other.rows, one.rows)
        np.testing.assert_array_equal(other.hits, one.hits)
    assert not np.array_equal(whole[0].rows, whole[1].rows)  # the two views differ: both paths are checked


def test_a_catalogue_too_large_for_dense_components_leaves_them_out(tmp_path):
    from tests.engine.contract import checkerboard, item_group

    data = checkerboard()  # 40 items
    model = Hybrid(**FAST, dense_item_limit=39).fit(data)
    assert "ease" not in model.components_ and "itemknn" in model.components_
    items, _ = model.recommend(["u0", "u1"], k=3)
    assert [item_group(i) for i in items[0]] == [0, 0, 0] and [item_group(i) for i in items[1]] == [1, 1, 1]
    model.save(tmp_path / "large")
    loaded = Recommender.load(tmp_path / "large")
    assert set(loaded.components_) == set(model.components_)
    np.testing.assert_array_equal(loaded.recommend(["u0", "u1"], k=3)[0], items)
    assert "ease" in Hybrid(**FAST, dense_item_limit=40).fit(data).components_


def test_exported_trees_predict_exactly_like_scikit_learn():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    features = rng.normal(size=(2000, 5))
    features[rng.random(features.shape) < 0.05] = np.nan  # missing values take the learned branch
    labels = (np.nan_to_num(features[:, 0]) + 0.5 * np.nan_to_num(features[:, 3]) > 0.3).astype(int)
    ours = BoostedTrees.fit(features, labels, seed=0, max_iter=30)
    reference = HistGradientBoostingClassifier(
        max_iter=30,
        learning_rate=0.05,
        max_leaf_nodes=31,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        random_state=0,
    ).fit(features, labels)
    np.testing.assert_allclose(ours.decision_function(features), reference.decision_function(features), rtol=1e-6)
    # The numpy fallback (used should scikit-learn's compiled layout change) scores the same.
    np.testing.assert_allclose(ours._walk_in_numpy(features), reference.decision_function(features), rtol=1e-6)
    assert ours._compiled() is not None, "scikit-learn's compiled tree layout has changed: update _compile"


def test_a_column_missing_in_every_row_is_ignored_not_fatal():
    """No item has a year, say: the trees learn from the other columns as if it were not there."""
    rng = np.random.default_rng(2)
    features = rng.normal(size=(2000, 3))
    labels = (features[:, 0] > 0.2).astype(int)
    with_empty = np.insert(features, 1, np.nan, axis=1)
    ours = BoostedTrees.fit(with_empty, labels, seed=0, max_iter=30)
    without = BoostedTrees.fit(features, labels, seed=0, max_iter=30)
    np.testing.assert_allclose(ours.decision_function(with_empty), without.decision_function(features), rtol=1e-9)
    served = with_empty.copy()
    served[:, 1] = 2024.0  # a value first seen when serving takes no branch of its own
    np.testing.assert_allclose(ours.decision_function(served), ours.decision_function(with_empty), rtol=1e-9)


def test_too_few_rows_of_a_class_still_give_a_ranker():
    """A site's first days: a handful of positives cannot hold out a stratified tenth to stop on."""
    rng = np.random.default_rng(3)
    features = rng.normal(size=(200, 2))
    labels = np.zeros(200, dtype=int)
    labels[np.argsort(-features[:, 0])[:6]] = 1  # the six largest first values
    few = BoostedTrees.fit(features, labels, seed=0, bags=2)
    scores = few.decision_function(features)
    assert scores[labels == 1].min() > np.median(scores[labels == 0])
    labels[np.argsort(-features[:, 0])[1:]] = 0  # a single positive, which cannot be split at all
    assert np.isfinite(BoostedTrees.fit(features, labels, seed=0).decision_function(features)).all()
    # One class only: nothing to learn, every row scores the same (and the model saves as arrays).
    none = BoostedTrees.fit(features, np.zeros(200, dtype=int), seed=0)
    assert np.unique(none.decision_function(features)).size == 1
    assert np.unique(none._walk_in_numpy(features)).size == 1


def test_a_tiny_data_set_gets_recommendations(tmp_path):
    data = Dataset.from_events(
        ["u1", "u1", "u2", "u2", "u1"], ["m1", "m2", "m1", "m3", "m1"], ratings=[4, 5, 3, 4, 4],
        timestamps=[1, 2, 3, 4, 5],
    )  # fmt: skip
    model = Hybrid(**FAST).fit(data)
    items, _ = model.recommend(["u1", "u2", "new"], k=3)
    assert items[0][0] == "m3" and items[1][0] == "m2"  # the one title each has not seen
    assert sorted(items[2]) == ["m1", "m2", "m3"]
    model.save(tmp_path / "tiny")
    again, _ = Recommender.load(tmp_path / "tiny").recommend(["u1", "u2", "new"], k=3)
    np.testing.assert_array_equal(again, items)


def test_bagged_trees_score_the_mean_of_their_members():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(3000, 4))
    labels = (features[:, 0] + rng.normal(scale=1.0, size=3000) > 0.5).astype(int)
    members = [BoostedTrees.fit(features, labels, seed=seed, max_iter=60) for seed in (3, 1003, 2003)]
    bagged = BoostedTrees.fit(features, labels, seed=3, max_iter=60, bags=3)
    expected = np.mean([m.decision_function(features) for m in members], axis=0)
    np.testing.assert_allclose(bagged.decision_function(features), expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(bagged._walk_in_numpy(features), expected, rtol=1e-9, atol=1e-9)
    # Each member stopped early on its own draw, so the members differ and the mean is not any one of them.
    assert not np.allclose(members[0].decision_function(features), expected)


def test_mmr_without_diversity_keeps_relevance_order():
    relevance = np.array([[0.1, 0.9, 0.5]])
    order = mmr_order(relevance, np.array([[0, 1, 2]]), np.eye(3, dtype=np.float32), 0.0)
    assert order.tolist() == [[1, 2, 0]]


def test_mmr_pushes_a_near_duplicate_down():
    # Items 0 and 1 are the same direction; 2 is different but a little less relevant.
    embeddings = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    relevance = np.array([[1.0, 0.95, 0.8]])
    order = mmr_order(relevance, np.array([[0, 1, 2]]), embeddings, 0.5)
    assert order.tolist() == [[0, 2, 1]]


def test_without_timestamps_the_inner_validation_holds_out_at_random(tmp_path):
    """Without timestamps "next" only means "later in the file", an order the ranker must not learn."""
    from dataclasses import replace

    from tests.engine.contract import checkerboard

    timed = checkerboard()
    untimed = replace(timed, timestamp=np.zeros_like(timed.timestamp))
    assert timed.has_time_order and not untimed.has_time_order
    assert Hybrid(**FAST).fit(timed).validation_protocol_ == "temporal"
    model = Hybrid(**FAST).fit(untimed)
    assert model.validation_protocol_ == "random"
    assert Hybrid(**FAST, validation_protocol="temporal").fit(untimed).validation_protocol_ == "temporal"
    model.save(tmp_path / "untimed")
    assert Recommender.load(tmp_path / "untimed").validation_protocol_ == "random"


def test_a_blend_within_noise_of_the_best_gives_way_to_the_more_personal_one():
    from recommendations.engine.hybrid.scoring import most_personal_within_noise

    rng = np.random.default_rng(0)
    best = rng.uniform(0.0, 0.3, 400)
    noisy_tie = best + rng.normal(-0.001, 0.05, 400)  # a hair worse on average, well within one standard error
    clearly_worse = best - 0.05
    assert most_personal_within_noise({0.0: clearly_worse, 0.5: best, 1.0: noisy_tie}) == 1.0


def test_a_blend_clearly_behind_the_best_is_not_chosen():
    from recommendations.engine.hybrid.scoring import most_personal_within_noise

    rng = np.random.default_rng(0)
    best = rng.uniform(0.0, 0.3, 400)
    behind = best - rng.uniform(0.01, 0.03, 400)  # every user a little worse: far outside the noise
    assert most_personal_within_noise({0.0: best - 0.1, 0.5: best, 1.0: behind}) == 0.5
    one_user = {0.5: np.array([0.2]), 1.0: np.array([0.19])}  # no noise to judge by: the plain best
    assert most_personal_within_noise(one_user) == 0.5
