import subprocess
import sys

import numpy as np
import pytest

from recommendations.engine.base import Recommender
from recommendations.engine.data import Dataset, ItemFeatures, UserFeatures
from tests.engine.contract import (
    GROUP_TAGS,
    RecommenderContract,
    checkerboard,
    group_of_user,
    item_group,
)

torch = pytest.importorskip("torch")
from recommendations.engine.neural import Neural  # noqa: E402  (after the torch check)
from recommendations.engine.neural.encoding import chronological_events  # noqa: E402
from recommendations.engine.neural.training import Trainer  # noqa: E402

TINY = {"dim": 16, "layers": 1, "heads": 2, "max_len": 10, "epochs": 15, "batch_size": 16, "threads": 1}


def tiny(**overrides) -> Neural:
    return Neural(**{**TINY, **overrides})


class TestNeuralContract(RecommenderContract):
    def make_model(self):
        return tiny()


class TestSampledNegativesContract(RecommenderContract):
    def make_model(self):
        return tiny(negatives=8)


class TestBinaryLossContract(RecommenderContract):
    def make_model(self):
        return tiny(loss="bce", negatives=8, epochs=25)


@pytest.fixture(scope="module")
def data():
    return checkerboard()


@pytest.fixture(scope="module")
def model(data):
    return tiny().fit(data)


def test_two_fits_with_the_same_seed_give_identical_scores(model, data):
    again = tiny().fit(data)
    users = data.users.to_list()
    np.testing.assert_array_equal(again.score(users), model.score(users))
    assert again.training_log_ == model.training_log_


def test_another_seed_gives_other_scores(model, data):
    other = tiny(seed=1).fit(data)
    assert not np.array_equal(other.score(["u0"]), model.score(["u0"]))


def test_fitting_leaves_torch_global_state_alone(data):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    tiny(epochs=1, threads=threads + 1).fit(data)
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == deterministic
    assert torch.equal(torch.rand(3), expected)


def test_predict_proba_gives_probabilities_that_favour_the_users_group(model):
    users = ["u0", "u0", "u1", "u1"]
    items = ["i38", "i39", "i38", "i39"]  # i38 is group 0, i39 group 1
    probabilities = model.predict_proba(users, items, context=1_700_000_000)
    assert probabilities.shape == (4,)
    assert np.all((probabilities > 0) & (probabilities < 1))
    assert probabilities[0] > probabilities[1] and probabilities[3] > probabilities[2]


def test_predict_proba_takes_one_context_per_pair_and_rejects_unknown_items(model):
    moments = [1_700_000_000, 1_700_000_000 + 5 * 3600]  # another hour of the day
    one, other = model.predict_proba(["u0", "u0"], ["i2", "i2"], context=moments)
    assert one != other
    with pytest.raises(KeyError):
        model.predict_proba(["u0"], ["no-such-item"])


def with_user_features(data: Dataset) -> Dataset:
    """The checkerboard plus a categorical feature that names each user's group."""
    tastes = ["drama" if group_of_user(int(u[1:])) == 0 else "comedy" for u in data.users.to_list()]
    data.user_features = UserFeatures(numeric={"age": np.linspace(18, 70, data.n_users)}, categorical={"taste": tastes})
    return data


def test_user_features_steer_users_without_history():
    featured = tiny(epochs=30, feature_dropout=0.0).fit(with_user_features(checkerboard()))
    users = [f"u{u}" for u in range(10)]
    no_history = {user: [] for user in users}
    items, _ = featured.recommend(users, k=5, histories=no_history, exclude_seen=False)
    hits = [item_group(i) == group_of_user(int(u[1:])) for u, row in zip(users, items, strict=True) for i in row]
    assert np.mean(hits) >= 0.8


def test_user_features_are_optional(model):
    users = ["u0", "u1", "u2"]
    scores = model.score(users, histories={user: [] for user in users}, exclude_seen=False)
    np.testing.assert_allclose(scores[0], scores[1])  # nothing tells these users apart
    assert model.user_codes_.shape == (len(model.users), 0)


def test_a_new_item_with_tags_gets_a_sensible_score():
    data = checkerboard()
    data = Dataset.from_events(
        data.users.ids(data.user_idx).tolist(),
        data.items.ids(data.item_idx).tolist(),
        ratings=data.rating.tolist(),
        timestamps=data.timestamp.tolist(),
        all_items=[*data.items.to_list(), "new-drama"],
    )
    old = checkerboard().item_features
    data.item_features = ItemFeatures(
        tags=[*old.tags, [GROUP_TAGS[0]]], years=np.append(old.years, np.nan), texts=[*old.texts, ""]
    )
    model = tiny(epochs=30).fit(data)
    assert not model.warm_[data.items.index("new-drama")]
    column = data.items.index("new-drama")
    scores = model.score([f"u{u}" for u in range(20)])
    assert np.all(np.isfinite(scores[:, column]))
    drama_fans, comedy_fans = scores[0::2, column], scores[1::2, column]
    assert drama_fans.mean() > comedy_fans.mean()


def chain(n_users: int = 60, n_items: int = 30, run: int = 8, seed: int = 3) -> Dataset:
    """Users watch a run of consecutive items of a ring 0 → 1 → … → n-1 → 0, in that order."""
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n_items, n_users)
    users = np.repeat([f"u{u}" for u in range(n_users)], run)
    items = ((starts[:, None] + np.arange(run)[None, :]) % n_items).ravel()
    times = 1_600_000_000 + np.arange(n_users * run) * 60
    return Dataset.from_events(list(users), [f"i{i}" for i in items], timestamps=list(times))


def test_order_matters_the_next_item_in_the_chain_comes_first():
    data = chain()
    model = tiny(epochs=40, dropout=0.1, learning_rate=3e-3, max_len=8).fit(data)
    users = data.users.to_list()
    top, _ = model.recommend(users, k=1)
    last = np.array([int(data.items.id(data.item_idx[data.user_idx == u][-1])[1:]) for u in range(len(users))])
    assert np.mean([int(t[1:]) == (x + 1) % 30 for t, x in zip(top[:, 0], last, strict=True)]) >= 0.8
    # A new user's history has no times: the heaviest item counts as the latest.
    newcomer = {"new": [("i10", 1.0), ("i11", 2.0), ("i12", 3.0)]}
    assert model.recommend(["new"], k=1, histories=newcomer)[0][0][0] == "i13"


def test_explain_points_to_a_watched_item_of_the_same_group(model, data):
    items, _ = model.recommend(["u0"], k=3)
    watched = set(data.items.ids(data.seen()[data.users.index("u0")].indices))
    for item in items[0]:
        reason = model.explain("u0", item)
        assert reason.kind == "because_you_watched" and reason.item_id in watched
        assert item_group(reason.item_id) == item_group(item)


def test_saved_network_loads_without_pickle_and_predicts_the_same(model, tmp_path):
    model.save(tmp_path)
    weights = torch.load(tmp_path / "network.pt", weights_only=True)
    assert all(isinstance(value, torch.Tensor) for value in weights.values())
    loaded = Recommender.load(tmp_path)
    np.testing.assert_array_equal(
        loaded.predict_proba(["u0", "u3"], ["i2", "i5"], context=1_700_000_000),
        model.predict_proba(["u0", "u3"], ["i2", "i5"], context=1_700_000_000),
    )
    assert loaded.training_log_ == model.training_log_


def test_early_stopping_restores_the_best_epoch(data):
    model = tiny(epochs=30, patience=2, learning_rate=3e-2).fit(data)
    scores = [entry["ndcg_at_10"] for entry in model.training_log_]
    assert len(scores) < 30, "a learning rate this high should overfit and stop early"
    restored = Trainer(model, chronological_events(data))._validate()
    assert restored == pytest.approx(max(scores), abs=1e-5)
    assert restored > scores[-1]


def test_no_other_engine_module_imports_torch():
    code = (
        "import pkgutil, importlib, sys, recommendations.engine as engine\n"
        "for module in pkgutil.iter_modules(engine.__path__):\n"
        "    if module.name not in ('neural', '__main__'):\n"
        "        importlib.import_module('recommendations.engine.' + module.name)\n"
        "assert 'torch' not in sys.modules, 'torch imported outside the neural package'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_refit_learns_from_the_latest_events_that_early_stopping_held_out():
    """Every user ends on "finale", so it only ever sits among the held-out latest items."""
    rng = np.random.default_rng(5)
    users, items = [], []
    for user in range(40):
        start = rng.integers(0, 20)
        sequence = [f"i{(start + step) % 20}" for step in range(6)] + ["finale"]
        users += [f"u{user}"] * len(sequence)
        items += sequence
    data = Dataset.from_events(users, items, timestamps=list(1_600_000_000 + 60 * np.arange(len(users))))
    newcomer = {"new": [("i3", 1.0), ("i4", 1.0)]}

    def top(**overrides) -> str:
        model = tiny(epochs=20, learning_rate=3e-3, holdout=1, **overrides).fit(data)
        return model.recommend(["new"], k=1, histories=newcomer)[0][0][0]

    assert top(refit=False) != "finale"
    assert top(refit=True) == "finale"
