"""Metrics against values worked out by hand."""

from math import log2

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.engine import metrics

N_ITEMS = 6


def relevance(rows: list[set[int]]) -> sp.csr_matrix:
    dense = np.zeros((len(rows), N_ITEMS), dtype=bool)
    for user, items in enumerate(rows):
        dense[user, list(items)] = True
    return sp.csr_matrix(dense)


# User 0: relevant {1, 2}; the list hits at ranks 2 and 5.
# User 1: relevant {0, 2, 3, 4}; hits at ranks 1 and 2, then an empty slot.
RECOMMENDED = np.array([[3, 1, 4, 0, 2], [0, 2, 5, 1, -1]])
RELEVANT = relevance([{1, 2}, {0, 2, 3, 4}])
N_RELEVANT = np.array([2, 4])


@pytest.fixture
def hits():
    return metrics.hit_matrix(RECOMMENDED, RELEVANT)


def test_hit_matrix_marks_relevant_positions_and_ignores_empty_slots(hits):
    assert hits.tolist() == [[False, True, False, False, True], [True, True, False, False, False]]


def test_precision_divides_by_k(hits):
    np.testing.assert_allclose(metrics.precision_at_k(hits, 3), [1 / 3, 2 / 3])
    np.testing.assert_allclose(metrics.precision_at_k(hits, 5), [2 / 5, 2 / 5])


def test_recall_divides_by_all_relevant_items_not_min_k(hits):
    # User 1 has 4 relevant items and both of the top 2 are hits: recall@2 is 2/4, not 2/2.
    np.testing.assert_allclose(metrics.recall_at_k(hits, N_RELEVANT, 2), [1 / 2, 2 / 4])
    np.testing.assert_allclose(metrics.recall_at_k(hits, N_RELEVANT, 5), [2 / 2, 2 / 4])


def test_ndcg_by_hand(hits):
    user0 = (1 / log2(3) + 1 / log2(6)) / (1 + 1 / log2(3))
    user1 = (1 + 1 / log2(3)) / (1 + 1 / log2(3) + 1 / log2(4) + 1 / log2(5))
    np.testing.assert_allclose(metrics.ndcg_at_k(hits, N_RELEVANT, 5), [user0, user1])


def test_ndcg_ideal_is_over_min_k_relevant(hits):
    # At k=2 user 1's ideal list has 2 hits, which the list achieves: nDCG@2 = 1.
    user0 = (1 / log2(3)) / (1 + 1 / log2(3))
    np.testing.assert_allclose(metrics.ndcg_at_k(hits, N_RELEVANT, 2), [user0, 1.0])


def test_average_precision_by_hand(hits):
    user0 = (1 / 2 + 2 / 5) / 2
    user1 = (1 / 1 + 2 / 2) / 4
    np.testing.assert_allclose(metrics.average_precision_at_k(hits, N_RELEVANT, 5), [user0, user1])
    # At k=2: user 0 has one hit at rank 2 over min(2, 2); user 1 is perfect.
    np.testing.assert_allclose(metrics.average_precision_at_k(hits, N_RELEVANT, 2), [(1 / 2) / 2, 1.0])


def test_hit_rate(hits):
    np.testing.assert_allclose(metrics.hit_rate_at_k(hits, 1), [0.0, 1.0])
    np.testing.assert_allclose(metrics.hit_rate_at_k(hits, 2), [1.0, 1.0])


def test_coverage_counts_distinct_items_in_the_top_k_over_the_catalogue():
    assert metrics.catalogue_coverage(RECOMMENDED, N_ITEMS, 2) == pytest.approx(4 / 6)  # {3, 1, 0, 2}
    assert metrics.catalogue_coverage(RECOMMENDED, N_ITEMS, 5) == pytest.approx(6 / 6)


def test_mean_popularity_ignores_empty_slots():
    popularity = np.array([0.5, 0.1, 0.2, 0.0, 1.0, 0.3])
    values = metrics.mean_popularity(RECOMMENDED, popularity, 5)
    np.testing.assert_allclose(values, [(0.0 + 0.1 + 1.0 + 0.5 + 0.2) / 5, (0.5 + 0.2 + 0.3 + 0.1) / 4])


def test_training_popularity_is_the_share_of_active_users():
    train = sp.csr_matrix(np.array([[1, 0, 2.0], [0, 0, 1], [0, 0, 0], [3, 0, 0]]))
    np.testing.assert_allclose(metrics.training_popularity(train), [2 / 3, 0, 2 / 3])


def test_summarise_splits_warm_and_new_users():
    per_user = {"ndcg@2": np.array([0.2, 0.4, 1.0])}
    recommended = np.array([[0, 1], [0, 2], [3, 4]])
    summary = metrics.summarise(per_user, recommended, np.array([False, False, True]), n_items=10, k=2)
    assert summary["all"]["ndcg@2"] == pytest.approx(1.6 / 3)
    assert summary["warm"]["ndcg@2"] == pytest.approx(0.3)
    assert summary["new"]["ndcg@2"] == pytest.approx(1.0)
    assert summary["warm"]["coverage@2"] == pytest.approx(3 / 10)
    assert summary["new"]["users"] == 1


def test_summarise_reports_nan_for_an_empty_group():
    summary = metrics.summarise({"x": np.array([1.0])}, np.array([[0]]), np.array([False]), n_items=1, k=1)
    assert np.isnan(summary["new"]["x"]) and summary["new"]["users"] == 0


def test_per_user_metrics_rejects_users_without_relevant_items():
    with pytest.raises(ValueError, match="relevant"):
        metrics.per_user_metrics(RECOMMENDED, relevance([{1}, set()]), np.zeros(N_ITEMS), k=2, recall_k=5)
