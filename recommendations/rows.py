"""The home page's rows for one viewer, each title with the reason it is there.

Rows, in order: Continue watching · Because you watched ⟨X⟩ (up to two, X a recent title the user
liked) · Top picks for you · Popular in ⟨a category the user likes⟩ — all personal — then
Trending now · New releases · Staff picks · Courses for everyone. Anonymous visitors, users with
no history and users who turned personalisation off get only the non-personalised rows.

Rules for every page: no title twice; titles the user already watched, finished or marked not
interested never appear in a recommendation row; each row is diverse (no more than a third of a
row from one genre or category).

Rows are computed here (`compute`), stored per user (UserRows) and in the cache, refreshed for one
user right after a play, completion, rating or not-interested, and precomputed for everyone in
batches by Celery. Pages read them (`for_viewer`) and never wait for training.
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
from catalog.selectors import CARD_FIELDS
from recommendations import selectors, serving
from recommendations.models import Event, UserRows
from recommendations.training_data import EVENT_WEIGHTS

ROW_SIZE = 12
BECAUSE_ROWS = 2
MIN_SIMILARITY = 0.05  # of the most similar title's score
TRENDING_WINDOW = timedelta(days=14)
PUBLIC_TTL = 300  # seconds the non-personalised rows are cached for everyone
USER_TTL = 24 * 3600
LIKED_RATING = 4.0
RECENT_EVENTS = 500
CATEGORY_FACETS = ("genre", "category")
HERO_FIELDS = ("synopsis", "duration_minutes")  # the featured title shows these too


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
        return {
            "key": self.key,
            "title": self.title,
            "personalized": self.personalized,
            "source": self.source,
            "more_url": self.more_url,
            "items": [_item(p) for p in self.picks],
        }


@dataclass
class Viewer:
    """What the rows need to know about one user, read once."""

    user: object
    progress: dict[int, float | None] = field(default_factory=dict)  # started, not finished
    seen: set[int] = field(default_factory=set)  # every title with any event
    hidden: set[int] = field(default_factory=set)  # finished or not interested
    liked: list[int] = field(default_factory=list)  # most recent first
    history: list[tuple[int, float]] = field(default_factory=list)  # (title, weight) for models

    @property
    def personal(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated and self.user.personalization)


# --- Reading rows ------------------------------------------------------------------------------


def for_viewer(user) -> list[dict]:
    """The rows to show: personal ones from the cache or the database (computed on a miss),
    the public ones from a shared cache entry."""
    if not (user.is_authenticated and user.personalization):
        return public_rows()
    key = _user_key(user.pk)
    rows = cache.get(key)
    if rows is None:
        stored = UserRows.objects.filter(user=user).only("rows").first()
        rows = stored.rows if stored is not None else refresh(user)
        cache.set(key, rows, USER_TTL)
    return rows


def public_rows() -> list[dict]:
    key = f"rows:public:{_generation()}"
    rows = cache.get(key)
    if rows is None:
        rows = [row.to_dict() for row in _public(Viewer(user=None), set())]
        cache.set(key, rows, PUBLIC_TTL)
    return rows


def refresh(user) -> list[dict]:
    """Compute one user's rows now and store them (database and cache)."""
    rows = [row.to_dict() for row in compute(user)]
    active = serving.active()
    UserRows.objects.update_or_create(
        user=user,
        defaults={"rows": rows, "computed_at": timezone.now(), "model_version": active.version if active else None},
    )
    cache.set(_user_key(user.pk), rows, USER_TTL)
    return rows


def refresh_by_id(user_id: int) -> bool:
    """Task body: refresh one user's rows; a user who is gone or opted out has none stored."""
    from accounts.models import User

    cache.delete(_pending_key(user_id))  # events from now on schedule another refresh
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.personalization:
        UserRows.objects.filter(user_id=user_id).delete()
        cache.delete(_user_key(user_id))
        return False
    refresh(user)
    return True


def request_refresh(user_id: int) -> None:
    """After a play, completion, rating or not-interested: refresh the user's rows within seconds.

    Runs once the event is committed. Events that arrive while a refresh is already pending are
    picked up by it (it reads the database when it runs), so bursts cost one refresh.
    """
    from django.db import transaction

    from recommendations import tasks

    if cache.add(_pending_key(user_id), 1, timeout=60):
        transaction.on_commit(lambda: tasks.refresh_user_rows.delay(user_id))


def schedule_precompute() -> None:
    from recommendations import tasks

    tasks.precompute_rows.delay()


def personal_user_chunks(size: int):
    """Ids of active users with personalisation on who have events, in chunks of `size`."""
    from accounts.models import User

    ids = (
        User.objects.filter(is_active=True, personalization=True, events__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chunk: list[int] = []
    for user_id in ids.iterator(chunk_size=5000):
        chunk.append(user_id)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _pending_key(user_id: int) -> str:
    return f"rows:pending:{user_id}"


def invalidate_all() -> None:
    """A new model is active: every cached row is stale (a new generation of cache keys)."""
    try:
        cache.incr("rows:generation")
    except ValueError:
        cache.set("rows:generation", 2, None)


def _generation() -> int:
    return cache.get_or_set("rows:generation", 1, None)


def _user_key(user_id: int) -> str:
    return f"rows:user:{user_id}:{_generation()}"


# --- Computing rows ----------------------------------------------------------------------------


def compute(user) -> list[RowData]:
    viewer = read_viewer(user)
    shown = set(viewer.hidden)
    rows: list[RowData] = []
    if viewer.personal and viewer.seen:
        for make in (continue_watching, because_you_watched, top_picks, popular_in_category):
            rows.extend(make(viewer, shown))
    rows.extend(_public(viewer, shown))
    return [row for row in rows if row.picks]


def _public(viewer: Viewer, shown: set[int]) -> list[RowData]:
    rows = []
    for make in (featured, trending_now, new_releases, staff_picks, courses):
        rows.extend(make(viewer, shown))
    return [row for row in rows if row.picks]


def read_viewer(user) -> Viewer:
    viewer = Viewer(user=user)
    if user is None or not user.is_authenticated:
        return viewer
    events = Event.objects.filter(user=user).order_by("-timestamp", "-pk")[:RECENT_EVENTS]
    weights: dict[int, float] = defaultdict(float)
    for title_id, kind, value in events.values_list("title_id", "type", "value"):
        viewer.seen.add(title_id)
        if kind in (Event.Type.COMPLETE, Event.Type.NOT_INTERESTED):
            viewer.hidden.add(title_id)
        liked = (kind == Event.Type.RATE and (value or 0) >= LIKED_RATING) or kind == Event.Type.COMPLETE
        liked = liked or (kind == Event.Type.PROGRESS and (value or 0) >= 0.5)
        if liked and title_id not in viewer.liked:
            viewer.liked.append(title_id)
        if kind != Event.Type.VIEW:
            weights[title_id] += float(EVENT_WEIGHTS.for_types([kind], _nan_if_none([value]))[0])
    viewer.history = list(weights.items())
    viewer.progress = {title.pk: progress for title, progress in selectors.continue_watching(user)}
    return viewer


def continue_watching(viewer: Viewer, shown: set[int]) -> list[RowData]:
    picks = [Pick(pk, _progress_reason(p), p) for pk, p in viewer.progress.items() if pk not in shown]
    shown.update(p.title_id for p in picks)
    return [RowData("continue", "Continue watching", picks, personalized=True)]


def because_you_watched(viewer: Viewer, shown: set[int]) -> list[RowData]:
    served = serving.item_to_item() or serving.content()
    if served is None:
        return []
    names = dict(Title.objects.filter(pk__in=viewer.liked[: BECAUSE_ROWS * 3]).values_list("pk", "title"))
    rows = []
    for source in viewer.liked[: BECAUSE_ROWS * 3]:
        if len(rows) == BECAUSE_ROWS or source not in served.model.items:
            continue
        similar, scores = served.model.similar_items(source, k=ROW_SIZE * 4)
        # Only titles really like the source: "Because you watched X" over an unrelated title
        # would be a false reason (scores near zero are the popularity tie-break).
        related = [pk for pk, score in zip(similar, scores, strict=True) if score > MIN_SIMILARITY * max(scores[0], 0)]
        candidates = [int(pk) for pk in related if int(pk) not in shown and int(pk) not in viewer.seen]
        chosen = _diverse(_published(candidates), ROW_SIZE)
        if len(chosen) < 3:
            continue
        reason = f"Because you watched {names.get(source, 'a title you liked')}"
        shown.update(chosen)
        rows.append(RowData(f"because-{source}", reason, [Pick(pk, reason) for pk in chosen], True, source))
    return rows


def top_picks(viewer: Viewer, shown: set[int]) -> list[RowData]:
    served = serving.active()
    if served is None or not viewer.history:
        return []
    model, user_id = served.model, viewer.user.pk
    histories = {user_id: [(pk, w) for pk, w in viewer.history if pk in model.items]}
    if not histories[user_id]:
        return []
    ids, _ = model.recommend([user_id], k=ROW_SIZE * 4, histories=histories)
    candidates = [int(pk) for pk in ids[0] if pk is not None and int(pk) not in shown and int(pk) not in viewer.seen]
    chosen = _diverse(_published(candidates), ROW_SIZE)
    names = dict(Title.objects.filter(pk__in=[pk for pk, _ in viewer.history]).values_list("pk", "title"))
    picks = [Pick(pk, _reason(model.explain(user_id, pk, histories=histories), names)) for pk in chosen]
    shown.update(chosen)
    return [RowData("top-picks", "Top picks for you", picks, personalized=True)]


def popular_in_category(viewer: Viewer, shown: set[int]) -> list[RowData]:
    favourite = _favourite_tag(viewer.liked)
    if favourite is None:
        return []
    tag_id, tag_name = favourite
    candidates = (
        Title.objects.published()
        .filter(tags=tag_id)
        .exclude(pk__in=shown | viewer.seen)
        .annotate(people=Count("events__user", distinct=True))
        .order_by("-people", "-published_at", "pk")
        .values_list("pk", flat=True)[: ROW_SIZE * 3]
    )
    chosen = list(candidates)[:ROW_SIZE]
    reason = f"Popular in {tag_name}"
    shown.update(chosen)
    return [RowData(f"popular-in-{tag_id}", reason, [Pick(pk, reason) for pk in chosen], personalized=True)]


def trending_now(viewer: Viewer, shown: set[int]) -> list[RowData]:
    since = timezone.now() - TRENDING_WINDOW
    ranked = (
        Title.objects.published()
        .filter(events__timestamp__gte=since)
        .annotate(people=Count("events__user", distinct=True))
        .order_by("-people", "pk")
        .values_list("pk", flat=True)[: ROW_SIZE * 4]
    )
    chosen = _diverse([pk for pk in ranked if pk not in shown and pk not in viewer.seen], ROW_SIZE)
    shown.update(chosen)
    return [
        RowData("trending", "Trending now", [Pick(pk, "Trending: watched by many this fortnight") for pk in chosen])
    ]


def new_releases(viewer: Viewer, shown: set[int]) -> list[RowData]:
    newest = (
        Title.objects.published()
        .filter(release_date__lte=timezone.localdate())
        .order_by("-release_date", "pk")
        .values_list("pk", flat=True)[: ROW_SIZE * 4]
    )
    chosen = [pk for pk in newest if pk not in shown and pk not in viewer.seen][:ROW_SIZE]
    shown.update(chosen)
    return [
        RowData(
            "new-releases",
            "New releases",
            [Pick(pk, "New release") for pk in chosen],
            more_url=reverse("catalog:title_list") + "?sort=newest",
        )
    ]


def featured(viewer: Viewer, shown: set[int]) -> list[RowData]:
    """The newest staff pick the viewer has not hidden, shown large above the rows."""
    picks = Title.objects.published().filter(is_staff_pick=True).exclude(pk__in=shown).order_by("-published_at", "pk")
    chosen = list(picks.values_list("pk", flat=True)[:1])
    shown.update(chosen)
    return [RowData("featured", "Staff pick", [Pick(pk, "Picked by our editors") for pk in chosen])]


def staff_picks(viewer: Viewer, shown: set[int]) -> list[RowData]:
    picks = Title.objects.published().filter(is_staff_pick=True).order_by("-published_at", "pk")
    chosen = [pk for pk in picks.values_list("pk", flat=True)[: ROW_SIZE * 4] if pk not in shown][:ROW_SIZE]
    shown.update(chosen)
    return [RowData("staff-picks", "Staff picks", [Pick(pk, "Picked by our editors") for pk in chosen])]


def courses(viewer: Viewer, shown: set[int]) -> list[RowData]:
    newest = Title.objects.published().courses().order_by("-published_at", "pk").values_list("pk", flat=True)
    chosen = [pk for pk in newest[: ROW_SIZE * 4] if pk not in shown and pk not in viewer.seen][:ROW_SIZE]
    shown.update(chosen)
    return [
        RowData(
            "courses",
            "Courses",
            [Pick(pk, "New course") for pk in chosen],
            more_url=reverse("catalog:title_list") + "?kind=course",
        )
    ]


# --- Helpers -----------------------------------------------------------------------------------


def _published(candidates: list[int]) -> list[int]:
    """Candidates still published, in the given order (a model may know withdrawn titles)."""
    published = set(Title.objects.published().filter(pk__in=candidates).values_list("pk", flat=True))
    return [pk for pk in candidates if pk in published]


def _diverse(candidates: list[int], size: int) -> list[int]:
    """At most a third of a row from one genre or category; the rest, in order, fills up."""
    if not candidates:
        return []
    cap = max(1, math.ceil(size / 3))
    main = _main_tags(candidates)
    counts: Counter = Counter()
    chosen, spare = [], []
    for pk in candidates:
        tag = main.get(pk)
        if tag is not None and counts[tag] >= cap:
            spare.append(pk)
            continue
        counts[tag] += 1
        chosen.append(pk)
        if len(chosen) == size:
            return chosen
    while spare and len(chosen) < size:  # fill from the least represented genre first
        pk = min(spare, key=lambda candidate: counts[main.get(candidate)])
        spare.remove(pk)
        counts[main.get(pk)] += 1
        chosen.append(pk)
    return chosen


def _main_tags(title_ids: list[int]) -> dict[int, int]:
    through = Title.tags.through.objects.filter(title_id__in=title_ids, tag__facet__slug__in=CATEGORY_FACETS)
    main: dict[int, int] = {}
    for title_id, tag_id in through.order_by("tag__name").values_list("title_id", "tag_id"):
        main.setdefault(title_id, tag_id)
    return main


def _favourite_tag(liked: list[int]) -> tuple[int, str] | None:
    """The genre or category most frequent among the titles the user liked lately."""
    if not liked:
        return None
    through = Title.tags.through.objects.filter(title_id__in=liked[:50], tag__facet__slug__in=CATEGORY_FACETS)
    counts = Counter(through.values_list("tag_id", "tag__name"))
    return counts.most_common(1)[0][0] if counts else None


def _reason(reason, names: dict[int, str]) -> str:
    if reason.item_id is not None:
        return f"Because you watched {names.get(int(reason.item_id), 'a title you liked')}"
    return reason.text


def _progress_reason(progress: float | None) -> str:
    return f"You are {round(progress * 100)}% through" if progress else "You started this"


def _item(pick: Pick) -> dict:
    item = {"id": pick.title_id, "reason": pick.reason}
    if pick.progress is not None:
        item["progress"] = pick.progress
    return item


def _nan_if_none(values):
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


# --- Rendering --------------------------------------------------------------------------------


def hydrate(rows: list[dict], *, exclude: frozenset[int] = frozenset()) -> list[dict]:
    """Attach Title objects (one query for the page) and drop titles no longer published or
    that the viewer has since hidden; each title gets `.reason` and, when started, `.progress`."""
    ids = {item["id"] for row in rows for item in row["items"]}
    titles = Title.objects.published().only(*CARD_FIELDS, *HERO_FIELDS).in_bulk(ids)
    page, seen_on_page = [], set(exclude)
    for row in rows:
        shown = []
        for item in row["items"]:
            title = titles.get(item["id"])
            if title is None or title.pk in seen_on_page:
                continue
            seen_on_page.add(title.pk)
            title.reason, title.progress = item["reason"], item.get("progress")
            shown.append(title)
        if shown:
            page.append({**row, "titles": shown})
    return page
