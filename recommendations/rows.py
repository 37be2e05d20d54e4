"""The home page's rows for one viewer, each title with the reason it is there: reading them
(cache, then database, then computed), refreshing one user after an event, and precomputing
everyone in batches. The rows themselves are built in row_builders.

Rows, in order: Continue watching · Because you watched ⟨X⟩ (up to two) · Top picks for you ·
Popular in ⟨a category the user likes⟩ — personal — then Trending now · New releases · Staff
picks · Courses for everyone. Anonymous visitors, users with no history and users who turned
personalisation off get only the non-personalised rows. Pages never wait for training.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from catalog.models import Title
from catalog.selectors import CARD_FIELDS
from recommendations.models import UserRows
from recommendations.row_builders import Catalogue, Viewer, _generation, build, build_many, read_viewers

PUBLIC_TTL = 300  # seconds the non-personalised rows are cached for everyone
USER_TTL = 24 * 3600
HERO_FIELDS = ("synopsis", "duration_minutes")  # the featured title shows these too


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
        rows = [row.to_dict() for row in build(Viewer(user=None), Catalogue.read())]
        cache.set(key, rows, PUBLIC_TTL)
    return rows


def refresh(user) -> list[dict]:
    """Compute one user's rows now and store them (database and cache)."""
    return refresh_many([user])[user.pk]


def refresh_many(users: list, catalogue: Catalogue | None = None) -> dict[int, list[dict]]:
    """Compute and store the rows of a batch of users: one read of the catalogue, one query for
    their events, one call of the active model for all of them, one write."""
    catalogue = catalogue or Catalogue.read()
    viewers = read_viewers(users)
    catalogue.rank_for(viewers)
    pages = build_many(viewers, catalogue)
    computed = {viewer.user.pk: [row.to_dict() for row in page] for viewer, page in zip(viewers, pages, strict=True)}
    version = catalogue.active.version if catalogue.active else None
    now = timezone.now()
    UserRows.objects.bulk_create(
        [UserRows(user_id=pk, rows=page, model_version=version, computed_at=now) for pk, page in computed.items()],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["rows", "model_version", "computed_at"],
    )
    cache.set_many({_user_key(pk): page for pk, page in computed.items()}, USER_TTL)
    return computed


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


def refresh_chunk(user_ids: list[int]) -> int:
    """Task body for precomputation: refresh a chunk of users together; returns how many."""
    from accounts.models import User

    users = list(User.objects.filter(pk__in=user_ids, is_active=True, personalization=True))
    return len(refresh_many(users)) if users else 0


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


def _user_key(user_id: int) -> str:
    return f"rows:user:{user_id}:{_generation()}"


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
