"""The hybrid's candidates and its rankers' features: what each component, the time context and
the viewer's segment say about each candidate."""

from __future__ import annotations

import numpy as np

from recommendations.engine.base import Recommender
from recommendations.engine.context import TimeContext
from recommendations.engine.hybrid.scoring import rank_positions, rows_for, standardise
from recommendations.engine.segments import SegmentLift

ITEM_TO_ITEM = ("ease", "itemknn")  # also scored from the user's most recent items alone
# The first columns, whatever the components: log popularity, log history length, year, log best rank.
LOG_POPULARITY_COLUMN = 0
HISTORY_LENGTH_COLUMN = 1


def component_score_column(components, name: str) -> int:
    """Where a component's standardised score sits: after the four fixed columns, two per component."""
    return 4 + 2 * list(components).index(name)


def candidate_features(
    models: dict[str, Recommender],
    context: tuple[TimeContext, SegmentLift],
    user_index: np.ndarray,
    *,
    n_candidates: int,
    history=None,
    seen=None,
    feature_users=None,
):
    """(candidates n × c item indices, features n × c × f) for a batch of users.

    Without `history` (training) every model scores its own training rows; when serving,
    known users are scored from each model's own rows and unknown ones from `history`.
    `feature_users` are the indices whose declared features (age, occupation...) apply,
    by default `user_index`; -1: none known.
    """
    context, segments = context
    feature_users = user_index if feature_users is None else feature_users
    reference = next(iter(models.values()))
    if history is None:
        history = reference.history_[np.maximum(user_index, 0)]
        seen = reference.seen_[np.maximum(user_index, 0)]
    scores = [masked_scores(m, user_index, rows_for(m, user_index, history), seen) for m in models.values()]
    ranks = [rank_positions(s) for s in scores]
    n_items = scores[0].shape[1]
    best = np.min(ranks, axis=0)
    key = best + np.mean(ranks, axis=0) / (10.0 * n_items)
    width = min(n_candidates, n_items)
    candidates = np.argpartition(key, width - 1, axis=1)[:, :width]

    def take(matrix: np.ndarray) -> np.ndarray:
        return np.take_along_axis(matrix, candidates, axis=1)

    columns = []
    for s, r in zip(scores, ranks, strict=True):
        columns += [take(standardise(s)), np.log1p(take(r))]
    recent = context.recent_rows(user_index, history)
    unknown = np.full(len(user_index), -1)
    for name in ITEM_TO_ITEM:
        if name in models:
            s = masked_scores(models[name], unknown, recent, seen)
            columns += [take(standardise(s)), np.log1p(take(rank_positions(s)))]
    columns += [
        np.log1p(context.window_counts(user_index, candidates, days=30)),
        np.log1p(context.window_counts(user_index, candidates, days=7)),
        np.log1p(context.window_counts(user_index, candidates, days=30, at_latest=True)),
        context.item_age_days(user_index, candidates),
        np.repeat(context.idle_days(user_index)[:, None], width, axis=1),
        segments.scores(feature_users, candidates),
    ]
    popularity = reference.popularity_[candidates]
    years = reference.item_features.years[candidates]
    length = np.repeat(np.log1p(np.diff(history.indptr))[:, None], width, axis=1)
    # Kept first so that their positions do not depend on how many components there are.
    columns = [np.log1p(popularity * 1000), length, years, np.log1p(take(best))] + columns
    return candidates, np.stack(columns, axis=-1).astype(np.float32)


def masked_scores(model: Recommender, user_index, history, seen) -> np.ndarray:
    """A component's scores with what the user has seen at -inf."""
    scores = np.asarray(model._score(user_index, history), dtype=np.float32).copy()
    rows, cols = seen.nonzero()
    scores[rows, cols] = -np.inf
    return scores
