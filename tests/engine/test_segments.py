import numpy as np

from recommendations.engine.data import Dataset, UserFeatures
from recommendations.engine.segments import SegmentLift


def two_segments() -> Dataset:
    """Forty students watch "lecture" far more than forty retirees do; everyone watches "news"."""
    users, items = [], []
    for n in range(80):
        user = f"u{n}"
        users.append(user)
        items.append("news")
        if (n < 40 and n % 4 != 0) or (n >= 40 and n % 8 == 0):
            users.append(user)
            items.append("lecture")
    data = Dataset.from_events(users, items)
    occupation = ["student" if int(u[1:]) < 40 else "retired" for u in data.users.to_list()]
    ages = np.array([20.0 + int(u[1:]) for u in data.users.to_list()])
    ages[0] = np.nan  # unknown age: contributes nothing
    data.user_features = UserFeatures(numeric={"age": ages}, categorical={"occupation": occupation})
    return data


def test_a_segment_that_favours_an_item_lifts_it_and_the_other_segment_lowers_it():
    data = two_segments()
    segments = SegmentLift.from_data(data)
    lecture, news = data.items.index("lecture"), data.items.index("news")
    student, retiree = data.users.index("u5"), data.users.index("u45")
    scores = segments.scores(np.array([student, retiree]), np.array([[lecture, news], [lecture, news]]))
    assert scores[0, 0] > 0.2 and scores[1, 0] < -0.2
    np.testing.assert_allclose(scores[:, 1], 0.0, atol=1e-6)  # everyone watches the news: no lift


def test_unknown_users_and_data_without_features_get_zero():
    data = two_segments()
    lecture = data.items.index("lecture")
    assert SegmentLift.from_data(data).scores(np.array([-1]), np.array([[lecture]]))[0, 0] == 0.0
    data.user_features = None
    plain = SegmentLift.from_data(data)
    assert plain.scores(np.array([data.users.index("u5")]), np.array([[lecture]]))[0, 0] == 0.0
