"""The benchmark: tuning on validation only, peers, the table; plus the implicit peers' contract."""

import json
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.engine import evaluate, registry
from recommendations.engine.base import Config, Recommender
from recommendations.engine.evaluate import Row, candidate_configs, evaluate_algorithms, format_table, plan
from recommendations.engine.peers import ImplicitALS, ImplicitBPR, implicit_available
from recommendations.engine.splits import random_split, temporal_split, validation_split
from tests.engine.contract import RecommenderContract, checkerboard, group_of_item

needs_implicit = pytest.mark.skipif(not implicit_available(), reason="implicit is not installed")


@dataclass(frozen=True)
class GroupConfig(Config):
    own_group: bool = False  # the default is the bad setting: tuning has to find the good one


class GroupModel(Recommender):
    """Knows the checkerboard: scores the user's own group (own_group) or the other group."""

    name = "group-test"
    config_class = GroupConfig
    fitted_on: list = []  # every Dataset any instance was fitted on, to check what tuning saw

    @classmethod
    def search_space(cls):
        return {"own_group": [False, True]}

    def _fit(self, data, history):
        GroupModel.fitted_on.append(data)
        self.item_group_ = np.array([group_of_item(int(i[1:])) for i in data.items.to_list()])

    def _score(self, user_index, history):
        counts = (history @ sp.csr_matrix(np.eye(2)[self.item_group_])).toarray()
        group = counts.argmax(axis=1) if self.config.own_group else 1 - counts.argmax(axis=1)
        return (self.item_group_[None, :] == group[:, None]).astype(np.float32)


@dataclass(frozen=True)
class FixedGroupConfig(Config):
    own_group: bool = True


class FixedGroupModel(GroupModel):
    """The good setting and nothing to tune."""

    name = "fixed-test"
    config_class = FixedGroupConfig

    @classmethod
    def search_space(cls):
        return {}


class BrokenModel(GroupModel):
    name = "broken-test"

    def _fit(self, data, history):
        raise ValueError("cannot fit")


@pytest.fixture
def test_algorithms(monkeypatch):
    monkeypatch.setitem(registry._ALGORITHMS, "group-test", (__name__, "GroupModel"))
    monkeypatch.setitem(registry._ALGORITHMS, "broken-test", (__name__, "BrokenModel"))
    monkeypatch.setitem(registry._ALGORITHMS, "fixed-test", (__name__, "FixedGroupModel"))
    GroupModel.fitted_on = []


@pytest.fixture(scope="module")
def data():
    return checkerboard(density=0.8)


def test_candidate_configs_start_with_the_defaults_then_the_grid():
    space = {"b": [1, 2], "a": ["x", "y", "z"]}
    configs = candidate_configs(space, None, seed=0)
    assert configs[0] == {} and len(configs) == 7
    assert {"a": "z", "b": 2} in configs


def test_candidate_configs_sample_a_seeded_subset():
    space = {"a": list(range(10)), "b": list(range(10))}
    configs = candidate_configs(space, 5, seed=3)
    assert len(configs) == 5 and configs[0] == {}
    assert configs == candidate_configs(space, 5, seed=3)
    assert configs != candidate_configs(space, 5, seed=4)


def test_tuning_finds_the_better_config_on_validation(test_algorithms, data):
    rows = evaluate_algorithms(data, ["group-test", "popularity"], peers=False, log=lambda _: None)
    group, popularity = rows
    assert group.params == {"own_group": True}
    assert group.configs_tried == 2
    assert group.metrics["all"]["ndcg@10"] > popularity.metrics["all"]["ndcg@10"]
    assert group.metrics["all"]["hit_rate@10"] == 1.0
    assert group.fit_seconds >= 0 and group.recommend_seconds > 0


def test_a_spent_tuning_budget_stops_the_search_after_the_defaults(test_algorithms, data):
    messages = []
    (row,) = evaluate_algorithms(data, ["group-test"], peers=False, tune_budget_seconds=0, log=messages.append)
    assert row.configs_tried == 1 and row.params == {"own_group": False}
    assert any("tuning budget" in m for m in messages)


def test_an_algorithm_with_nothing_to_tune_is_fitted_once(test_algorithms, data):
    split = temporal_split(data, seed=42)
    messages = []
    (row,) = evaluate_algorithms(data, ["fixed-test"], peers=False, split=split, log=messages.append)
    assert GroupModel.fitted_on == [split.train]  # no validation fit whose choice would be empty
    assert row.configs_tried == 0 and row.params == {}
    assert row.metrics["all"]["hit_rate@10"] == 1.0
    assert any("fixed-test: nDCG@10" in m and "no search space" in m for m in messages)


def test_tuning_never_sees_a_test_event(test_algorithms, data):
    split = temporal_split(data, seed=42)
    evaluate_algorithms(data, ["group-test"], peers=False, split=split, log=lambda _: None)
    test_pairs = {(u, i) for u, items in split.test_items.items() for i in items}
    *tuning_fits, final_fit = GroupModel.fitted_on
    assert len(tuning_fits) == 2
    assert final_fit is split.train
    for fitted in tuning_fits:
        pairs = set(zip(fitted.users.ids(fitted.user_idx), fitted.items.ids(fitted.item_idx), strict=True))
        assert not pairs & test_pairs
        assert fitted.n_events < split.train.n_events


def test_metrics_are_reported_for_warm_and_new_users(test_algorithms, data):
    (row,) = evaluate_algorithms(data, ["popularity"], peers=False, log=lambda _: None)
    assert row.metrics["new"]["users"] == 6 and row.metrics["warm"]["users"] == 54
    assert set(row.metrics["all"]) >= {"ndcg@10", "recall@20", "precision@10", "map@10", "hit_rate@10"}
    assert set(row.metrics["all"]) >= {"coverage@10", "popularity@10"}


def test_a_failing_algorithm_becomes_a_row_with_its_error(test_algorithms, data):
    messages = []
    rows = evaluate_algorithms(data, ["broken-test", "popularity"], peers=False, log=messages.append)
    assert rows[0].error == "RuntimeError: every configuration failed to fit"
    assert rows[1].error is None
    assert "broken-test" in format_table(rows)


def test_peers_come_last_and_missing_ones_are_skipped_with_a_reason(monkeypatch):
    monkeypatch.setattr(evaluate, "implicit_available", lambda: False)
    monkeypatch.delitem(registry._ALGORITHMS, "ease", raising=False)
    messages = []
    names = plan(["trending"], log=messages.append)
    assert names == ["trending", "popularity"]
    assert any("implicit-als" in m and "not installed" in m for m in messages)
    assert any(m.startswith("skipped peer ease") for m in messages)


def test_every_registered_algorithm_runs_by_default_once():
    names = plan(None, log=lambda _: None)
    assert set(registry.algorithm_names()) <= set(names) and len(names) == len(set(names))


def test_unknown_algorithm_is_refused():
    with pytest.raises(KeyError, match="unknown algorithm nope"):
        plan(["nope"])


def test_format_table_marks_peers_and_aligns_columns():
    metrics = {g: {"ndcg@10": 0.123456, "recall@20": 0.5} for g in ("all", "warm", "new")}
    rows = [
        Row("mine", peer=False, params={"l2": 10.0}, metrics=metrics, fit_seconds=1.5, recommend_seconds=0.25),
        Row("ease", peer=True, metrics=metrics),
    ]
    lines = format_table(rows).splitlines()
    assert lines[0].split()[:3] == ["algorithm", "peer", "nDCG@10"]
    assert "0.1235" in lines[2] and "l2=10" in lines[2] and "1.50" in lines[2]
    assert lines[3].split()[1] == "peer" and lines[2].split()[1] != "peer"
    assert lines[2].index("0.1235") == lines[3].index("0.1235")
    assert " - " in lines[2]  # P@10 was not computed: shown as "-"


def test_results_document_is_plain_json(data):
    split = temporal_split(data)
    row = Row("x", peer=False, metrics={"new": {"ndcg@10": float("nan")}}, params={"a": np.float32(0.5)})
    document = evaluate.results_document([row], split, k=10, seed=1, protocol="temporal", source="here")
    text = json.dumps(document, allow_nan=False)
    assert json.loads(text)["rows"][0]["metrics"]["new"]["ndcg@10"] is None
    assert document["split"]["test_users"] == len(split.test)


@pytest.mark.slow
@pytest.mark.realdata
def test_popularity_on_ml100k(ml100k):
    from recommendations.engine.datasets import load

    data = load(ml100k)
    (row,) = evaluate_algorithms(data, ["popularity"], peers=False, max_configs=3, log=lambda _: None)
    assert row.error is None
    assert 0.05 < row.metrics["all"]["ndcg@10"] < 0.2  # published popularity numbers on ML-100K
    assert row.metrics["new"]["users"] > 50
    assert row.metrics["all"]["coverage@10"] < 0.2  # everyone gets nearly the same list


# ---- the implicit peers ---------------------------------------------------------------------


@needs_implicit
class TestImplicitALSContract(RecommenderContract):
    def make_model(self):
        return ImplicitALS(factors=8, iterations=10, alpha=5.0)


@needs_implicit
class TestImplicitBPRContract(RecommenderContract):
    def make_model(self):
        return ImplicitBPR(factors=8, iterations=200, learning_rate=0.05)


@needs_implicit
def test_als_fold_in_matches_implicits_own_user_step():
    from implicit.cpu.als import AlternatingLeastSquares

    data = checkerboard()
    model = ImplicitALS(factors=6, iterations=5, alpha=3.0, regularization=0.2).fit(data)
    reference = AlternatingLeastSquares(factors=6, alpha=3.0, regularization=0.2)
    reference.item_factors = model.item_factors_
    rows = model.history_[[0, 1, 2]]
    expected = reference.recalculate_user([0, 1, 2], rows)
    np.testing.assert_allclose(model._fold_in(rows), expected, rtol=1e-3, atol=1e-4)


@needs_implicit
def test_bpr_is_reproducible_with_a_seed():
    data = checkerboard()
    first = ImplicitBPR(factors=4, iterations=20, seed=3).fit(data).score(["u0", "u1"])
    second = ImplicitBPR(factors=4, iterations=20, seed=3).fit(data).score(["u0", "u1"])
    np.testing.assert_array_equal(first, second)


def test_a_tuning_budget_reaches_an_algorithm_that_tunes_inside_its_fit():
    """The hybrid has no search space of its own: a budget has to become part of its
    configuration, and with none left its components keep their defaults."""
    from recommendations.engine.hybrid import Hybrid

    data = checkerboard()
    options = {"peers": False, "max_configs": 2, "log": lambda message: None}
    unlimited = evaluate_algorithms(data, ["hybrid"], **options)[0]
    spent = evaluate_algorithms(data, ["hybrid"], tune_budget_seconds=0, **options)[0]
    assert unlimited.error is None and spent.error is None
    assert unlimited.params == {} and spent.params == {"tune_budget_seconds": 0}
    model = Hybrid(**spent.params).fit(data)
    for name, params in model.params_.items():
        algorithm = registry.get_algorithm(name)
        assert params == evaluate._chosen(algorithm, {}), name  # the defaults: nothing else was tried


def test_a_random_split_is_tuned_on_a_random_validation_split():
    """Peers and ours are tuned on held-out events picked as the test's were, and the hybrid,
    which cuts its own validation splits inside its fit, is told how."""
    data = checkerboard()
    split = random_split(data, seed=3)
    options = {"peers": False, "max_configs": 2, "split": split, "log": lambda message: None}
    hybrid, popularity = evaluate_algorithms(data, ["hybrid", "popularity"], **options)
    assert hybrid.error is None and hybrid.params == {"validation_protocol": "random"}
    for protocol, expected in (("random", True), ("temporal", False)):
        validation = validation_split(split.train, seed=42, protocol=protocol)
        algorithm = registry.get_algorithm("popularity")
        _, ndcg, _ = evaluate.tune_on_validation(algorithm, validation, max_configs=2, seed=42)
        assert (ndcg == popularity.validation_ndcg) is expected, protocol
    temporal = evaluate_algorithms(data, ["hybrid"], peers=False, max_configs=2, log=lambda message: None)[0]
    assert temporal.params == {}  # the default protocol is not recorded
