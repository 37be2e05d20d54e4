import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.engine.base import Recommender
from recommendations.engine.collaborative import ALS, EASE, ItemKNN, ease_weights, item_similarity
from recommendations.engine.data import Dataset
from tests.engine.contract import RecommenderContract, checkerboard


class TestEASEContract(RecommenderContract):
    def make_model(self):
        return EASE(l2=10.0)


class TestItemKNNContract(RecommenderContract):
    def make_model(self):
        return ItemKNN(neighbours=10, shrink=2.0)


class TestALSContract(RecommenderContract):
    # Few factors: a newcomer with three items pins down at most three dimensions.
    def make_model(self):
        return ALS(factors=4, iterations=8, regularization=1.0, alpha=5.0)


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def random_interactions(rng, n_users=30, n_items=12, density=0.3) -> sp.csr_matrix:
    return sp.random(n_users, n_items, density=density, format="csr", random_state=rng, dtype=np.float32)


# ---- EASE ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("l2", [0.5, 20.0])
def test_ease_matches_the_closed_form(rng, l2):
    x = random_interactions(rng)
    x.data[:] = 1.0
    dense = x.toarray().astype(np.float64)
    precision = np.linalg.inv(dense.T @ dense + l2 * np.eye(dense.shape[1]))
    expected = np.eye(dense.shape[1]) - precision / np.diag(precision)[None, :]
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(ease_weights(x, l2), expected, rtol=1e-4, atol=1e-6)


def test_ease_mirrors_the_inverse_across_blocks(rng, monkeypatch):
    # The triangle copy works in blocks; a block smaller than the catalogue exercises the seams.
    import recommendations.engine.collaborative as collaborative

    x = random_interactions(rng, n_users=80, n_items=37, density=0.2)
    whole = ease_weights(x, 3.0)
    original = collaborative._mirror_upper_triangle
    monkeypatch.setattr(collaborative, "_mirror_upper_triangle", lambda m: original(m, block=8))
    np.testing.assert_allclose(ease_weights(x, 3.0), whole, rtol=1e-5, atol=1e-7)


def test_ease_weights_are_c_contiguous_after_fit_and_load(tmp_path):
    # LAPACK returns Fortran order; scipy copied such an operand on every sparse @ dense product,
    # which made serving one-row scores (similar items) a thousand times slower than it should be.
    model = EASE(l2=10.0).fit(checkerboard())
    assert model.weights_.flags.c_contiguous
    model.save(tmp_path / "ease")
    assert Recommender.load(tmp_path / "ease").weights_.flags.c_contiguous


def test_ease_scores_are_history_times_weights():
    data = checkerboard()
    model = EASE(l2=10.0, weight_power=0.0).fit(data)
    binary = (data.matrix() > 0).astype(np.float32)
    expected = np.asarray(binary[:3] @ model.weights_)
    np.testing.assert_allclose(model._score(np.arange(3), data.matrix()[:3]), expected, rtol=1e-6)


def test_ease_explains_with_the_strongest_contributor():
    data = checkerboard()
    model = EASE(l2=10.0).fit(data)
    target = model.recommend(["u0"], k=1)[0][0][0]
    history = model.history_[0]
    contributions = model.weights_[history.indices, model.items.index(target)]
    expected = model.items.id(int(history.indices[np.argmax(contributions)]))
    assert model.explain("u0", target).item_id == expected


# ---- ItemKNN ------------------------------------------------------------------------------------
@pytest.mark.parametrize("neighbours", [1, 3, 100])
def test_itemknn_keeps_at_most_k_neighbours_per_item(rng, neighbours):
    x = random_interactions(rng, n_users=60, n_items=25, density=0.4)
    similarity = item_similarity(x, neighbours, shrink=0.0, alpha=0.5)
    per_target = np.diff(similarity.tocsc().indptr)
    assert per_target.max() <= min(neighbours, 24)
    assert similarity.diagonal().max() == 0.0


def test_itemknn_keeps_the_most_similar_neighbours(rng):
    x = random_interactions(rng, n_users=60, n_items=25, density=0.4)
    full = item_similarity(x, 24, shrink=0.0, alpha=0.5).toarray()
    pruned = item_similarity(x, 3, shrink=0.0, alpha=0.5).toarray()
    for target in range(25):
        kept = np.flatnonzero(pruned[:, target])
        assert np.min(full[kept, target]) >= np.sort(full[:, target])[-3] - 1e-6


def test_itemknn_similarity_in_column_blocks(rng, monkeypatch):
    from recommendations.engine import collaborative

    x = random_interactions(rng, n_users=50, n_items=23, density=0.3)
    whole = item_similarity(x, 6, shrink=3.0, alpha=0.7).toarray()
    monkeypatch.setattr(collaborative, "BLOCK_ENTRIES", 23 * 4)  # blocks of 4 target columns
    np.testing.assert_allclose(item_similarity(x, 6, shrink=3.0, alpha=0.7).toarray(), whole, rtol=1e-6)


@pytest.mark.parametrize("alpha", [0.5, 0.8])
def test_itemknn_asymmetric_cosine_with_shrink(rng, alpha):
    x = random_interactions(rng)
    similarity = item_similarity(x, 100, shrink=5.0, alpha=alpha).toarray()
    dense = x.toarray().astype(np.float64)
    squared = (dense**2).sum(axis=0)
    # Row j (neighbour) → column i (target): |x_i|²^α |x_j|²^(1-α); α = 0.5 is plain cosine.
    expected = dense.T @ dense / (squared[:, None] ** (1 - alpha) * squared[None, :] ** alpha + 5.0)
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(similarity, expected, rtol=1e-5, atol=1e-7)


def test_itemknn_dense_scoring_copy_gives_the_sparse_scores(monkeypatch):
    from recommendations.engine import collaborative

    data = checkerboard()
    dense = ItemKNN(neighbours=5).fit(data)
    assert isinstance(dense._scoring_similarity(), np.ndarray)  # the copy is made on first use
    monkeypatch.setattr(collaborative, "DENSE_SIMILARITY_ENTRIES", 0)
    sparse = ItemKNN(neighbours=5).fit(data)
    assert sp.issparse(sparse._scoring_similarity())
    users = data.users.to_list()
    np.testing.assert_allclose(dense.score(users), sparse.score(users), rtol=1e-6)


# ---- ALS ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def als_on_checkerboard():
    return checkerboard(), ALS(factors=8, iterations=10, regularization=0.1, alpha=5.0).fit(checkerboard())


def test_als_fold_in_matches_learned_users(als_on_checkerboard):
    data, model = als_on_checkerboard
    users = np.arange(data.n_users)
    learned = model._score(users, model.history_)
    folded = model._score(np.full(data.n_users, -1), model.history_)
    seen = data.seen().toarray().astype(bool)
    overlaps = []
    for row in range(data.n_users):
        unseen = np.flatnonzero(~seen[row])
        top_learned = set(unseen[np.argsort(-learned[row, unseen])[:5]])
        top_folded = set(unseen[np.argsort(-folded[row, unseen])[:5]])
        overlaps.append(len(top_learned & top_folded) / 5)
    assert np.mean(overlaps) >= 0.8
    assert np.corrcoef(learned.ravel(), folded.ravel())[0, 1] > 0.98


def test_als_fold_in_solves_the_normal_equations(als_on_checkerboard):
    # Fold-in must give the exact least-squares optimum for a user: (YᵀC_uY + λI) x = YᵀC_u p_u.
    _, model = als_on_checkerboard
    history = model.history_[:2]
    solved = model.fold_in(history)
    items = model.item_factors_.astype(np.float64)
    for row in range(2):
        consumed = history[row].indices
        confidence = np.ones(len(items))
        confidence[consumed] += model.config.alpha * history[row].data ** model.config.weight_power
        preference = np.zeros(len(items))
        preference[consumed] = 1.0
        lhs = items.T @ (confidence[:, None] * items) + model.config.regularization * np.eye(items.shape[1])
        np.testing.assert_allclose(solved[row], np.linalg.solve(lhs, items.T @ (confidence * preference)), atol=1e-4)


def test_als_is_deterministic_for_a_seed():
    data = checkerboard()
    first = ALS(factors=8, iterations=3, seed=5).fit(data)
    second = ALS(factors=8, iterations=3, seed=5).fit(data)
    other = ALS(factors=8, iterations=3, seed=6).fit(data)
    np.testing.assert_array_equal(first.item_factors_, second.item_factors_)
    assert not np.allclose(first.item_factors_, other.item_factors_)


@pytest.mark.parametrize("density", [0.5, 0.0])  # dense row blocks, gathered rows
def test_als_entry_dots_in_small_blocks(rng, monkeypatch, density):
    from recommendations.engine import collaborative

    monkeypatch.setattr(collaborative, "BLOCK_ENTRIES", 64)  # several blocks of either kind
    x = random_interactions(rng, n_users=40, n_items=30, density=0.2)
    confidence = collaborative._Confidence(x)
    confidence.density = density
    left, right = rng.standard_normal((40, 4)), rng.standard_normal((30, 4))
    rows, cols = np.repeat(np.arange(40), np.diff(x.indptr)), x.indices
    np.testing.assert_allclose(confidence.entry_dots(left, right), (left @ right.T)[rows, cols])


def test_als_learns_a_low_rank_structure():
    # Two disjoint audiences: the learned item factors must separate the two item groups.
    users = [f"u{u}" for u in range(20) for i in range(10) if (i % 2) == (u % 2)]
    items = [f"i{i}" for u in range(20) for i in range(10) if (i % 2) == (u % 2)]
    model = ALS(factors=4, iterations=10, regularization=0.1, alpha=10.0).fit(Dataset.from_events(users, items))
    vectors = model.item_factors_ / np.linalg.norm(model.item_factors_, axis=1, keepdims=True)
    cosine = vectors @ vectors.T
    parity = np.array([int(item_id[1:]) % 2 for item_id in model.items.to_list()])
    same = parity[:, None] == parity[None, :]
    assert cosine[same].mean() > 0.9 and cosine[~same].mean() < 0.3
