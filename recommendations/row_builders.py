"""Building the home rows: one function per row, fed from a `Catalogue` read once per batch of
users (public rankings, genres, names, the models) and a `Viewer` per user.

Rules every row follows: no title twice on a page (`shown`); titles the viewer already has any
history with appear only in Continue watching, and finished or dismissed ones never at all;
each row is diverse (no more than a third from one genre or category); each title has a reason.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.core.cache import cache
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from catalog.models import Title
from recommendations import serving
from recommendations.models import Event
from recommendations.training_data import EVENT_WEIGHTS

ROW_SIZE = 12
BECAUSE_ROWS = 2
MIN_SIMILARITY = 0.05  # of the most similar title's score
TRENDING_WINDOW = timedelta(days=14)
LIKED_RATING = 4.0
RECENT_EVENTS = 500
FINISHED_AT = 0.95
CATEGORY_FACETS = ("genre", "category")
CANDIDATES = ROW_SIZE * 4
RANKINGS_TTL = 300  # seconds


@dataclass
class Pick:
    title_id: int
    reason: str
    progress: float | None = None  # Continue watching: how far the viewer got


@dataclass
class RowData:
    key: str
    title: str
    picks: list[Pick]
    personalized: bool = False
    source: int | None = None  # the watched title behind a Because-you-watched row
    more_url: str = ""

    def to_dict(self) -> dict:
        items = []
        for pick in self.picks:
            item = {"id": pick.title_id, "reason": pick.reason}
            if pick.progress is not None:
                item["progress"] = pick.progress
            items.append(item)
        return {
            "key": self.key,
            "title": self.title,
            "personalized": self.personalized,
            "source": self.source,
            "more_url": self.more_url,
            "items": items,
        }


@dataclass
class Viewer:
    """What the rows need to know about one user (None: anonymous)."""

    user: object | None
    progress: dict[int, float | None] = field(default_factory=dict)  # started, not finished; latest first
    seen: set[int] = field(default_factory=set)  # every title with any event
    hidden: set[int] = field(default_factory=set)  # finished or not interested
    liked: list[int] = field(default_factory=list)  # most recent first
    history: list[tuple[int, float]] = field(default_factory=list)  # (title, weight) for the models

    @property
    def personal(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated and self.user.personalization)


@dataclass
class Catalogue:
    """Everything rows read that does not depend on the viewer; built once per batch."""

    public: dict[str, list[int]]  # ranked candidates of each public row
    published: set[int]
    main_tag: dict[int, int]  # title → its first genre or category tag
    tag_names: dict[int, str]
    names: dict[int, str]  # title → name, for reasons
    kinds: dict[int, str]  # title → movie or course
    active: serving.Served | None
    similar: serving.Served | None
    picks: dict[int, list[int]] = field(default_factory=dict)  # user → the active model's ranking
    _similar: dict[int, list[int]] = field(default_factory=dict)
    _popular_in: dict[int, list[int]] = field(default_factory=dict)
    _histories: dict[int, list[tuple[int, float]]] = field(default_factory=dict)  # user → history the model knows
    _unexplained: dict[int, list[Pick]] = field(default_factory=dict)  # user → Top picks awaiting reasons

    @classmethod
    def read(cls) -> Catalogue:
        published = Title.objects.published()
        titles = list(Title.objects.values_list("pk", "title", "kind"))
        through = Title.tags.through.objects.filter(title__is_published=True, tag__facet__slug__in=CATEGORY_FACETS)
        main_tag: dict[int, int] = {}
        tag_names: dict[int, str] = {}
        for title_id, tag_id, name in through.order_by("tag__name").values_list("title_id", "tag_id", "tag__name"):
            main_tag.setdefault(title_id, tag_id)
            tag_names[tag_id] = name
        return cls(
            public=_cached(f"rows:rankings:{_generation()}", _public_rankings),
            published=set(published.values_list("pk", flat=True)),
            main_tag=main_tag,
            tag_names=tag_names,
            names={pk: name for pk, name, _ in titles},
            kinds={pk: kind for pk, _, kind in titles},
            active=serving.active(),
            similar=serving.item_to_item() or serving.content(),
        )

    def rank_for(self, viewers: list[Viewer]) -> None:
        """The active model's ranking for every personal viewer with history, in one call."""
        if self.active is None:
            return
        model = self.active.model
        histories = {v.user.pk: [(pk, w) for pk, w in v.history if pk in model.items] for v in viewers if v.personal}
        histories = {user_id: events for user_id, events in histories.items() if events}
        if not histories:
            return
        self._histories.update(histories)  # the Top picks are explained from the same histories
        ids, _ = model.recommend(list(histories), k=CANDIDATES, histories=histories)
        for user_id, row in zip(histories, ids, strict=True):
            self.picks[user_id] = [int(pk) for pk in row if pk is not None]

    def similar_to(self, source: int) -> list[int]:
        if source not in self._similar:
            self._similar[source] = _similar(self.similar, source)
        return self._similar[source]

    def explain_later(self, viewer: Viewer, picks: list[Pick]) -> None:
        self._unexplained[viewer.user.pk] = picks

    def explain_pending(self) -> None:
        """Fill in the reasons of every Top pick built so far with one call of the model: asking
        user by user was most of a batch's time with the hybrid."""
        if not self._unexplained:
            return
        requests = {user_id: [pick.title_id for pick in picks] for user_id, picks in self._unexplained.items()}
        histories = {user_id: self._histories[user_id] for user_id in requests}  # ranked in rank_for
        reasons = self.active.model.explain_batch(requests, histories=histories)
        for user_id, picks in self._unexplained.items():
            for pick, reason in zip(picks, reasons[user_id], strict=True):
                pick.reason = _reason(reason, self.names)
        self._unexplained.clear()

    def popular_in(self, tag_id: int) -> list[int]:
        if tag_id not in self._popular_in:
            key = f"rows:popular-in:{tag_id}:{_generation()}"
            self._popular_in[tag_id] = _cached(key, lambda: _popular_in(tag_id))
        return self._popular_in[tag_id]


def _popular_in(tag_id: int) -> list[int]:
    ranked = (
        Title.objects.published()
        .filter(tags=tag_id)
        .annotate(people=Count("events__user", distinct=True))
        .order_by("-people", "-published_at", "pk")
        .values_list("pk", flat=True)[: CANDIDATES * 4]
    )
    return list(ranked)


def _cached(key: str, compute):
    """Rankings shared by every viewer: counting people over all events is the costliest query of
    a refresh (seconds on millions of events), and a few minutes' staleness does not matter."""
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, RANKINGS_TTL)
    return value


def _generation() -> int:
    return cache.get_or_set("rows:generation", 1, None)


def _similar(served, source: int) -> list[int]:
    if served is None or source not in served.model.items:
        return []
    similar, scores = served.model.similar_items(source, k=CANDIDATES)
    if not len(scores):
        return []
    # Only titles really like the source: "Because you watched X" over an unrelated title would
    # be a false reason (scores near zero are the popularity tie-break).
    floor = MIN_SIMILARITY * max(float(scores[0]), 0.0)
    return [int(pk) for pk, score in zip(similar, scores, strict=True) if score > floor]


def _public_rankings() -> dict[str, list[int]]:
    published = Title.objects.published()
    since = timezone.now() - TRENDING_WINDOW
    trending = (
        published.filter(events__timestamp__gte=since)
        .annotate(people=Count("events__user", distinct=True))
        .order_by("-people", "pk")
    )
    newest = published.filter(release_date__lte=timezone.localdate()).order_by("-release_date", "pk")
    picks = published.filter(is_staff_pick=True).order_by("-published_at", "pk")
    courses = published.courses().order_by("-published_at", "pk")
    return {
        "trending": list(trending.values_list("pk", flat=True)[:CANDIDATES]),
        "new-releases": list(newest.values_list("pk", flat=True)[:CANDIDATES]),
        "staff-picks": list(picks.values_list("pk", flat=True)[:CANDIDATES]),
        "courses": list(courses.values_list("pk", flat=True)[:CANDIDATES]),
    }


# --- Viewers -----------------------------------------------------------------------------------


def read_viewers(users: list) -> list[Viewer]:
    """Viewers for a batch of users from one query over their latest events."""
    viewers = {user.pk: Viewer(user=user) for user in users if user is not None and user.is_authenticated}
    if not viewers:
        return [Viewer(user=user) for user in users]
    events = (
        Event.objects.filter(user_id__in=list(viewers))
        .order_by("user_id", "-timestamp", "-pk")
        .values_list("user_id", "title_id", "type", "value")
    )
    weights: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    counted: Counter = Counter()
    for user_id, title_id, kind, value in events.iterator(chunk_size=5000):
        counted[user_id] += 1
        if counted[user_id] <= RECENT_EVENTS:
            _take(viewers[user_id], weights[user_id], title_id, kind, value)
    for user_id, viewer in viewers.items():
        viewer.history = list(weights[user_id].items())
        viewer.progress = {pk: p for pk, p in viewer.progress.items() if pk not in viewer.hidden}
    return [viewers.get(getattr(user, "pk", None)) or Viewer(user=user) for user in users]


def _take(viewer: Viewer, weights: dict[int, float], title_id: int, kind: str, value) -> None:
    """Fold one event (newest first) into the viewer."""
    viewer.seen.add(title_id)
    if kind in (Event.Type.COMPLETE, Event.Type.NOT_INTERESTED) or (
        kind == Event.Type.PROGRESS and (value or 0) >= FINISHED_AT
    ):
        viewer.hidden.add(title_id)
    if kind in (Event.Type.PROGRESS, Event.Type.ENROL) and title_id not in viewer.progress:
        viewer.progress[title_id] = value if kind == Event.Type.PROGRESS else None
    liked = (kind == Event.Type.RATE and (value or 0) >= LIKED_RATING) or kind == Event.Type.COMPLETE
    if (liked or (kind == Event.Type.PROGRESS and (value or 0) >= 0.5)) and title_id not in viewer.liked:
        viewer.liked.append(title_id)
    if kind != Event.Type.VIEW:
        value_array = np.array([np.nan if value is None else value], dtype=np.float64)
        weights[title_id] += float(EVENT_WEIGHTS.for_types([kind], value_array)[0])


# --- Rows ------------------------------------------------------------------------------------


def build_many(viewers: list[Viewer], catalogue: Catalogue) -> list[list[RowData]]:
    """Every viewer's rows, in order; the Top picks' reasons are asked of the model once for all."""
    pages = [_build(viewer, catalogue) for viewer in viewers]
    catalogue.explain_pending()
    return pages


def build(viewer: Viewer, catalogue: Catalogue) -> list[RowData]:
    return build_many([viewer], catalogue)[0]


def _build(viewer: Viewer, catalogue: Catalogue) -> list[RowData]:
    shown = set(viewer.hidden)
    rows: list[RowData] = []
    if viewer.personal and viewer.seen:
        for make in (continue_watching, because_you_watched, top_picks, popular_in_category):
            rows.extend(make(viewer, catalogue, shown))
    for make in (featured, trending_now, new_releases, staff_picks, courses):
        rows.extend(make(viewer, catalogue, shown))
    return [row for row in rows if row.picks]


def continue_watching(viewer: Viewer, catalogue: Catalogue, shown: set[int]) -> list[RowData]:
    started = [(pk, p) for pk, p in viewer.progress.items() if pk not in shown and pk in catalogue.published]
    picks = [Pick(pk, _progress_reason(p), p) for pk, p in started[:ROW_SIZE]]
    shown.update(p.title_id for p in picks)
    return [RowData("continue", "Continue watching", picks, personalized=True)]


def because_you_watched(viewer: Viewer, catalogue: Catalogue, shown: set[int]) -> list[RowData]:
    rows = []
    for source in viewer.liked[: BECAUSE_ROWS * 3]:
        if len(rows) == BECAUSE_ROWS:
            break
        # A film leads to films and a course to courses: "Because you watched" a thriller, a
        # language course would be a false reason even when the same people took both.
        kind = catalogue.kinds.get(source)
        similar = [pk for pk in catalogue.similar_to(source) if catalogue.kinds.get(pk) == kind]
        candidates = _fresh(similar, viewer, catalogue, shown)
        chosen = _diverse(candidates, ROW_SIZE, catalogue.main_tag)
        if len(chosen) < 3:
            continue
        reason = f"Because you watched {catalogue.names.get(source, 'a title you liked')}"
        shown.update(chosen)
        rows.append(RowData(f"because-{source}", reason, [Pick(pk, reason) for pk in chosen], True, source))
    return rows


def top_picks(viewer: Viewer, catalogue: Catalogue, shown: set[int]) -> list[RowData]:
    if catalogue.active is None:
        return []
    if viewer.user.pk not in catalogue.picks:
        catalogue.rank_for([viewer])
    candidates = _fresh(catalogue.picks.get(viewer.user.pk, []), viewer, catalogue, shown)
    chosen = _diverse(candidates, ROW_SIZE, catalogue.main_tag)
    if not chosen:
        return []
    picks = [Pick(pk, "") for pk in chosen]
    catalogue.explain_later(viewer, picks)
    shown.update(chosen)
    return [RowData("top-picks", "Top picks for you", picks, personalized=True)]


def popular_in_category(viewer: Viewer, catalogue: Catalogue, shown: set[int]) -> list[RowData]:
    liked_tags = Counter(catalogue.main_tag[pk] for pk in viewer.liked[:50] if pk in catalogue.main_tag)
    if not liked_tags:
        return []
    tag_id = liked_tags.most_common(1)[0][0]
    chosen = _fresh(catalogue.popular_in(tag_id), viewer, catalogue, shown)[:ROW_SIZE]
    reason = f"Popular in {catalogue.tag_names[tag_id]}"
    shown.update(chosen)
    return [RowData(f"popular-in-{tag_id}", reason, [Pick(pk, reason) for pk in chosen], personalized=True)]


def featured(viewer: Viewer, catalogue: Catalogue, shown: set[int]) -> list[RowData]:
    """The newest staff pick the viewer has not hidden, shown large above the rows."""
    chosen = _fresh(catalogue.public["staff-picks"], viewer, catalogue, shown)[:1]
    shown.update(chosen)
    return [RowData("featured", "Staff pick", [Pick(pk, "Picked by our editors") for pk in chosen])]


def trending_now(viewer: Viewer, catalogue: Catalogue, shown: set[int]) -> list[RowData]:
    chosen = _diverse(_fresh(catalogue.public["trending"], viewer, catalogue, shown), ROW_SIZE, catalogue.main_tag)
    shown.update(chosen)
    reason = "Trending: watched by many this fortnight"
    return [RowData("trending", "Trending now", [Pick(pk, reason) for pk in chosen])]


def new_releases(viewer: Viewer, catalogue: Catalogue, shown: set[int]) -> list[RowData]:
    chosen = _fresh(catalogue.public["new-releases"], viewer, catalogue, shown)[:ROW_SIZE]
    shown.update(chosen)
    more = reverse("catalog:title_list") + "?sort=newest"
    return [RowData("new-releases", "New releases", [Pick(pk, "New release") for pk in chosen], more_url=more)]


def staff_picks(viewer: Viewer, catalogue: Catalogue, shown: set[int]) -> list[RowData]:
    chosen = _fresh(catalogue.public["staff-picks"], viewer, catalogue, shown)[:ROW_SIZE]
    shown.update(chosen)
    return [RowData("staff-picks", "Staff picks", [Pick(pk, "Picked by our editors") for pk in chosen])]


def courses(viewer: Viewer, catalogue: Catalogue, shown: set[int]) -> list[RowData]:
    chosen = _fresh(catalogue.public["courses"], viewer, catalogue, shown)[:ROW_SIZE]
    shown.update(chosen)
    more = reverse("catalog:title_list") + "?kind=course"
    return [RowData("courses", "Courses", [Pick(pk, "New course") for pk in chosen], more_url=more)]


# --- Helpers -----------------------------------------------------------------------------------


def _fresh(candidates: list[int], viewer: Viewer, catalogue: Catalogue, shown: set[int]) -> list[int]:
    """Published candidates not yet on the page and new to the viewer, in order."""
    return [pk for pk in candidates if pk in catalogue.published and pk not in shown and pk not in viewer.seen]


def _diverse(candidates: list[int], size: int, main_tag: dict[int, int]) -> list[int]:
    """At most a third of a row from one genre or category; the rest filled least-represented first."""
    cap = max(1, math.ceil(size / 3))
    counts: Counter = Counter()
    chosen, spare = [], []
    for pk in candidates:
        tag = main_tag.get(pk)
        if tag is not None and counts[tag] >= cap:
            spare.append(pk)
            continue
        counts[tag] += 1
        chosen.append(pk)
        if len(chosen) == size:
            return chosen
    while spare and len(chosen) < size:
        pk = min(spare, key=lambda candidate: counts[main_tag.get(candidate)])
        spare.remove(pk)
        counts[main_tag.get(pk)] += 1
        chosen.append(pk)
    return chosen


def _reason(reason, names: dict[int, str]) -> str:
    if reason.item_id is not None:
        return f"Because you watched {names.get(int(reason.item_id), 'a title you liked')}"
    return reason.text


def _progress_reason(progress: float | None) -> str:
    return f"You are {round(progress * 100)}% through" if progress else "You started this"
