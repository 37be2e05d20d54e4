"""Write the generated demo to the database, idempotently.

Titles are keyed by (source="demo", external_id), tags by (facet, name), people by slug, users by
username and events by the partial unique constraint on (source, user, title, type, timestamp).
Existing rows are never modified, so editors' changes to demo titles survive a re-run.

Timestamps are "seconds before an anchor". The anchor is midnight UTC of the day the demo was first
loaded: a fresh install gets activity ending today, and later runs recover the same anchor from the
demo titles' publication times, so they reproduce identical events and insert nothing.
"""

import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from catalog.demo.activity import Activity, generate_activity
from catalog.demo.generate import Catalogue, TagKey, TitleSpec, generate_catalogue
from catalog.models import Credit, Facet, Person, Tag, Title
from recommendations.models import Event

SOURCE = "demo"
BATCH = 2000


class AnchorMismatch(ValueError):
    """An explicit anchor differs from the one the existing demo was loaded with."""


@dataclass
class LoadResult:
    anchor: datetime
    titles: int
    titles_created: int
    users: int
    users_created: int
    events: int
    events_created: int
    catalogue: Catalogue
    activity: Activity  # carries each user's hidden taste, for tests and notebooks


def load_demo(
    *, seed: int = 42, scale: float = 1.0, anchor: datetime | None = None, progress: bool = False
) -> LoadResult:
    """Generate the demo for (seed, scale) and insert whatever is missing, in one transaction."""
    catalogue = generate_catalogue(seed=seed, scale=scale)
    activity = generate_activity(catalogue, seed=seed, scale=scale)
    total = len(catalogue.titles) + len(activity.users) + len(activity.events)
    bar = tqdm(total=total, unit="row", desc="Demo", disable=not progress, file=sys.stderr)
    with bar, transaction.atomic():
        anchor = _resolve_anchor(catalogue, anchor)
        tags = _ensure_tags(catalogue)
        people = _ensure_people(catalogue)
        titles, titles_created = _ensure_titles(catalogue, anchor, tags, people)
        bar.update(len(catalogue.titles))
        users, users_created = _ensure_users(activity, anchor)
        bar.update(len(activity.users))
        events_before = Event.objects.filter(source=SOURCE).count()
        _insert_events(activity, anchor, titles, users, bar)
        events = Event.objects.filter(source=SOURCE).count()
    return LoadResult(
        anchor=anchor,
        titles=len(titles),
        titles_created=titles_created,
        users=len(users),
        users_created=users_created,
        events=events,
        events_created=events - events_before,
        catalogue=catalogue,
        activity=activity,
    )


# --- Anchor ----------------------------------------------------------------------------------


def _resolve_anchor(catalogue: Catalogue, requested: datetime | None) -> datetime:
    stored = stored_anchor(catalogue)
    if requested is not None and stored is not None and requested != stored:
        raise AnchorMismatch(
            f"the demo was loaded with anchor {stored:%Y-%m-%d}; re-run with that anchor or without --anchor"
        )
    return requested or stored or timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def stored_anchor(catalogue: Catalogue) -> datetime | None:
    """The anchor an earlier run used, read back from the demo titles' publication times.

    Each title was published a known number of seconds before the anchor, so every title votes;
    the most common answer wins, which tolerates editors re-dating a few titles.
    """
    offsets = {t.external_id: t.published_seconds_ago for t in catalogue.titles if t.is_published}
    rows = Title.objects.filter(source=SOURCE, external_id__in=offsets).exclude(published_at=None)
    votes = Counter(
        published_at + timedelta(seconds=offsets[external_id])
        for external_id, published_at in rows.values_list("external_id", "published_at")
    )
    return votes.most_common(1)[0][0] if votes else None


# --- Catalogue -------------------------------------------------------------------------------


def _ensure_tags(catalogue: Catalogue) -> dict[TagKey, int]:
    wanted = {tag for title in catalogue.titles for tag in title.tags}
    facets = {slug: _facet(slug) for slug in sorted({facet for facet, _ in wanted})}
    existing = _tag_ids(facets, wanted)
    missing = sorted(tag for tag in wanted if (tag[0], tag[1].lower()) not in existing)
    taken = set(Tag.objects.filter(facet__in=facets.values()).values_list("facet__slug", "slug"))
    new_tags = []
    for facet, name in missing:
        slug = _free_slug(slugify(name) or "tag", lambda s, f=facet: (f, s) in taken)
        taken.add((facet, slug))
        description = catalogue.tag_descriptions.get((facet, name), "")
        new_tags.append(Tag(facet=facets[facet], name=name, slug=slug, description=description))
    Tag.objects.bulk_create(new_tags, batch_size=BATCH)
    existing = _tag_ids(facets, wanted)
    return {tag: existing[(tag[0], tag[1].lower())] for tag in wanted}


def _facet(slug: str) -> Facet:
    # Built-in facets come from a migration; recreate one only if someone deleted it.
    return Facet.objects.get_or_create(slug=slug, defaults={"name": slug.capitalize()})[0]


def _tag_ids(facets: dict[str, Facet], wanted: set[TagKey]) -> dict[tuple[str, str], int]:
    # Tag names are unique per facet ignoring case, so match on the lower-cased name.
    rows = (
        Tag.objects.annotate(lower_name=Lower("name"))
        .filter(facet__in=facets.values(), lower_name__in={name.lower() for _, name in wanted})
        .values_list("facet__slug", "lower_name", "pk")
    )
    return {(facet, name): pk for facet, name, pk in rows}


def _ensure_people(catalogue: Catalogue) -> dict[str, int]:
    slugs = {name: slugify(name) for name in catalogue.people}
    existing = set(Person.objects.filter(slug__in=slugs.values()).values_list("slug", flat=True))
    missing = [Person(name=name, slug=slug) for name, slug in slugs.items() if slug not in existing]
    Person.objects.bulk_create(missing, batch_size=BATCH)
    by_slug = dict(Person.objects.filter(slug__in=slugs.values()).values_list("slug", "pk"))
    return {name: by_slug[slug] for name, slug in slugs.items()}


def _ensure_titles(catalogue, anchor, tags, people) -> tuple[dict[str, int], int]:
    specs = {spec.external_id: spec for spec in catalogue.titles}
    existing = _demo_title_ids(specs)
    new_specs = [spec for spec in catalogue.titles if spec.external_id not in existing]
    taken = set(Title.objects.filter(slug__in=[s.slug for s in new_specs]).values_list("slug", flat=True))
    rows = []
    for spec in new_specs:
        # A demo title may share a name with an imported one; slugs are global, so make ours distinct.
        slug = _free_slug(spec.slug, taken.__contains__)
        taken.add(slug)
        rows.append(_title_row(spec, slug, anchor))
    Title.objects.bulk_create(rows, batch_size=BATCH)
    ids = _demo_title_ids(specs)
    # Relations are written only for titles created now: a re-run must not undo an editor's edits.
    _link_titles(new_specs, ids, tags, people)
    return ids, len(new_specs)


def _demo_title_ids(specs: dict[str, TitleSpec]) -> dict[str, int]:
    rows = Title.objects.filter(source=SOURCE, external_id__in=specs).values_list("external_id", "pk")
    return dict(rows)


def _title_row(spec: TitleSpec, slug: str, anchor: datetime) -> Title:
    released = anchor - timedelta(days=spec.released_days_ago)
    published = None if spec.published_seconds_ago is None else anchor - timedelta(seconds=spec.published_seconds_ago)
    return Title(
        kind=spec.kind,
        title=spec.title,
        slug=slug,
        synopsis=spec.synopsis,
        year=released.year,
        release_date=released.date(),
        duration_minutes=spec.duration_minutes,
        language=spec.language,
        is_published=spec.is_published,
        published_at=published,
        is_staff_pick=spec.is_staff_pick,
        skill_level=spec.skill_level,
        provider=spec.provider,
        instructor=spec.instructor,
        lesson_count=spec.lesson_count,
        source=SOURCE,
        external_id=spec.external_id,
    )


def _link_titles(new_specs: list[TitleSpec], ids: dict[str, int], tags, people) -> None:
    TitleTag = Title.tags.through
    Prerequisite = Title.prerequisites.through
    TitleTag.objects.bulk_create(
        [TitleTag(title_id=ids[s.external_id], tag_id=tags[tag]) for s in new_specs for tag in s.tags],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    Credit.objects.bulk_create(
        [
            Credit(
                title_id=ids[s.external_id],
                person_id=people[c.person],
                role=c.role,
                character=c.character,
                order=c.order,
            )  # fmt: skip
            for s in new_specs
            for c in s.credits
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    Prerequisite.objects.bulk_create(
        [
            Prerequisite(from_title_id=ids[s.external_id], to_title_id=ids[required])
            for s in new_specs
            for required in s.requires
            if required in ids
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


def _free_slug(slug: str, is_taken) -> str:
    candidate, n = slug, 1
    while is_taken(candidate):
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


# --- Users and events ------------------------------------------------------------------------


def _ensure_users(activity: Activity, anchor: datetime) -> tuple[dict[str, int], int]:
    User = get_user_model()
    usernames = [user.username for user in activity.users]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    missing = [
        User(
            username=user.username,
            password=make_password(None),  # unusable: demo users never log in
            source=SOURCE,
            age=user.age,
            gender=user.gender,
            occupation=user.occupation,
            date_joined=anchor - timedelta(seconds=user.joined_seconds_ago),
        )
        for user in activity.users
        if user.username not in existing
    ]
    User.objects.bulk_create(missing, batch_size=BATCH)
    ids = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    return ids, len(missing)


def _insert_events(activity: Activity, anchor: datetime, titles: dict[str, int], users: dict[str, int], bar) -> None:
    # ignore_conflicts relies on the partial unique constraint: events already present are skipped.
    for start in range(0, len(activity.events), BATCH):
        chunk = activity.events[start : start + BATCH]
        Event.objects.bulk_create(
            [
                Event(
                    user_id=users[e.username],
                    title_id=titles[e.external_id],
                    type=e.type,
                    value=e.value,
                    timestamp=anchor - timedelta(seconds=e.seconds_ago),
                    source=SOURCE,
                )
                for e in chunk
                if e.username in users and e.external_id in titles
            ],
            ignore_conflicts=True,
        )
        bar.update(len(chunk))
