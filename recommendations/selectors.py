"""Read-side queries over activity: a user's history, list, progress and what they hid.

Every function takes the user explicitly and filters on it: one user's data is never reachable
through another's request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, QuerySet

from catalog.models import Title
from catalog.selectors import CARD_FIELDS
from recommendations.models import Event, Impression, ListItem, SearchQuery

FINISHED_AT = 0.95  # a player's progress past this counts as finished, as credits roll
RECENT_EVENTS = 500  # Continue watching looks at this many latest events


@dataclass
class TitleState:
    """What the title page shows about the viewer's own relation to a title."""

    rating: float | None = None
    progress: float | None = None
    completed: bool = False
    enrolled: bool = False
    not_interested: bool = False
    in_list: bool = False


@dataclass
class HistoryEntry:
    title: Title
    last_at: datetime
    events: list[Event]


def title_state(user, title: Title) -> TitleState:
    if not user.is_authenticated:
        return TitleState()
    state = TitleState(in_list=ListItem.objects.filter(user=user, title=title).exists())
    # Oldest first, so that the latest rating or progress wins.
    for event in Event.objects.filter(user=user, title=title).order_by("timestamp", "pk"):
        if event.type == Event.Type.RATE:
            state.rating = event.value
        elif event.type == Event.Type.PROGRESS:
            state.progress = event.value
        elif event.type == Event.Type.COMPLETE:
            state.completed = True
        elif event.type == Event.Type.ENROL:
            state.enrolled = True
        elif event.type == Event.Type.NOT_INTERESTED:
            state.not_interested = True
    return state


def history(user, *, limit: int = 200) -> list[HistoryEntry]:
    """The user's titles, most recent activity first, each with its events (newest first)."""
    latest = (
        Event.objects.filter(user=user)
        .values("title_id")
        .annotate(last_at=Max("timestamp"))
        .order_by("-last_at", "-title_id")[:limit]
    )
    last_at = {row["title_id"]: row["last_at"] for row in latest}
    titles = Title.objects.only(*CARD_FIELDS).in_bulk(list(last_at))
    events: dict[int, list[Event]] = {pk: [] for pk in last_at}
    for event in Event.objects.filter(user=user, title_id__in=list(last_at)).order_by("-timestamp", "-pk"):
        events[event.title_id].append(event)
    return [HistoryEntry(titles[pk], last_at[pk], events[pk]) for pk in last_at if pk in titles]


def my_list(user) -> QuerySet:
    return (
        Title.objects.published()
        .filter(list_items__user=user)
        .only(*CARD_FIELDS)
        .order_by("-list_items__added_at", "title")
    )


def hidden_title_ids(user) -> frozenset[int]:
    """Titles never to recommend to the user: finished or marked not interested."""
    if not user.is_authenticated:
        return frozenset()
    hidden = Event.objects.filter(user=user, type__in=[Event.Type.COMPLETE, Event.Type.NOT_INTERESTED])
    return frozenset(hidden.values_list("title_id", flat=True))


def continue_watching(user, *, limit: int = 12) -> list[tuple[Title, float | None]]:
    """Titles the user started (progress or enrolment) and has not finished, latest first,
    each with its progress (0–1, None for an enrolment without progress yet)."""
    recent = Event.objects.filter(
        user=user, type__in=[Event.Type.PROGRESS, Event.Type.ENROL, Event.Type.COMPLETE]
    ).order_by("-timestamp", "-pk")[:RECENT_EVENTS]
    started: dict[int, float | None] = {}
    finished: set[int] = set()
    for event in recent.values("title_id", "type", "value"):
        pk = event["title_id"]
        if event["type"] == Event.Type.COMPLETE or (event["value"] or 0) >= FINISHED_AT:
            finished.add(pk)
        elif pk not in started or started[pk] is None:  # newest first: keep the latest progress
            started[pk] = event["value"] if event["type"] == Event.Type.PROGRESS else started.get(pk)
    order = [pk for pk in started if pk not in finished][:limit]
    titles = Title.objects.published().only(*CARD_FIELDS).in_bulk(order)
    return [(titles[pk], started[pk]) for pk in order if pk in titles]


# --- Export ----------------------------------------------------------------------------------


def exported_events(user) -> list[dict]:
    rows = (
        Event.objects.filter(user=user)
        .order_by("timestamp", "pk")
        .values("title_id", "title__title", "type", "value", "timestamp", "source")
    )
    return [
        {
            "title": row["title_id"],
            "title_name": row["title__title"],
            "type": row["type"],
            "value": row["value"],
            "timestamp": row["timestamp"].isoformat(),
            "source": row["source"],
        }
        for row in rows
    ]


def exported_list(user) -> list[dict]:
    rows = ListItem.objects.filter(user=user).values("title_id", "title__title", "added_at")
    return [
        {"title": r["title_id"], "title_name": r["title__title"], "added_at": r["added_at"].isoformat()} for r in rows
    ]


def exported_searches(user) -> list[dict]:
    rows = SearchQuery.objects.filter(user=user).values("query", "result_count", "timestamp")
    return [{"query": r["query"], "results": r["result_count"], "timestamp": r["timestamp"].isoformat()} for r in rows]


def exported_impressions(user) -> list[dict]:
    rows = Impression.objects.filter(user=user).values(
        "title_id", "kind", "row", "position", "model_version", "timestamp"
    )
    return [{**r, "timestamp": r["timestamp"].isoformat()} for r in rows]


# --- Training data ---------------------------------------------------------------------------


def training_events() -> QuerySet:
    """Events a model may learn from: users who turned personalisation off are left out.

    (Paused history stores nothing, and erased users' events are gone with them.)
    """
    return Event.objects.filter(user__personalization=True, user__is_active=True)
