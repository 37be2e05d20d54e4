import numpy as np
import pytest

from recommendations.engine.base import Recommender
from recommendations.engine.content import Content, decade_block, item_vectors
from recommendations.engine.data import Dataset, ItemFeatures
from tests.engine.contract import RecommenderContract, checkerboard


class TestContentContract(RecommenderContract):
    def make_model(self):
        return Content()


class TestContentWithTextContract(RecommenderContract):
    def make_model(self):
        return Content(text_weight=0.3, year_weight=0.0, keyword_weight=0.0)


HORROR, COMEDY = "genre:Horror", "genre:Comedy"


def horror_fan_catalogue() -> Dataset:
    """Everyone watches comedies; 'fan' also watches horror. 'fresh' is a horror film nobody has touched."""
    users = ["fan", "fan", "fan", "a", "a", "b", "b", "c"]
    items = ["h1", "h2", "c1", "c1", "c2", "c1", "c2", "c2"]
    data = Dataset.from_events(users, items, all_items=["h1", "h2", "c1", "c2", "c3", "fresh"])
    data.item_features = ItemFeatures(
        tags=[
            [HORROR, "keyword:gore"],
            [HORROR, "mood:Dark"],
            [COMEDY],
            [COMEDY, "keyword:slapstick"],
            [COMEDY],
            [HORROR, "mood:Dark", "keyword:slasher"],
        ],
        years=np.array([1980.0, 1985.0, 1990.0, 1995.0, 2000.0, 2024.0]),
        texts=["", "", "", "", "", ""],
    )
    return data


def test_recommends_an_item_nobody_has_interacted_with():
    model = Content().fit(horror_fan_catalogue())
    items, _ = model.recommend(["fan"], k=1)
    assert items[0][0] == "fresh"
    # A comedy watcher is steered to the comedy nobody has rated yet, not the horror film.
    assert model.recommend(["a"], k=1)[0][0][0] == "c3"


def test_explains_a_new_item_with_the_shared_tags():
    model = Content().fit(horror_fan_catalogue())
    reason = model.explain("fan", "fresh")
    assert reason.kind == "similar_tags"
    assert reason.tags[0] == "Horror" and set(reason.tags) <= {"Horror", "Dark"}
    assert reason.text == f"Tagged {' and '.join(reason.tags)}, like titles you watched"


def test_explains_with_a_watched_title_when_no_tag_is_shared():
    data = horror_fan_catalogue()
    data.item_features.tags[5] = []  # "fresh" now matches only by decade: the 1980s, like h2
    data.item_features.years[:] = [1972.0, 1985.0, 1990.0, 1995.0, 2000.0, 1986.0]
    model = Content(year_weight=1.0).fit(data)
    reason = model.explain("fan", "fresh")
    assert reason.kind == "because_you_watched" and reason.item_id == "h2"  # 1985: closest decade


def test_new_user_profile_from_given_history():
    model = Content().fit(horror_fan_catalogue())
    items, _ = model.recommend(["visitor"], k=1, histories={"visitor": [("h1", 4.0)]})
    assert items[0][0] in {"h2", "fresh"}


def test_negative_evidence_pushes_the_profile_away():
    data = horror_fan_catalogue()
    users = list(data.users.ids(data.user_idx)) + ["d", "d"]
    items = list(data.items.ids(data.item_idx)) + ["c1", "h1"]
    weights = list(data.weight) + [1.0, -3.0]  # d watched a comedy, said "not interested" to horror
    mixed = Dataset.from_events(users, items, weights=weights, all_items=data.items.to_list())
    mixed.item_features = data.item_features
    scores = Content().fit(mixed).score(["d"])[0]
    horror = scores[mixed.items.index("fresh")]
    assert horror < 0 < scores[mixed.items.index("c3")]
    without_negatives = Content(negative_weight=0.0).fit(mixed).score(["d"])[0]
    assert without_negatives[mixed.items.index("fresh")] >= 0


def test_facet_weights_make_genres_count_more_than_keywords():
    features = ItemFeatures(
        tags=[["genre:Drama", "keyword:x"], ["genre:Drama"], ["keyword:x"]],
        years=np.full(3, np.nan),
        texts=["", "", ""],
    )
    genre_heavy, _ = item_vectors(features, Content.config_class(keyword_weight=0.1, year_weight=0.0))
    keyword_heavy, _ = item_vectors(features, Content.config_class(keyword_weight=3.0, year_weight=0.0))
    cosine = lambda v, a, b: float((v[a] @ v[b].T).toarray()[0, 0])  # noqa: E731
    assert cosine(genre_heavy, 0, 1) > cosine(genre_heavy, 0, 2)
    assert cosine(keyword_heavy, 0, 2) > cosine(keyword_heavy, 0, 1)


def test_item_vectors_are_unit_length_and_tags_case_insensitive():
    features = ItemFeatures(
        tags=[["genre:Drama"], ["Genre:drama", "keyword:Space"], []],
        years=np.array([1999.0, np.nan, np.nan]),
        texts=["", "", ""],
    )
    vectors, names = item_vectors(features, Content.config_class())
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, [1.0, 1.0, 0.0], atol=1e-6)
    assert sorted(names) == ["Drama", "Space"]  # one Drama column, named as first written


def test_neighbouring_decades_are_similar():
    block = decade_block(np.array([1985.0, 1991.0, 2015.0])).toarray()
    assert block[0] @ block[1] > 0 and block[0] @ block[2] == 0


def test_without_item_features_falls_back_to_popularity():
    data = checkerboard()
    data.item_features = None
    model = Content().fit(data)
    items, _ = model.recommend(["u0", "someone-new"], k=3)
    recommended = model.popularity_[data.items.indices(items[1])]
    np.testing.assert_array_equal(recommended, np.sort(model.popularity_)[::-1][:3])
    assert model.explain("u0", items[0][0]).kind == "popular"


def test_similar_items_by_tag_cosine():
    model = Content(year_weight=0.0).fit(horror_fan_catalogue())
    items, scores = model.similar_items("h2", k=2)
    assert list(items) == ["fresh", "h1"] and scores[0] > scores[1] > 0


def test_round_trip_keeps_tag_names_and_facet_weights(tmp_path):
    model = Content(keyword_weight=0.7).fit(horror_fan_catalogue())
    loaded = Recommender.load(model.save(tmp_path / "content"))
    assert loaded.explain("fan", "fresh") == model.explain("fan", "fresh")
    assert dict(loaded.config.facet_weights) == dict(model.config.facet_weights)


@pytest.mark.parametrize("field", ["facet_weights", "keyword_weight", "text_weight", "year_weight"])
def test_search_space_names_real_fields(field):
    assert field in Content.search_space()
    Content(**{field: Content.search_space()[field][0]})
