"""The user's data export: one JSON document with everything Marquee holds about them."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from catalog.models import Title
from recommendations import rows
from recommendations import selectors as activity

EXPORT_VERSION = 1


def export_data(user: User) -> dict:
    """Profile, settings and their changes, every event, list, search, impression, and the rows
    currently recommended to the user with their reasons."""
    return {
        "format": "marquee-export",
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "profile": _profile(user),
        "settings": {"personalization": user.personalization, "history_paused": user.history_paused},
        "settings_changes": [
            {"setting": c.setting, "value": c.value, "changed_at": c.changed_at.isoformat()}
            for c in user.privacy_changes.all()
        ],
        "events": activity.exported_events(user),
        "my_list": activity.exported_list(user),
        "searches": activity.exported_searches(user),
        "impressions": activity.exported_impressions(user),
        "recommendations": _named(rows.for_viewer(user)),
    }


def _profile(user: User) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "age": user.age,
        "gender": user.gender,
        "occupation": user.occupation,
        "postcode": user.postcode,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def _named(page_rows: list[dict]) -> list[dict]:
    """The rows as served, each item with its title's name beside its id and reason."""
    ids = {item["id"] for row in page_rows for item in row["items"]}
    names = dict(Title.objects.filter(pk__in=ids).values_list("pk", "title"))
    return [
        {**row, "items": [{**item, "title": names.get(item["id"], "")} for item in row["items"]]} for row in page_rows
    ]
