import json

import numpy as np

from recommendations.engine.base import Recommender
from recommendations.engine.data import Dataset
from recommendations.engine.hybrid import Hybrid
from recommendations.engine.ranker import BoostedTrees
from recommendations.engine.rerank import mmr_order
from tests.engine.contract import RecommenderContract, checkerboard

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


def _newcomer_data() -> Dataset:
    """The checkerboard plus a user with three events long before everyone else's."""
    base = checkerboard()
    data = Dataset.from_events(
        [*base.users.ids(base.user_idx), *["newcomer"] * 3],
        [*base.items.ids(base.item_idx), "i0", "i2", "i4"],
        ratings=[*base.rating, 5.0, 5.0, 5.0],
        timestamps=[*base.timestamp, 1_500_000_000, 1_500_000_010, 1_500_000_020],
        all_items=base.items.to_list(),
    )
    data.item_features = base.item_features
    return data


def test_short_history_features_drop_exactly_those_timed_at_the_users_own_events():
    # The short-history ranker learns from users served as of "now"; a real new user's first
    # events may be months old. Its features must follow what they watched, not when.
    model = Hybrid(**FAST).fit(_newcomer_data())
    user = np.array([model.users.index("newcomer")])
    history, context = model.history_[user], (model.context_, model.segments_)
    seen = model.seen_[user]
    _, long_ago = model._features(model.components_, context, user, history=history, seen=seen)
    model.context_.arrays["user_last"][user] = model.context_.arrays["latest"]  # as if they had just joined
    _, just_now = model._features(model.components_, context, user, history=history, seen=seen)
    differ = np.flatnonzero(np.any(~np.isclose(long_ago, just_now, equal_nan=True), axis=(0, 1)))
    assert set(differ) == set(model._user_time_columns())
    np.testing.assert_array_equal(model._without_user_time(long_ago), model._without_user_time(just_now))
    # Every other column is left as it was.
    kept = np.setdiff1d(np.arange(long_ago.shape[-1]), differ)
    np.testing.assert_array_equal(model._without_user_time(long_ago)[..., kept], long_ago[..., kept])


def test_a_model_saved_before_the_short_history_rule_keeps_reading_the_users_time(tmp_path):
    model = Hybrid(**FAST).fit(checkerboard())
    model.save(tmp_path / "new")
    assert Recommender.load(tmp_path / "new").cold_reads_user_time_ is False
    meta = json.loads((tmp_path / "new" / "model.json").read_text())
    del meta["extra"]["cold_reads_user_time"]  # what a version saved before the rule holds
    (tmp_path / "new" / "model.json").write_text(json.dumps(meta))
    assert Recommender.load(tmp_path / "new").cold_reads_user_time_ is True


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
