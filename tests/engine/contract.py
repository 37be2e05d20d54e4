"""The contract every recommender must satisfy, checked on data where the right answer is known.

Checkerboard: users and items fall into two groups; users interact only with items of their own
group. Each user's training history leaves some in-group items out, so a personalised model must
recommend the held-out in-group items, never out-group ones. Reused by every algorithm's tests
through `RecommenderContract` (after implicit's test mixin).
"""

import numpy as np
import pytest

from recommendations.engine.base import Reason, Recommender
from recommendations.engine.data import Dataset, ItemFeatures

N_USERS, N_ITEMS = 60, 40
GROUP_TAGS = ["genre:Drama", "genre:Comedy"]


def group_of_user(user: int) -> int:
    return user % 2


def group_of_item(item: int) -> int:
    return item % 2


def checkerboard(seed: int = 7, density: float = 0.6) -> Dataset:
    """Users interact with ~density of their group's items; timestamps increase per user."""
    rng = np.random.default_rng(seed)
    users, items, ratings, times = [], [], [], []
    for user in range(N_USERS):
        own = [i for i in range(N_ITEMS) if group_of_item(i) == group_of_user(user)]
        chosen = rng.choice(own, size=int(len(own) * density), replace=False)
        for step, item in enumerate(chosen):
            users.append(f"u{user}")
            items.append(f"i{item}")
            ratings.append(float(rng.integers(4, 6)))
            times.append(1_600_000_000 + user * 1000 + step * 10)
    data = Dataset.from_events(
        users, items, ratings=ratings, timestamps=times, all_items=[f"i{i}" for i in range(N_ITEMS)]
    )
    data.item_features = ItemFeatures(
        tags=[[GROUP_TAGS[group_of_item(i)], f"keyword:k{i}"] for i in range(N_ITEMS)],
        years=np.array([1990.0 + i % 30 for i in range(N_ITEMS)]),
        texts=[f"{['drama', 'comedy'][group_of_item(i)]} story number {i}" for i in range(N_ITEMS)],
    )
    return data


def item_group(item_id: str) -> int:
    return group_of_item(int(item_id[1:]))


class RecommenderContract:
    """Subclass and provide `make_model()` (small, fast settings). Set `personalized = False`
    for non-personalised models, which skip the in-group checks."""

    personalized = True
    k = 5

    def make_model(self) -> Recommender:
        raise NotImplementedError

    @pytest.fixture(scope="class")
    @classmethod
    def data(cls) -> Dataset:
        return checkerboard()

    @pytest.fixture(scope="class")
    @classmethod
    def model(cls, data) -> Recommender:
        return cls().make_model().fit(data)

    def test_recommends_k_unseen_items_for_every_user(self, model, data):
        user_ids = data.users.to_list()
        items, scores = model.recommend(user_ids, k=self.k)
        assert items.shape == (len(user_ids), self.k)
        seen = data.seen()
        for row, user in enumerate(user_ids):
            assert None not in items[row]
            assert len(set(items[row])) == self.k
            seen_items = set(data.items.ids(seen[data.users.index(user)].indices))
            assert not seen_items & set(items[row])
            assert np.all(np.diff(scores[row]) <= 1e-6), "scores must be sorted best first"

    def test_recommends_in_group_items(self, model, data):
        if not self.personalized:
            pytest.skip("non-personalised model")
        items, _ = model.recommend(data.users.to_list(), k=self.k)
        hits = [
            item_group(i) == group_of_user(int(u[1:]))
            for u, row in zip(data.users.to_list(), items, strict=True)
            for i in row
        ]
        assert np.mean(hits) >= 0.9

    def test_new_user_gets_k_items(self, model):
        items, _ = model.recommend(["someone-new"], k=self.k)
        assert None not in items[0] and len(set(items[0])) == self.k

    def test_new_user_is_served_from_given_history(self, model):
        if not self.personalized:
            pytest.skip("non-personalised model")
        history = {"newcomer": [("i0", 5.0), ("i2", 5.0), ("i4", 4.0)]}  # group 0
        items, _ = model.recommend(["newcomer"], k=self.k, histories=history)
        assert {"i0", "i2", "i4"}.isdisjoint(items[0])
        assert np.mean([item_group(i) == 0 for i in items[0]]) >= 0.8

    def test_explaining_a_batch_matches_explaining_each_user_alone(self, model, data):
        # Rows are precomputed by explaining hundreds of users in one call: no user's history may
        # leak into another's reasons, across batch boundaries too (batch_size 2).
        users = data.users.to_list()[:5] + ["newcomer"]
        histories = {"newcomer": [("i0", 5.0), ("i2", 4.0)]}
        requests = {user: list(model.recommend([user], k=3, histories=histories)[0][0]) for user in users}
        together = model.explain_batch(requests, histories=histories, batch_size=2)
        alone = {user: model.explain_many(user, items, histories=histories) for user, items in requests.items()}
        assert together == alone
        assert all(len(together[user]) == 3 for user in users)

    def test_given_history_replaces_a_known_users_own(self, model, data):
        # A batch mixing given and stored histories: only the given user's row is replaced, repeated
        # events of one title add up, and a disliked title counts as seen without counting for.
        user, other = data.users.to_list()[:2]
        given = {user: [("i1", 2.0), ("i1", 3.0), ("i3", -1.0), ("unknown-title", 5.0)]}
        _, history, seen = model.history_rows([other, user], given)
        _, stored, stored_seen = model.history_rows([other], None)
        assert (history[0] != stored[0]).nnz == 0 and (seen[0] != stored_seen[0]).nnz == 0
        i1, i3 = model.items.index("i1"), model.items.index("i3")
        assert dict(zip(history[1].indices.tolist(), history[1].data.tolist(), strict=True)) == {i1: 5.0}
        assert sorted(seen[1].indices.tolist()) == sorted([i1, i3]) and set(seen[1].data) == {1.0}

    def test_candidates_restrict_the_output(self, model, data):
        candidates = ["i1", "i3", "i5", "i7", "i9", "i11", "i13"]
        items, _ = model.recommend(data.users.to_list()[:6], k=3, candidates=candidates)
        assert set(items.ravel()) - {None} <= set(candidates)

    def test_small_catalogue_leaves_empty_slots(self, model, data):
        items, scores = model.recommend(["u0"], k=N_ITEMS + 5)
        filled = [i for i in items[0] if i is not None]
        assert len(filled) == N_ITEMS - data.seen()[data.users.index("u0")].nnz
        assert np.isneginf(scores[0][len(filled) :]).all()

    def test_similar_items_excludes_the_item_itself(self, model):
        items, scores = model.similar_items("i0", k=4)
        assert len(items) == 4 and "i0" not in items
        if self.personalized:
            assert np.mean([item_group(i) == 0 for i in items]) >= 0.75

    def test_explain_returns_a_reason(self, model, data):
        items, _ = model.recommend(["u0"], k=1)
        reason = model.explain("u0", items[0][0])
        assert isinstance(reason, Reason) and reason.text
        if reason.item_id is not None:
            assert reason.item_id in set(data.items.ids(data.seen()[data.users.index("u0")].indices))

    def test_explain_many_gives_each_items_own_reason(self, model, data):
        items, _ = model.recommend(["u0"], k=4)
        chosen = [item for item in items[0] if item is not None]
        assert model.explain_many("u0", chosen) == [model.explain("u0", item) for item in chosen]

    def test_save_load_round_trip_gives_identical_scores(self, model, data, tmp_path):
        model.save(tmp_path / "model")
        loaded = Recommender.load(tmp_path / "model")
        assert type(loaded) is type(model)
        users = data.users.to_list()[:10] + ["brand-new"]
        np.testing.assert_allclose(loaded.score(users), model.score(users), rtol=1e-5, atol=1e-6)
