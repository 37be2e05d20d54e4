"""Recording what people do: events, searches, impressions and clicks; and removing it again.

Write-side services (views call these). Recording is cheap (one insert) and must never break a
page: the callers that record as a side effect (a title page view, a search) use `record_quietly`.

Who acts is an `Actor`: a signed-in user, or an anonymous visitor known by their session. An
anonymous visitor's events wait in their session and join their account when they sign up or log
in (`merge_session_events`). Nothing is stored while a user has paused their history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from catalog.models import Title
from recommendations.models import Event, Impression, ListItem, SearchQuery

log = logging.getLogger(__name__)

SESSION_EVENTS_KEY = "marquee_pending_events"
MAX_SESSION_EVENTS = 200  # an anonymous session keeps its latest events, not an unbounded log
MAX_QUERY_LENGTH = 200
# Events that change what the home page should show; a page view does not.
REFRESHES_ROWS = {
    Event.Type.PROGRESS,
    Event.Type.COMPLETE,
    Event.Type.RATE,
    Event.Type.NOT_INTERESTED,
    Event.Type.ENROL,
}
VALUE_RANGES = {
    Event.Type.RATE: (1.0, 5.0),
    Event.Type.PROGRESS: (0.0, 1.0),
}


@dataclass(frozen=True)
class Actor:
    """The person behind a request: a user, or an anonymous session (user None)."""

    user: object | None
    session: SessionBase | None = None

    @classmethod
    def of(cls, request) -> Actor:
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, session=getattr(request, "session", None))

    @property
    def paused(self) -> bool:
        return self.user is not None and self.user.history_paused

    @property
    def session_key(self) -> str:
        """The anonymous visitor's session key, if they have a session already. Logging a search
        or an impression never creates one: a session row per crawler hit would cost more than
        the log is worth (an anonymous event does create one, as it is kept in the session)."""
        if self.session is None:
            return ""
        return self.session.session_key or ""


# --- Events ----------------------------------------------------------------------------------


def clean_event(title: Title, event_type: str, value) -> float | None:
    """Validate an event's type and value; raises ValidationError with field messages."""
    if event_type not in Event.Type.values:
        raise ValidationError({"type": f"Unknown event type {event_type!r}; expected one of {Event.Type.values}."})
    if event_type not in VALUE_RANGES:
        return None  # views, completions, enrolments and not-interested carry no value
    if value in (None, ""):
        raise ValidationError({"value": f"A {event_type} event needs a value."})
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError({"value": f"{value!r} is not a number."}) from None
    low, high = VALUE_RANGES[event_type]
    if not low <= number <= high:
        raise ValidationError({"value": f"A {event_type} value must be between {low:g} and {high:g}."})
    if event_type == Event.Type.RATE and number * 2 != int(number * 2):
        raise ValidationError({"value": "Ratings go in steps of half a star."})
    return number


def record_event(actor: Actor, title: Title, event_type: str, value=None, *, at: datetime | None = None) -> bool:
    """Store one event; returns whether anything was stored (False while history is paused).

    Only published titles can be acted on (a draft's id is treated as unknown by the callers).
    """
    number = clean_event(title, event_type, value)
    if actor.paused:
        return False
    at = at or timezone.now()
    if actor.user is None:
        _remember_in_session(actor, title, event_type, number, at)
        return True
    Event.objects.create(user=actor.user, title=title, type=event_type, value=number, timestamp=at)
    if event_type in REFRESHES_ROWS:
        from recommendations import rows  # rows read models and activity; imported when needed

        rows.request_refresh(actor.user.pk)
    return True


def record_quietly(func, *args, **kwargs) -> bool:
    """Run a recording function as a side effect: a database hiccup is logged, never raised,
    so that tracking cannot break the page that records it."""
    try:
        with transaction.atomic():
            return func(*args, **kwargs)
    except DatabaseError:
        log.exception("could not record activity with %s", getattr(func, "__name__", func))
        return False


def _remember_in_session(actor: Actor, title: Title, event_type: str, value, at: datetime) -> None:
    if actor.session is None:
        return
    pending = actor.session.get(SESSION_EVENTS_KEY, [])
    pending.append({"title": title.pk, "type": event_type, "value": value, "at": at.isoformat()})
    actor.session[SESSION_EVENTS_KEY] = pending[-MAX_SESSION_EVENTS:]


def session_events(session: SessionBase) -> list[dict]:
    return list(session.get(SESSION_EVENTS_KEY, []))


@transaction.atomic
def merge_session_events(session: SessionBase, user) -> int:
    """Move an anonymous session's events to the account that just signed in; returns how many.

    Titles that have since been deleted or unpublished are skipped, and nothing joins an account
    whose history is paused (the user asked for nothing to be stored).
    """
    pending = session.pop(SESSION_EVENTS_KEY, [])
    if not pending or user.history_paused:
        return 0
    published = set(Title.objects.published().filter(pk__in={e["title"] for e in pending}).values_list("pk", flat=True))
    events = [
        Event(
            user=user,
            title_id=e["title"],
            type=e["type"],
            value=e["value"],
            timestamp=datetime.fromisoformat(e["at"]),
        )
        for e in pending
        if e["title"] in published and e["type"] in Event.Type.values
    ]
    Event.objects.bulk_create(events)
    return len(events)


# --- My list ---------------------------------------------------------------------------------


def add_to_list(user, title: Title) -> bool:
    """Save a title to the user's list; returns False when it was already there."""
    _, created = ListItem.objects.get_or_create(user=user, title=title)
    return created


def remove_from_list(user, title: Title) -> bool:
    deleted, _ = ListItem.objects.filter(user=user, title=title).delete()
    return bool(deleted)


# --- Search, impressions, clicks -------------------------------------------------------------


def record_search(actor: Actor, query: str, result_count: int) -> bool:
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not query or actor.paused:
        return False
    SearchQuery.objects.create(
        user=actor.user,
        session_key="" if actor.user else actor.session_key,
        query=query,
        result_count=result_count,
    )
    return True


def record_impressions(actor: Actor, rows, *, model_version: str = "") -> int:
    """One impression per title shown in each row: `rows` are (row key, [titles]) pairs."""
    if actor.paused:
        return 0
    session_key = "" if actor.user else actor.session_key
    impressions = [
        Impression(
            user=actor.user,
            session_key=session_key,
            title=title,
            row=row_key,
            position=position,
            model_version=model_version,
        )
        for row_key, titles in rows
        for position, title in enumerate(titles, start=1)
    ]
    Impression.objects.bulk_create(impressions)
    return len(impressions)


def record_click(actor: Actor, title: Title, *, row: str, position: int, model_version: str = "") -> bool:
    if actor.paused:
        return False
    Impression.objects.create(
        user=actor.user,
        session_key="" if actor.user else actor.session_key,
        title=title,
        kind=Impression.Kind.CLICK,
        row=row[:64],
        position=position,
        model_version=model_version[:64],
    )
    return True
