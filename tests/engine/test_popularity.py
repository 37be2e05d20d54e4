import numpy as np

from recommendations.engine.data import Dataset
from recommendations.engine.popularity import NewReleases, Popularity, Trending
from tests.engine.contract import RecommenderContract

DAY = 86_400


class TestPopularityContract(RecommenderContract):
    personalized = False

    def make_model(self):
        return Popularity()


class TestTrendingContract(RecommenderContract):
    personalized = False

    def make_model(self):
        return Trending()


class TestNewReleasesContract(RecommenderContract):
    personalized = False

    def make_model(self):
        return NewReleases()


def test_popularity_counts_people_not_repeat_events():
    data = Dataset.from_events(["a", "a", "a", "b", "c"], ["x", "x", "x", "y", "y"])
    items, _ = Popularity().fit(data).recommend(["new"], k=2)
    assert list(items[0]) == ["y", "x"]


def test_trending_prefers_recent_activity_over_old_popularity():
    now = 1_700_000_000
    users = ["a", "b", "c", "d", "e"]
    data = Dataset.from_events(
        users + ["f"],
        ["old"] * 4 + ["recent", "recent"],
        timestamps=[now - 200 * DAY] * 4 + [now - DAY, now],
    )
    assert Popularity().fit(data).recommend(["z"], k=1)[0][0][0] == "old"
    assert Trending().fit(data).recommend(["z"], k=1)[0][0][0] == "recent"


def test_new_releases_rank_by_year():
    data = Dataset.from_events(["a", "b", "c"], ["1990", "2020", "2005"])
    data.item_features = None
    from recommendations.engine.data import ItemFeatures

    data.item_features = ItemFeatures(tags=[[], [], []], years=np.array([1990.0, 2020.0, 2005.0]), texts=["", "", ""])
    items, _ = NewReleases().fit(data).recommend(["z"], k=3)
    assert list(items[0]) == ["2020", "2005", "1990"]
