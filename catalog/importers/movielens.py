"""Importing a MovieLens data set: titles, genres, users, ratings and user tags, in one transaction.

The files are parsed and validated completely (movielens_files) before anything is written;
the writes then run inside one transaction.atomic(), so a failure leaves the database as it was.
Re-imports are idempotent: rows are matched by (source, external id) or user name, updated only
when a field differs, and events and tag applications already stored are skipped.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from datetime import time as midnight
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.importers.errors import ImportDataError
from catalog.importers.events import insert_rating_events
from catalog.importers.movielens_files import Dataset, Movie, MovieLensUser, read_dataset
from catalog.importers.progress import ImportReport, Progress, chunked
from catalog.importers.slugs import SlugAllocator
from catalog.importers.tags import TagResolver
from catalog.models import Facet, Title
from recommendations.models import TagApplication

TitleTag = Title.tags.through
USERNAME_PREFIX = re.compile(r"^[\w.@+-]*$")
DEMOGRAPHICS = ("age", "gender", "occupation", "postcode")
TITLE_FIELDS = ("title", "year", "release_date")
BATCH = 2000


def import_movielens(directory: Path, *, user_prefix: str | None = None, progress: Progress) -> ImportReport:
    """Import the MovieLens data set in `directory` (layout detected from its files)."""
    report = ImportReport()
    with report.timed("read files"):
        dataset = read_dataset(directory, progress)
    prefix = dataset.layout.user_prefix if user_prefix is None else user_prefix
    if not USERNAME_PREFIX.match(prefix):
        raise ImportDataError(f"user prefix {prefix!r} may contain only letters, digits and @.+-_")
    with transaction.atomic():
        _write(dataset, prefix, report, progress)
        commit_started = time.perf_counter()
    # PostgreSQL checks the deferred foreign keys of every new event at commit: worth showing.
    report.seconds["commit"] = time.perf_counter() - commit_started
    return report


def _write(dataset: Dataset, prefix: str, report: ImportReport, progress: Progress) -> None:
    with report.timed("titles, tags, users"):
        existing_users = _existing_users(dataset, prefix)  # checks ownership before any write
        title_pks = _upsert_titles(dataset, report, progress)
        keywords = _link_tags(dataset, title_pks, report)
        user_pks = _upsert_users(dataset, prefix, existing_users, report)
    with report.timed("events"):
        source = dataset.layout.source
        ratings = dataset.ratings
        created = insert_rating_events(
            ratings, user_pks=user_pks, title_pks=title_pks, source=source, progress=progress
        )
    report.add("rating events", created=created, unchanged=len(ratings) - created)
    with report.timed("tag applications"):
        _insert_tag_applications(dataset, user_pks, title_pks, keywords, report)


# --- Titles ---------------------------------------------------------------------------------


def _upsert_titles(dataset: Dataset, report: ImportReport, progress: Progress) -> dict[int, int]:
    """Create or update one Title per movie; returns {movie id: title pk}."""
    source = dataset.layout.source
    existing = {
        title.external_id: title
        for title in Title.objects.filter(source=source).only("id", "external_id", "slug", *TITLE_FIELDS)
    }
    slugs = SlugAllocator(Title.objects.values_list("slug", flat=True), Title._meta.get_field("slug").max_length)
    now = timezone.now()
    new, changed = [], []
    # Ascending ids, so that slug suffixes for clashing names come out the same on every run.
    for movie in sorted(dataset.movies.values(), key=lambda movie: movie.movie_id):
        title = existing.get(str(movie.movie_id))
        if title is None:
            new.append(_new_title(movie, source, slugs, now))
        elif _apply_movie(title, movie):
            title.updated_at = now  # bulk_update skips auto_now
            changed.append(title)
    with progress.bar("titles", total=len(new) + len(changed)) as bar:
        for batch in chunked(new, BATCH):
            Title.objects.bulk_create(batch)
            bar.update(len(batch))
        Title.objects.bulk_update(changed, [*TITLE_FIELDS, "updated_at"], batch_size=BATCH)
        bar.update(len(changed))
    matched = len(dataset.movies) - len(new)
    report.add("titles", created=len(new), updated=len(changed), unchanged=matched - len(changed))
    pks = dict(Title.objects.filter(source=source).values_list("external_id", "id"))
    return {movie_id: pks[str(movie_id)] for movie_id in dataset.movies}


def _new_title(movie: Movie, source: str, slugs: SlugAllocator, now: datetime) -> Title:
    slug_text = f"{movie.title} {movie.year}" if movie.year else movie.title
    published_at = datetime.combine(movie.release_date, midnight(), tzinfo=UTC) if movie.release_date else now
    return Title(
        kind=Title.Kind.MOVIE,
        title=movie.title,
        slug=slugs.allocate(slug_text, fallback=f"movie-{movie.movie_id}"),
        year=movie.year,
        release_date=movie.release_date,
        is_published=True,
        published_at=published_at,
        source=source,
        external_id=str(movie.movie_id),
    )


def _apply_movie(title: Title, movie: Movie) -> bool:
    """Copy the fields the data set owns onto an existing title; True if anything changed.

    The slug, publication state and everything editors add are left alone.
    """
    wanted = {"title": movie.title, "year": movie.year, "release_date": movie.release_date}
    changed = {name: value for name, value in wanted.items() if getattr(title, name) != value}
    for name, value in changed.items():
        setattr(title, name, value)
    return bool(changed)


# --- Tags -----------------------------------------------------------------------------------


def _link_tags(dataset: Dataset, title_pks: dict[int, int], report: ImportReport) -> TagResolver:
    """Genres (facet "genre") and user tags (facet "keyword") become tags linked to the titles.

    Returns the keyword resolver, which now knows the pk of every user tag.
    """
    genres = TagResolver(Facet.objects.get(slug="genre"))
    keywords = TagResolver(Facet.objects.get(slug="keyword"))
    pairs = [
        (title_pks[movie.movie_id], genres.resolve(name)) for movie in dataset.movies.values() for name in movie.genres
    ]
    pairs += [(title_pks[row.movie_id], keywords.resolve(row.tag)) for row in dataset.tag_applications]
    report.add("tags", created=genres.save() + keywords.save())
    _add_title_tags({(title, tag.pk) for title, tag in pairs}, report)
    return keywords


def _add_title_tags(pairs: set[tuple[int, int]], report: ImportReport) -> None:
    existing: set[tuple[int, int]] = set()
    title_ids = sorted({title for title, _ in pairs})
    for batch in chunked(title_ids, BATCH):
        existing.update(TitleTag.objects.filter(title_id__in=batch).values_list("title_id", "tag_id"))
    missing = sorted(pairs - existing)
    TitleTag.objects.bulk_create(
        [TitleTag(title_id=title, tag_id=tag) for title, tag in missing], batch_size=BATCH, ignore_conflicts=True
    )
    report.add("title tag links", created=len(missing), unchanged=len(pairs) - len(missing))


# --- Users ----------------------------------------------------------------------------------


def _existing_users(dataset: Dataset, prefix: str) -> dict[str, User]:
    """Accounts already holding the user names this import will use; they must be ours."""
    usernames = [f"{prefix}{user_id}" for user_id in dataset.all_user_ids()]
    existing: dict[str, User] = {}
    for batch in chunked(usernames, BATCH):
        for user in User.objects.filter(username__in=batch).only("id", "username", "source", *DEMOGRAPHICS):
            existing[user.username] = user
    source = dataset.layout.source
    for user in existing.values():
        if user.source != source:
            raise ImportDataError(
                f"the user name {user.username} already belongs to an account from "
                f"{user.source or 'sign-up'!r}, not {source!r}; choose another --user-prefix"
            )
    return existing


def _upsert_users(dataset: Dataset, prefix: str, existing: dict[str, User], report: ImportReport) -> dict[int, int]:
    """Create or update one account per MovieLens user; returns {MovieLens user id: user pk}."""
    source = dataset.layout.source
    new, changed = [], []
    for user_id in dataset.all_user_ids():
        username = f"{prefix}{user_id}"
        profile = dataset.users.get(user_id)
        user = existing.get(username)
        if user is None:
            # No usable password: these people cannot log in; make_password(None) marks that.
            user = User(username=username, password=make_password(None), source=source)
            _apply_profile(user, profile)
            new.append(user)
        elif _apply_profile(user, profile):
            changed.append(user)
    User.objects.bulk_create(new, batch_size=BATCH)
    User.objects.bulk_update(changed, DEMOGRAPHICS, batch_size=BATCH)
    report.add("users", created=len(new), updated=len(changed), unchanged=len(existing) - len(changed))
    pks = {user.username: user.pk for user in [*existing.values(), *new]}
    if None in pks.values():  # backends without RETURNING
        for batch in chunked(list(pks), BATCH):
            pks.update(User.objects.filter(username__in=batch).values_list("username", "id"))
    return {user_id: pks[f"{prefix}{user_id}"] for user_id in dataset.all_user_ids()}


def _apply_profile(user: User, profile: MovieLensUser | None) -> bool:
    """Copy demographics from the users file (when the data set has one); True if anything changed."""
    if profile is None:
        return False
    changed = False
    for name in DEMOGRAPHICS:
        value = getattr(profile, name)
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed = True
    return changed


# --- Tag applications -----------------------------------------------------------------------


def _insert_tag_applications(
    dataset: Dataset,
    user_pks: dict[int, int],
    title_pks: dict[int, int],
    keywords: TagResolver,
    report: ImportReport,
) -> None:
    if not dataset.tag_applications:
        return
    source = dataset.layout.source
    before = TagApplication.objects.filter(source=source).count()
    applications = [
        TagApplication(
            user_id=user_pks[row.user_id],
            title_id=title_pks[row.movie_id],
            tag_id=keywords.resolve(row.tag).pk,
            timestamp=datetime.fromtimestamp(row.timestamp, tz=UTC),
            source=source,
        )
        for row in dataset.tag_applications
    ]
    TagApplication.objects.bulk_create(applications, batch_size=BATCH, ignore_conflicts=True)
    created = TagApplication.objects.filter(source=source).count() - before
    report.add("tag applications", created=created, unchanged=len(applications) - created)
