"""Self-serve privacy: settings, removing history, export and erasure. Views call these.

Semantics (ARCHITECTURE.md, "Privacy semantics"): personalisation off → only non-personalised
rows, and the user's events leave every later training set; history paused → no events stored;
remove a title → gone from every signal; erase → events and personal data deleted at once.
Every change of a setting is recorded with its time (PrivacyChange).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import PrivacyChange, User
from catalog.models import Title
from recommendations import rows
from recommendations.models import Event, Impression, SearchQuery, TagApplication

SWITCHES = (PrivacyChange.Setting.PERSONALIZATION, PrivacyChange.Setting.HISTORY_PAUSED)


@transaction.atomic
def update_privacy(user: User, *, personalization: bool | None = None, history_paused: bool | None = None) -> list[str]:
    """Change the given switches; returns the names of those that actually changed (each logged)."""
    wanted = {
        PrivacyChange.Setting.PERSONALIZATION: personalization,
        PrivacyChange.Setting.HISTORY_PAUSED: history_paused,
    }
    changed = [name for name, value in wanted.items() if value is not None and getattr(user, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(user, name, wanted[name])
    user.save(update_fields=changed)
    PrivacyChange.objects.bulk_create(
        PrivacyChange(user=user, setting=name, value="on" if wanted[name] else "off") for name in changed
    )
    rows.request_refresh(user.pk)
    return changed


def _signals_of(user: User) -> list[QuerySet]:
    """Everything that records what the user did with titles."""
    return [
        Event.objects.filter(user=user),
        Impression.objects.filter(user=user),
        TagApplication.objects.filter(user=user),
    ]


@transaction.atomic
def remove_title_from_history(user: User, title: Title) -> int:
    """Forget everything the user did with one title (events, impressions, clicks, their tags on
    it); returns how many records went. The title stays in "My list" if saved there: the list is
    the user's own bookmark, not a signal they asked to remove."""
    removed = sum(signal.filter(title=title).delete()[0] for signal in _signals_of(user))
    PrivacyChange.objects.create(user=user, setting=PrivacyChange.Setting.TITLE_REMOVED, value=title.title[:300])
    rows.request_refresh(user.pk)
    return removed


@transaction.atomic
def delete_history(user: User) -> int:
    """Delete every event, impression, click, user tag and search of the user; returns the count."""
    removed = sum(signal.delete()[0] for signal in [*_signals_of(user), SearchQuery.objects.filter(user=user)])
    PrivacyChange.objects.create(user=user, setting=PrivacyChange.Setting.HISTORY_DELETED, value=str(removed))
    rows.request_refresh(user.pk)
    return removed


@transaction.atomic
def erase_account(user: User) -> None:
    """Delete the account and, by cascade, every row that refers to it, at once.

    The next model version cannot contain the user: training data is read from these tables.
    """
    user.delete()
