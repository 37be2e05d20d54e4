"""Two-stage hybrid: candidates from several recommenders, ranked by a learned model, diversified.

Fit, all on the training data (never on a test split):
1. Cut a validation split from the training data with the evaluation protocol itself
   (per-user temporal 80/20, some users cut to their first 3 events), and a second one from that
   split's training part (the 20 % before). Tune each component on the first.
2. For each of the two phases, fit the components on its training part and build one row per
   (user, candidate): each component's score and rank, item-to-item scores from the user's latest
   items, popularity (overall and among users who share the viewer's declared features), time
   context, item year and history length; the label is "the user engaged with it later". Each
   validation user appears twice: as the models know them, and cut to their first few events and
   served as an unknown user (a new sign-up).
3. Learn gradient-boosted trees on those rows: one ranker for users as the models know them, one
   for short histories. Each is also fitted fold by fold, so that every validation user gets a
   score from a ranker that never saw their labels.
4. On those out-of-fold scores choose, per history-length bucket, how much of the ranker's score
   to blend with popularity (cold start), then the diversity (MMR strength, popularity penalty)
   with the most catalogue coverage within `diversity_tolerance` of the best validation nDCG.
5. Refit the components on all training data with the chosen hyper-parameters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommendations.engine import metrics
from recommendations.engine.base import Config, Reason, Recommender
from recommendations.engine.context import TimeContext
from recommendations.engine.data import Dataset
from recommendations.engine.ranker import BoostedTrees
from recommendations.engine.registry import get_algorithm
from recommendations.engine.rerank import mmr_order
from recommendations.engine.segments import SegmentLift
from recommendations.engine.splits import Split, validation_split

PERSONAL = {"ease", "itemknn", "mf", "content", "neural"}  # components that can explain with a watched title
ITEM_TO_ITEM = ("ease", "itemknn")  # also scored from the user's most recent items alone
OBJECTIVE_K = 10


@dataclass(frozen=True)
class HybridConfig(Config):
    components: tuple[str, ...] = ("ease", "mf", "itemknn", "content", "popularity", "trending")
    component_params: dict = field(default_factory=dict)  # name → fixed params (skips tuning that one)
    tune_components: bool = True
    tune_max_configs: int = 6
    # Per component: on large catalogues one fit can take a minute, and tuning is the largest stage
    # of the fit. Configurations stop once this much time has gone (the defaults are always tried;
    # None: no limit).
    tune_budget_seconds: float | None = None
    candidates: int = 200  # per user, by best rank across components
    negatives_per_user: int = 60  # sampled non-relevant candidates per user for the ranker
    max_training_users: int = 3000  # over all phases: bounds the ranker's rows (its fit time) on large data sets
    diversity: float | None = None  # MMR λ; None = choose on validation
    diversity_grid: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3)
    popularity_penalty_grid: tuple[float, ...] = (0.0, 0.05, 0.1)
    diversity_tolerance: float = 0.01  # give up at most 1 % of validation nDCG for coverage
    mmr_depth: int = 50
    # Users are bucketed by history length; per bucket, validation picks how much of the ranker's
    # score (vs. popularity around the user's time) to use. Upper bounds of the buckets:
    history_buckets: tuple[int, ...] = (3, 10)
    blend_grid: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    ranker_folds: int = 2  # blend and diversity are chosen on out-of-fold ranker scores
    # Each ranker is the average of this many boosted models. One model's scores move with the
    # random tenth its early stopping holds out; on development splits (validation data only, five
    # ranker seeds) 3 raised nDCG@10 by 1.6 % on ML-100K and 2.8 % on latest-small.
    ranker_bags: int = 3
    ranker_phases: int = 2  # at most this many validation splits, each cut from the previous one's training part


class Hybrid(Recommender):
    name = "hybrid"
    config_class = HybridConfig
    tie_break = False  # scores encode an MMR order; a popularity tie-break would disturb it
    _log_popularity_column = 0
    _history_length_column = 1

    @property
    def n_items_for_coverage(self) -> int:
        return len(self.items)

    # ---- fit -----------------------------------------------------------------------------
    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        clock = _StageClock()
        inner = validation_split(data, seed=self.config.seed)
        self.params_ = {}
        for name in self.config.components:
            self.params_[name] = self._component_params(name, inner)
            clock.lap(f"tune {name}")
        fold_of_user = np.random.default_rng(self.config.seed).permutation(data.n_users) % self.config.ranker_folds
        # Phase 0 predicts the last 20 % of each user's training events from the rest; each
        # further phase steps back another 20 %. Rows from several phases teach the ranker what
        # holds whatever the point in a user's history, not what held at one point.
        # Later phases only add rows while the ranker's user budget lasts: large data sets have
        # rows enough in one, and each phase costs a fit of every component.
        phases, split, budget = [], inner, self.config.max_training_users
        while len(phases) < self.config.ranker_phases and budget > 0:
            models = {name: self._make(name).fit(split.train) for name in self.config.components}
            clock.lap("fit components on validation phases")
            context = (TimeContext.from_data(split.train), SegmentLift.from_data(split.train))
            phases.append((models, self._validation_views(models, context, split, fold_of_user, budget)))
            budget -= len(phases[-1][1][0].folds)
            clock.lap("candidates and features")
            split = validation_split(split.train, seed=self.config.seed)
        self.embeddings_ = _embeddings_from(phases[0][0])
        # Two rankers: one for users as the models know them, one for short histories (new
        # sign-ups), which behave differently and would otherwise be a small minority of its rows.
        out_of_fold = []
        for which in (0, 1):
            ranker, scores = self._cross_fit_ranker(_View.concat([views[which] for _, views in phases]))
            out_of_fold.append(scores[: len(phases[0][1][which].folds)])  # phase 0's users come first
            setattr(self, ("ranker_", "cold_ranker_")[which], ranker)
        clock.lap("rankers")
        self.blend_ = np.ones(len(self.config.history_buckets) + 1)
        self.diversity_, self.popularity_penalty_ = float(self.config.diversity or 0.0), 0.0
        self._choose_blend_and_diversity(phases[0][1], out_of_fold)
        clock.lap("blend and diversity")
        self.components_ = {name: self._make(name).fit(data) for name in self.config.components}
        self.context_, self.segments_ = TimeContext.from_data(data), SegmentLift.from_data(data)
        self.embeddings_ = self._item_embeddings()
        clock.lap("refit components")
        self.fit_seconds_ = clock.seconds

    def _make(self, name: str) -> Recommender:
        return get_algorithm(name)(**self.params_.get(name, {}))

    def _component_params(self, name: str, inner: Split) -> dict:
        if name in self.config.component_params:
            return dict(self.config.component_params[name])
        algorithm = get_algorithm(name)
        if not self.config.tune_components or not algorithm.search_space():
            return {}
        from recommendations.engine.evaluate import tune_on_validation  # evaluate imports the registry

        params, _, _ = tune_on_validation(
            algorithm,
            inner,
            max_configs=self.config.tune_max_configs,
            seed=self.config.seed,
            budget_seconds=self.config.tune_budget_seconds,
        )
        return params

    def _validation_views(
        self,
        models: dict[str, Recommender],
        context: tuple[TimeContext, SegmentLift],
        inner: Split,
        fold_of_user: np.ndarray,
        budget: int,
    ) -> list[_View]:
        """Candidates, features and labels of the validation users, twice: as the models know them,
        and cut to their first few training events and served as unknown users (a new sign-up).

        The second view gives the ranker and the cold-start blend far more short histories than
        the handful of real new users in a split.
        """
        rng = np.random.default_rng(self.config.seed)
        users = inner.test_users
        if len(users) > budget:
            users = list(rng.choice(np.array(users, dtype=object), budget, replace=False))
        relevant = inner.relevance_matrix(users)
        known = inner.train.users.indices(users)
        folds = fold_of_user[known]
        views = [_View.build(self, models, context, known, relevant, folds)]
        short = _first_events(inner.train, users, self.config.history_buckets[0])
        unknown = np.full(len(users), -1)
        seen = (short > 0).astype(np.float32).tocsr()
        views.append(
            _View.build(self, models, context, unknown, relevant, folds, history=short, seen=seen, feature_users=known)
        )
        return views

    def _cross_fit_ranker(self, view: _View) -> tuple[BoostedTrees, np.ndarray]:
        """The serving ranker (fitted on every validation user of `view`) and out-of-fold scores.

        Blend and diversity are chosen on scores from rankers that never saw those users' labels:
        in-sample scores flatter the ranker.
        """
        rng = np.random.default_rng(self.config.seed)
        rows, labels, folds = view.sample(self.config.negatives_per_user, rng)
        out_of_fold = np.zeros(view.candidates.shape, dtype=np.float64)
        for fold in range(self.config.ranker_folds):
            ranker = self._fit_ranker(rows[folds != fold], labels[folds != fold])
            held = view.folds == fold
            out_of_fold[held] = _ranker_scores(ranker, view.rows[held], view.candidates[held].shape)
        return self._fit_ranker(rows, labels), out_of_fold

    def _fit_ranker(self, rows: np.ndarray, labels: np.ndarray) -> BoostedTrees:
        return BoostedTrees.fit(rows, labels.astype(np.int8), seed=self.config.seed, bags=self.config.ranker_bags)

    def _choose_blend_and_diversity(self, views: list[_View], out_of_fold: list[np.ndarray]) -> None:
        """The ranker/popularity blend per history-length bucket, then the MMR strength and
        popularity penalty with the most coverage within tolerance of the best nDCG.

        Buckets above the first are judged on the users as the models know them; the first (new
        users) on everyone cut to their first few events, far more evidence than the real ones.
        """
        known, short = views
        for bucket in range(len(self.blend_)):
            view, ranker = (short, out_of_fold[1]) if bucket == 0 else (known, out_of_fold[0])
            mask = view.buckets == bucket
            if mask.any():
                fallback = self._fallback_scores(view.rows)
                results = {a: view.ndcg(_blend(ranker, fallback, a))[mask].mean() for a in self.config.blend_grid}
                self.blend_[bucket] = max(results, key=lambda a: (results[a], a))
        if self.config.diversity is not None:
            return
        relevance = _blend(out_of_fold[0], self._fallback_scores(known.rows), self.blend_[known.buckets][:, None])
        warm = known.buckets == len(self.blend_) - 1
        plain_ndcg = known.ndcg(relevance)
        grid = {}
        for d in self.config.diversity_grid:
            for p in self.config.popularity_penalty_grid:
                ranked = self._rerank(known.candidates, relevance, known.rows, warm, d, p)
                ndcg = np.where(warm, known.ndcg_of_ranking(ranked), plain_ndcg)
                grid[(d, p)] = (ndcg.mean(), metrics.catalogue_coverage(ranked, self.n_items_for_coverage, OBJECTIVE_K))
        best = max(ndcg for ndcg, _ in grid.values())
        floor = (1 - self.config.diversity_tolerance) * best
        allowed = {key: coverage for key, (ndcg, coverage) in grid.items() if ndcg >= floor}
        self.diversity_, self.popularity_penalty_ = max(allowed, key=lambda key: (allowed[key], -key[0], -key[1]))

    def _rerank(self, candidates, relevance, rows, warm, diversity, penalty) -> np.ndarray:
        adjusted = relevance - np.where(warm[:, None], penalty, 0.0) * rows[..., self._log_popularity_column]
        plain = _top_after_mmr(candidates, adjusted, self.embeddings_, 0.0, self.config.mmr_depth)
        diverse = _top_after_mmr(candidates, adjusted, self.embeddings_, diversity, self.config.mmr_depth)
        return np.where(warm[:, None], diverse, plain)

    def _fallback_scores(self, rows: np.ndarray) -> np.ndarray:
        """The popularity component's score (its half-life is tuned), else all-time popularity.

        Not popularity around the user's own time: a new user's few events may be years older
        than what they watch next.
        """
        names = list(self.config.components)
        column = 4 + 2 * names.index("popularity") if "popularity" in names else self._log_popularity_column
        return _standardise(rows[..., column])

    def _buckets(self, rows: np.ndarray) -> np.ndarray:
        lengths = np.expm1(rows[:, 0, self._history_length_column])
        return np.searchsorted(np.asarray(self.config.history_buckets), np.round(lengths), side="left")

    # ---- features ------------------------------------------------------------------------
    def _features(
        self,
        models: dict[str, Recommender],
        context: tuple[TimeContext, SegmentLift],
        user_index: np.ndarray,
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
        scores = [self._masked_scores(m, user_index, _rows_for(m, user_index, history), seen) for m in models.values()]
        ranks = [_ranks(s) for s in scores]
        n_items = scores[0].shape[1]
        best = np.min(ranks, axis=0)
        key = best + np.mean(ranks, axis=0) / (10.0 * n_items)
        width = min(self.config.candidates, n_items)
        candidates = np.argpartition(key, width - 1, axis=1)[:, :width]

        def take(matrix: np.ndarray) -> np.ndarray:
            return np.take_along_axis(matrix, candidates, axis=1)

        columns = []
        for s, r in zip(scores, ranks, strict=True):
            columns += [take(_standardise(s)), np.log1p(take(r))]
        recent = context.recent_rows(user_index, history)
        unknown = np.full(len(user_index), -1)
        for name in ITEM_TO_ITEM:
            if name in models:
                s = self._masked_scores(models[name], unknown, recent, seen)
                columns += [take(_standardise(s)), np.log1p(take(_ranks(s)))]
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

    @staticmethod
    def _masked_scores(model: Recommender, user_index, history, seen) -> np.ndarray:
        scores = np.asarray(model._score(user_index, history), dtype=np.float32).copy()
        rows, cols = seen.nonzero()
        scores[rows, cols] = -np.inf
        return scores

    # ---- serve ---------------------------------------------------------------------------
    def _score(self, user_index: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        known = sp.diags((user_index >= 0).astype(np.float32))
        seen = ((known @ self.seen_[np.maximum(user_index, 0)]) + (history > 0)).tocsr()
        context = (self.context_, self.segments_)
        candidates, rows = self._features(self.components_, context, user_index, history=history, seen=seen)
        buckets = self._buckets(rows)
        ranker = np.empty(candidates.shape, dtype=np.float64)
        for trees, users in ((self.cold_ranker_, buckets == 0), (self.ranker_, buckets > 0)):
            if users.any():  # each user through one ranker only: the trees are the serving cost
                ranker[users] = _ranker_scores(trees, rows[users], candidates[users].shape)
        fallback = self._fallback_scores(rows)
        relevance = _blend(ranker, fallback, self.blend_[buckets][:, None])
        warm = buckets == len(self.blend_) - 1
        relevance = (
            relevance - np.where(warm[:, None], self.popularity_penalty_, 0.0) * rows[..., self._log_popularity_column]
        )
        return self._dense_scores(candidates, relevance, np.where(warm, self.diversity_, 0.0))

    def _dense_scores(self, candidates: np.ndarray, relevance: np.ndarray, diversity: np.ndarray) -> np.ndarray:
        """Scores whose order is: the MMR head, then other candidates by relevance, then the rest."""
        n, width = candidates.shape
        dense = np.full((n, self.n_items), -1.0, dtype=np.float32)
        np.put_along_axis(dense, candidates, (1.0 + _sigmoid(relevance)).astype(np.float32), axis=1)
        depth = min(self.config.mmr_depth, width)
        ordered = np.empty((n, depth), dtype=np.int64)
        for value in np.unique(diversity):  # one MMR pass per distinct strength (warm vs. new users)
            rows = diversity == value
            ordered[rows] = _top_after_mmr(candidates[rows], relevance[rows], self.embeddings_, value, depth)
        np.put_along_axis(dense, ordered, (4.0 - np.arange(depth) / depth).astype(np.float32)[None, :], axis=1)
        return dense

    def explain(self, user_id: Any, item_id: Any, *, histories=None) -> Reason:
        return self.explain_many(user_id, [item_id], histories=histories)[0]

    def explain_many(self, user_id: Any, item_ids, *, histories=None) -> list[Reason]:
        return self.explain_batch({user_id: list(item_ids)}, histories=histories)[user_id]

    def explain_batch(self, requests, *, histories=None, batch_size: int = 512) -> dict[Any, list[Reason]]:
        """Each item's reason comes from the personalised component that ranks it highest for its
        user; every component scores a batch of users once, whatever the number of items."""
        self._require_fitted()
        reasons: dict[Any, list[Reason]] = {}
        users = list(requests)
        for start in range(0, len(users), batch_size):
            reasons |= self._explain_users(users[start : start + batch_size], requests, histories)
        return reasons

    def _explain_users(self, users: list, requests, histories) -> dict[Any, list[Reason]]:
        popular = Reason(kind="popular", text="Popular with viewers")
        reasons = {user: [popular] * len(requests[user]) for user in users}
        user_index, history, seen = self.history_rows(users, histories)
        ranks = {
            name: _ranks(self._masked_scores(model, user_index, _rows_for(model, user_index, history), seen))
            for name, model in self.components_.items()
            if name in PERSONAL
        }
        if not ranks:
            return reasons
        # component → {user: [(position in the user's list, item id)]}
        asked: dict[str, dict[Any, list[tuple[int, Any]]]] = {}
        has_history = np.diff(history.indptr) > 0
        for row, user in enumerate(users):
            if not has_history[row]:
                continue
            for position, item_id in enumerate(requests[user]):
                item = self.items.index(item_id)
                if item >= 0:
                    best = min(ranks, key=lambda name: ranks[name][row, item])
                    asked.setdefault(best, {}).setdefault(user, []).append((position, item_id))
        for name, by_user in asked.items():
            given = {user: [item_id for _, item_id in pairs] for user, pairs in by_user.items()}
            explained = self.components_[name].explain_batch(given, histories=histories)
            for user, pairs in by_user.items():
                for (position, _), reason in zip(pairs, explained[user], strict=True):
                    reasons[user][position] = reason
        return reasons

    def _item_embeddings(self) -> np.ndarray:
        return _embeddings_from(self.components_)

    # ---- persistence ---------------------------------------------------------------------
    def _state(self) -> dict[str, np.ndarray]:
        ranker = {f"ranker_{key}": value for key, value in self.ranker_.arrays.items()}
        ranker |= {f"coldranker_{key}": value for key, value in self.cold_ranker_.arrays.items()}
        ranker |= {f"segments_{key}": value for key, value in self.segments_.arrays.items()}
        return ranker | {f"context_{key}": value for key, value in self.context_.arrays.items()}

    def _extra_meta(self) -> dict:
        return {
            "params": self.params_,
            "diversity": self.diversity_,
            "popularity_penalty": self.popularity_penalty_,
            "blend": self.blend_.tolist(),
            "fit_seconds": self.fit_seconds_,
        }

    def _set_state(self, state: dict[str, np.ndarray], extra: dict) -> None:
        self.ranker_ = BoostedTrees(_with_prefix(state, "ranker_"))
        self.cold_ranker_ = BoostedTrees(_with_prefix(state, "coldranker_"))
        self.context_ = TimeContext(_with_prefix(state, "context_"))
        self.segments_ = SegmentLift(_with_prefix(state, "segments_"))
        self.params_ = extra["params"]
        self.diversity_ = float(extra["diversity"])
        self.popularity_penalty_ = float(extra["popularity_penalty"])
        self.blend_ = np.asarray(extra["blend"], dtype=np.float64)
        self.fit_seconds_ = extra.get("fit_seconds", {})

    def _save_extra(self, directory: Path) -> None:
        for name, model in self.components_.items():
            model.save(directory / "components" / name)

    def _load_extra(self, directory: Path) -> None:
        self.components_ = {name: Recommender.load(directory / "components" / name) for name in self.config.components}
        self.embeddings_ = self._item_embeddings()


class _StageClock:
    """Seconds spent per stage of a fit (stages that repeat add up), for operators and benchmarks."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - self._last, 3)
        self._last = now


@dataclass
class _View:
    """One way of presenting the validation users to the ranker, with what they did next."""

    candidates: np.ndarray  # users × candidates item indices
    rows: np.ndarray  # users × candidates × features
    hits: np.ndarray  # users × candidates: relevant later
    relevant: sp.csr_matrix
    folds: np.ndarray  # cross-fitting fold of each user
    buckets: np.ndarray  # history-length bucket of each user

    @classmethod
    def build(cls, hybrid, models, context, user_index, relevant, folds, history=None, seen=None, feature_users=None):
        candidates, rows = hybrid._features(
            models, context, user_index, history=history, seen=seen, feature_users=feature_users
        )
        hits = np.asarray(relevant[np.arange(len(user_index))[:, None], candidates].todense(), dtype=bool)
        return cls(candidates, rows, hits, relevant, folds, hybrid._buckets(rows))

    @classmethod
    def concat(cls, views: list[_View]) -> _View:
        if len(views) == 1:
            return views[0]
        return cls(
            np.concatenate([v.candidates for v in views]),
            np.concatenate([v.rows for v in views]),
            np.concatenate([v.hits for v in views]),
            sp.vstack([v.relevant for v in views]).tocsr(),
            np.concatenate([v.folds for v in views]),
            np.concatenate([v.buckets for v in views]),
        )

    def sample(self, negatives: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(features, labels, fold) rows: every positive and a few random negatives per user, so
        that the ranker learns an ordering within each user's candidates."""
        keep = self.hits.copy()
        for row in range(len(self.hits)):
            others = np.flatnonzero(~self.hits[row])
            keep[row, rng.choice(others, min(len(others), negatives), replace=False)] = True
        users, _ = np.nonzero(keep)
        return self.rows[keep], self.hits[keep], self.folds[users]

    def ndcg_of_ranking(self, ranked: np.ndarray) -> np.ndarray:
        hits = metrics.hit_matrix(ranked[:, :OBJECTIVE_K], self.relevant)
        n_relevant = np.asarray(self.relevant.sum(axis=1)).ravel()
        return metrics.ndcg_at_k(hits, n_relevant, OBJECTIVE_K)

    def ndcg(self, relevance: np.ndarray) -> np.ndarray:
        order = np.argsort(-relevance, axis=1, kind="stable")[:, :OBJECTIVE_K]
        return self.ndcg_of_ranking(np.take_along_axis(self.candidates, order, axis=1))


def _with_prefix(state: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The saved arrays of one part of the model, under their own names."""
    return {k.removeprefix(prefix): v for k, v in state.items() if k.startswith(prefix)}


def _ranker_scores(ranker: BoostedTrees, rows: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return _standardise(ranker.decision_function(rows.reshape(-1, rows.shape[-1])).reshape(shape))


def _first_events(data: Dataset, users: list, count: int) -> sp.csr_matrix:
    """Each user's first `count` positive training events (by time) as weighted history rows."""
    user_index = data.users.indices(users)
    row_of = np.full(data.n_users, -1)
    row_of[user_index] = np.arange(len(users))
    keep = (data.weight > 0) & (row_of[data.user_idx] >= 0)
    rows, items = row_of[data.user_idx[keep]], data.item_idx[keep]
    weights, stamps = data.weight[keep], data.timestamp[keep]
    order = np.lexsort((stamps, rows))
    rows, items, weights = rows[order], items[order], weights[order]
    starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
    position = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    first = position < count
    return sp.csr_matrix((weights[first], (rows[first], items[first])), shape=(len(users), data.n_items))


def _rows_for(model: Recommender, user_index: np.ndarray, history: sp.csr_matrix) -> sp.csr_matrix:
    """Known users' rows from the model's own history (its time decay), unknown users' from `history`."""
    known = user_index >= 0
    if not known.any():
        return history
    own = model.history_[np.maximum(user_index, 0)]
    return (sp.diags(known.astype(np.float32)) @ own + sp.diags((~known).astype(np.float32)) @ history).tocsr()


def _embeddings_from(models: dict[str, Recommender]) -> np.ndarray:
    """Unit item vectors for diversity: MF factors when present, else content vectors, else one-hot."""
    if "mf" in models:
        vectors = models["mf"].item_factors_.astype(np.float32)
    elif "content" in models and hasattr(models["content"], "item_vectors_"):
        vectors = np.asarray(models["content"].item_vectors_.todense(), dtype=np.float32)
    else:
        return np.eye(next(iter(models.values())).n_items, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _top_after_mmr(candidates, relevance, embeddings, diversity, depth) -> np.ndarray:
    head = np.argsort(-relevance, axis=1, kind="stable")[:, :depth]
    head_items = np.take_along_axis(candidates, head, axis=1)
    order = mmr_order(np.take_along_axis(relevance, head, axis=1), head_items, embeddings, diversity)
    return np.take_along_axis(head_items, order, axis=1)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """0-based rank of every item per row (0 = best); -inf items rank last."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(scores.shape[1])[None, :].repeat(len(scores), axis=0), axis=1)
    return ranks.astype(np.float32)


def _standardise(scores: np.ndarray) -> np.ndarray:
    finite = np.isfinite(scores)
    values = np.where(finite, scores, np.nan)
    mean = np.nanmean(values, axis=1, keepdims=True)
    std = np.nanstd(values, axis=1, keepdims=True)
    return np.where(finite, (scores - mean) / np.where(std > 0, std, 1.0), -10.0)


def _blend(ranker: np.ndarray, fallback: np.ndarray, weight) -> np.ndarray:
    return weight * ranker + (1 - weight) * fallback


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
