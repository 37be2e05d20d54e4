"""Pages and endpoints for a viewer's own activity: recording events, the player stand-in,
My list and My history. Views parse input and call services (writes) or selectors (reads)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts import services as privacy
from accounts.ratelimit import rate_limited
from catalog import selectors as catalog
from catalog.models import Title
from recommendations import activity, selectors
from recommendations.activity import Actor
from recommendations.forms import EventForm
from recommendations.models import Event

MAX_BODY_BYTES = 16 * 1024
CONFIRMATIONS = {
    Event.Type.RATE: "Thanks, your rating is saved.",
    Event.Type.NOT_INTERESTED: "Got it: we won't recommend this again.",
    Event.Type.ENROL: "You're enrolled.",
    Event.Type.COMPLETE: "Marked as finished.",
}


def _actor_key(request: HttpRequest) -> list[str]:
    if request.user.is_authenticated:
        return [f"user:{request.user.pk}"]
    return [f"session:{request.session.session_key or request.META.get('REMOTE_ADDR', '')}"]


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _event_input(request: HttpRequest) -> dict | None:
    if request.content_type != "application/json":
        return request.POST
    if len(request.body) > MAX_BODY_BYTES:
        return None
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


@require_POST
@rate_limited("events", keys=_actor_key, json=True)
def record_event(request: HttpRequest) -> HttpResponse:
    """POST title, type, value: from the title page's forms (redirects back) or the player (JSON)."""
    data = _event_input(request)
    if data is None:
        return JsonResponse({"errors": {"body": ["Send one JSON object with title, type and value."]}}, status=400)
    form = EventForm(data)
    errors = form.errors if not form.is_valid() else None
    stored = False
    if errors is None:
        title, event_type, value = form.cleaned_data["title"], form.cleaned_data["type"], form.cleaned_data["value"]
        try:
            stored = activity.record_event(Actor.of(request), title, event_type, value)
        except ValidationError as error:
            errors = error.message_dict
    if _wants_json(request):
        if errors:
            return JsonResponse({"errors": errors}, status=400)
        return JsonResponse({"stored": stored, "paused": not stored}, status=201 if stored else 200)
    if errors:
        return render(request, "recommendations/event_error.html", {"errors": errors}, status=400)
    _confirm(request, event_type, stored)
    return redirect(_safe_next(request, title.get_absolute_url()))


def _confirm(request: HttpRequest, event_type: str, stored: bool) -> None:
    if not stored:
        messages.info(request, "Your history is paused, so this was not saved.")
    elif event_type in CONFIRMATIONS:
        messages.success(request, CONFIRMATIONS[event_type])


@require_GET
def player(request: HttpRequest, slug: str) -> HttpResponse:
    """A stand-in for a real player: it reports progress and completion as a real one would."""
    title = get_object_or_404(catalog.title_page_titles(viewer=request.user), slug=slug)
    state = selectors.title_state(request.user, title)
    lessons = range(1, (title.lesson_count or 0) + 1) if title.kind == Title.Kind.COURSE else range(0)
    return render(request, "recommendations/player.html", {"title": title, "state": state, "lessons": lessons})


@login_required
@require_GET
def my_list(request: HttpRequest) -> HttpResponse:
    return render(request, "recommendations/my_list.html", {"titles": selectors.my_list(request.user)})


@login_required
@require_POST
def list_toggle(request: HttpRequest, title_id: int) -> HttpResponse:
    title = get_object_or_404(Title.objects.published(), pk=title_id)
    if request.POST.get("action") == "remove":
        activity.remove_from_list(request.user, title)
        messages.success(request, f"Removed “{title.title}” from My list.")
    else:
        activity.add_to_list(request.user, title)
        messages.success(request, f"Saved “{title.title}” to My list.")
    return redirect(_safe_next(request, title.get_absolute_url()))


@login_required
@require_GET
def my_history(request: HttpRequest) -> HttpResponse:
    return render(request, "recommendations/history.html", {"entries": selectors.history(request.user)})


@login_required
@require_POST
def remove_from_history(request: HttpRequest, title_id: int) -> HttpResponse:
    # Any title, published or not: a user may forget a title that has since been withdrawn.
    title = get_object_or_404(Title, pk=title_id)
    privacy.remove_title_from_history(request.user, title)
    messages.success(request, f"Removed “{title.title}” from your history. It no longer shapes your recommendations.")
    return redirect(_safe_next(request, "activity:history"))
