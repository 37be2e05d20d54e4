"""The protocol's splits: each property on small synthetic data where the answer is known."""

import numpy as np
import pytest

from recommendations.engine.data import Dataset
from recommendations.engine.splits import random_split, temporal_split, validation_split

N_USERS, EVENTS_PER_USER, N_ITEMS = 50, 10, 30


@pytest.fixture
def data() -> Dataset:
    """50 users × 10 events on distinct items; event e of user u happens at time 1000·u + e,
    and the file lists events shuffled, so only the timestamps reveal the order."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(N_USERS):
        items = rng.choice(N_ITEMS, size=EVENTS_PER_USER, replace=False)
        for step, item in enumerate(items):
            rating = 5.0 if step % 2 == 0 else 2.0
            rows.append((f"u{user}", f"i{item}", rating, 1000 * user + step))
    rows = [rows[i] for i in rng.permutation(len(rows))]
    users, items, ratings, times = zip(*rows, strict=True)
    return Dataset.from_events(list(users), list(items), ratings=list(ratings), timestamps=list(times))


def events_of(data: Dataset, user: str) -> list[tuple[str, int]]:
    mask = data.user_idx == data.users.index(user)
    pairs = zip(data.items.ids(data.item_idx[mask]), data.timestamp[mask], strict=True)
    return sorted(((item, int(time)) for item, time in pairs), key=lambda pair: pair[1])


def test_warm_users_train_on_their_first_80_percent_and_test_on_the_last_20(data):
    split = temporal_split(data, seed=1)
    warm = [f"u{u}" for u in range(N_USERS) if f"u{u}" not in split.new_users]
    for user in warm:
        history = events_of(data, user)
        assert events_of(split.train, user) == history[:8]
        assert split.test_items[user] == {item for item, _ in history[8:]}


def test_about_ten_percent_of_users_are_new_and_keep_their_first_three_events(data):
    split = temporal_split(data, seed=1)
    assert len(split.new_users) == 5
    for user in split.new_users:
        history = events_of(data, user)
        assert events_of(split.train, user) == history[:3]
        # Same test events as a warm user: only the amount of history differs.
        assert split.test_items[user] == {item for item, _ in history[8:]}


def test_new_users_are_chosen_by_the_seed(data):
    assert temporal_split(data, seed=1).new_users == temporal_split(data, seed=1).new_users
    assert temporal_split(data, seed=1).new_users != temporal_split(data, seed=2).new_users


def test_relevant_means_rated_at_least_four(data):
    split = temporal_split(data, seed=1)
    events = zip(data.users.ids(data.user_idx), data.items.ids(data.item_idx), data.rating, strict=True)
    ratings = {(user, item): rating for user, item, rating in events}
    for user, items in split.test_items.items():
        assert split.test.get(user, set()) == {i for i in items if ratings[(user, i)] >= 4}
    # Events 8 (rating 5) and 9 (rating 2) are held out: one relevant item per user.
    assert all(len(items) == 1 for items in split.test.values())
    assert len(split.test) == N_USERS


def test_without_ratings_every_held_out_event_is_relevant():
    data = Dataset.from_events(["a"] * 5, ["x", "y", "z", "v", "w"], timestamps=[1, 2, 3, 4, 5])
    split = temporal_split(data, new_user_fraction=0)
    assert split.test == {"a": {"w"}} and split.test_items == {"a": {"w"}}


def test_every_user_with_two_events_gets_one_test_event_and_one_event_users_get_none():
    data = Dataset.from_events(["a", "a", "b", "c", "c", "c"], ["x", "y", "x", "x", "y", "z"], timestamps=range(6))
    split = temporal_split(data, new_user_fraction=0)
    assert split.test_items == {"a": {"y"}, "c": {"z"}}
    assert events_of(split.train, "b") == [("x", 2)]


def test_equal_timestamps_keep_file_order():
    data = Dataset.from_events(["a"] * 5, ["first", "second", "third", "fourth", "fifth"], timestamps=[7] * 5)
    assert temporal_split(data, new_user_fraction=0).test_items == {"a": {"fifth"}}


def test_items_already_in_training_are_not_relevant():
    # "x" was watched early and again at the end: recommending it again is impossible (seen).
    data = Dataset.from_events(["a"] * 5, ["x", "y", "z", "v", "x"], timestamps=range(5))
    split = temporal_split(data, new_user_fraction=0)
    assert split.test_items == {"a": {"x"}}
    assert split.test == {}


def test_train_and_test_partition_the_events_of_warm_users(data):
    split = temporal_split(data, seed=3)
    held_out = sum(len(items) for items in split.test_items.values())
    dropped = len(split.new_users) * (EVENTS_PER_USER - 2 - 3)
    assert split.train.n_events + held_out + dropped == data.n_events
    assert split.train.users is data.users and split.train.items is data.items


def test_random_split_holds_out_20_percent_per_user_and_depends_on_the_seed(data):
    split = random_split(data, seed=5, new_user_fraction=0)
    assert all(len(items) == 2 for items in split.test_items.values())
    temporal = temporal_split(data, seed=5, new_user_fraction=0)
    assert split.test_items != temporal.test_items
    assert random_split(data, seed=5, new_user_fraction=0).test_items == split.test_items
    assert random_split(data, seed=6, new_user_fraction=0).test_items != split.test_items


def test_validation_is_cut_from_training_events_only(data):
    split = temporal_split(data, seed=1)
    validation = validation_split(split.train, seed=1)
    for user in [f"u{u}" for u in range(N_USERS)]:
        train_items = {item for item, _ in events_of(split.train, user)}
        assert {item for item, _ in events_of(validation.train, user)} <= train_items
        assert validation.test_items.get(user, set()) <= train_items
        assert not validation.test_items.get(user, set()) & split.test_items[user]


def test_validation_orders_events_as_the_split_it_is_cut_from(data):
    """Tuning must answer the test's question: next events for a temporal split, events from
    anywhere in a history for a random one."""
    for protocol, cut in (("temporal", temporal_split), ("random", random_split)):
        split = cut(data, seed=1, new_user_fraction=0)
        assert split.protocol == protocol
        validation = validation_split(split.train, seed=1, protocol=split.protocol)
        assert validation.protocol == protocol
        # Each user's validation events: the latest 2 of 8 by time when temporal, else not always.
        latest = [validation.test_items[user] == latest_items(split.train, user, 2) for user in validation.test_items]
        assert all(latest) if protocol == "temporal" else not all(latest)


def latest_items(data: Dataset, user: str, count: int) -> set[str]:
    return {item for item, _ in sorted(events_of(data, user), key=lambda event: event[1])[-count:]}


def test_an_unknown_protocol_is_refused(data):
    with pytest.raises(ValueError, match="unknown protocol 'leave-one-out'"):
        validation_split(data, protocol="leave-one-out")


def test_relevance_matrix_rows_follow_the_requested_users(data):
    split = temporal_split(data, seed=1)
    users = ["u3", "nobody", "u0"]
    matrix = split.relevance_matrix(users)
    assert matrix.shape == (3, data.n_items)
    assert set(data.items.ids(matrix[0].indices)) == split.test["u3"]
    assert matrix[1].nnz == 0
