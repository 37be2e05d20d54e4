"""Importing an editors' catalogue file: upsert titles, then their tags, credits and prerequisites.

Rows are read and validated first (catalog_file), then resolved against the database (which
title each row is, which facets and prerequisites it names) and only then written, inside one
transaction. Re-importing the same file changes nothing. Relations are only ever added: an
import never removes tags, credits or prerequisites that editors added in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.importers.catalog_file import CatalogRow, read_catalog_file
from catalog.importers.progress import ImportReport, Progress, chunked
from catalog.importers.slugs import SlugAllocator
from catalog.importers.tags import TagResolver
from catalog.models import Credit, Facet, Person, Title

DEFAULT_FACET = {Title.Kind.MOVIE: "genre", Title.Kind.COURSE: "category"}
IDENTITY_FIELDS = {"slug", "kind", "source", "external_id"}  # never changed by a re-import
BATCH = 1000


@dataclass
class PlannedTitle:
    row: CatalogRow
    title: Title  # existing (with changes applied in memory) or new
    is_new: bool
    changed: set[str] = field(default_factory=set)
    prerequisite_slugs: list[str] = field(default_factory=list)


def import_catalog_file(path: Path, *, progress: Progress) -> ImportReport:
    """Import a .csv or .json catalogue file (docs/catalog-import.md) in one transaction."""
    report = ImportReport()
    rows = read_catalog_file(path)
    with transaction.atomic():
        plans = plan_titles(rows)  # reads only; raises ImportDataError for rows that cannot be applied
        _check_facets(rows)
        _check_prerequisites(plans)
        _save_titles(plans, report, progress)
        _add_tags(plans, report)
        _add_credits(plans, report)
        _add_prerequisites(plans, report)
    return report


# --- Which title is each row? ---------------------------------------------------------------


def plan_titles(rows: list[CatalogRow]) -> list[PlannedTitle]:
    """Match each row to an existing title (by source + external_id, else by slug) or a new one."""
    by_external = _existing_by_external_id(rows)
    by_slug = {title.slug: title for title in Title.objects.filter(slug__in=[_wanted_slug(row) for row in rows])}
    slugs = SlugAllocator(Title.objects.values_list("slug", flat=True), Title._meta.get_field("slug").max_length)
    now = timezone.now()
    seen: dict[str, CatalogRow] = {}
    plans = []
    for row in rows:
        existing = _match(row, by_external, by_slug)
        if existing is None:
            plan = PlannedTitle(row, _new_title(row, slugs, now), is_new=True)
        else:
            plan = PlannedTitle(row, existing, is_new=False, changed=_apply(row, existing, now))
        if plan.title.slug in seen:
            raise row.where.error(f"the same title ({plan.title.slug}) as {seen[plan.title.slug].where}")
        seen[plan.title.slug] = row
        plans.append(plan)
    return plans


def _wanted_slug(row: CatalogRow) -> str:
    """The explicit slug, else slugify(title + year), as the MovieLens importer derives it."""
    if "slug" in row.fields:
        return row.fields["slug"]
    year = row.fields.get("year")
    return slugify(f"{row.fields['title']} {year}" if year else row.fields["title"])[:320] or row.kind


def _existing_by_external_id(rows: list[CatalogRow]) -> dict[tuple[str, str], Title]:
    keys = {(row.fields["source"], row.fields["external_id"]) for row in rows if "external_id" in row.fields}
    found: dict[tuple[str, str], Title] = {}
    for batch in chunked(sorted(keys), BATCH):
        sources = {source for source, _ in batch}
        ids = {external_id for _, external_id in batch}
        for title in Title.objects.filter(source__in=sources, external_id__in=ids):
            found[(title.source, title.external_id)] = title
    return {key: found[key] for key in keys if key in found}


def _match(row: CatalogRow, by_external: dict, by_slug: dict[str, Title]) -> Title | None:
    if "external_id" in row.fields:
        title = by_external.get((row.fields["source"], row.fields["external_id"]))
        if title is not None and "slug" in row.fields and row.fields["slug"] != title.slug:
            raise row.where.error(
                f"this title already exists with the slug {title.slug!r}; a re-import cannot change a slug"
            )
        if title is None and row.fields.get("slug") in by_slug:
            raise row.where.error(f"the slug {row.fields['slug']!r} belongs to another title")
    else:
        title = by_slug.get(_wanted_slug(row))
    if title is not None and title.kind != row.kind:
        raise row.where.error(f"{title.slug!r} is a {title.kind}, not a {row.kind}; give this row another slug")
    return title


def _new_title(row: CatalogRow, slugs: SlugAllocator, now: datetime) -> Title:
    fields = dict(row.fields)
    if "external_id" in fields and "slug" not in fields:
        # Identified by its external id, so a clash with another title's name just gets a suffix.
        fields["slug"] = slugs.allocate(_wanted_slug(row), fallback=row.kind)
    else:
        fields["slug"] = _wanted_slug(row)
        slugs.claim(fields["slug"])
    title = Title(**fields)
    if title.is_published:
        title.published_at = _publication_time(title, now)
    return title


def _apply(row: CatalogRow, title: Title, now: datetime) -> set[str]:
    """Set the row's values on an existing title; returns the names of the fields that changed."""
    changed = set()
    for name, value in row.fields.items():
        if name not in IDENTITY_FIELDS and getattr(title, name) != value:
            setattr(title, name, value)
            changed.add(name)
    if title.is_published and title.published_at is None:
        title.published_at = _publication_time(title, now)
        changed.add("published_at")
    return changed


def _publication_time(title: Title, now: datetime) -> datetime:
    return datetime.combine(title.release_date, time(), tzinfo=UTC) if title.release_date else now


# --- Checks that need the database ----------------------------------------------------------


def _check_facets(rows: list[CatalogRow]) -> None:
    known = set(Facet.objects.values_list("slug", flat=True))
    for row in rows:
        for facet, name in row.tags:
            if facet is not None and facet not in known:
                raise row.where.error(
                    f"unknown facet {facet!r} in tag {facet}:{name}; facets are {', '.join(sorted(known))}"
                )


def _check_prerequisites(plans: list[PlannedTitle]) -> None:
    """A prerequisite must be an existing title or a row earlier in the file."""
    wanted = {slug for plan in plans for slug in plan.row.prerequisites}
    existing = set(Title.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    earlier: set[str] = set()
    for plan in plans:
        for slug in plan.row.prerequisites:
            if slug == plan.title.slug:
                raise plan.row.where.error("a title cannot be its own prerequisite")
            if slug not in existing and slug not in earlier:
                raise plan.row.where.error(
                    f"prerequisite {slug!r} is neither an existing title nor a row earlier in the file"
                )
        earlier.add(plan.title.slug)


# --- Writing --------------------------------------------------------------------------------


def _save_titles(plans: list[PlannedTitle], report: ImportReport, progress: Progress) -> None:
    new = [plan.title for plan in plans if plan.is_new]
    changed = [plan for plan in plans if plan.changed]
    with progress.bar("titles", total=len(plans)) as bar:
        Title.objects.bulk_create(new, batch_size=BATCH)
        now = timezone.now()
        for plan in changed:
            plan.title.updated_at = now  # bulk_update skips auto_now
        fields = sorted(set().union(*(plan.changed for plan in changed)) | {"updated_at"})
        Title.objects.bulk_update([plan.title for plan in changed], fields, batch_size=BATCH)
        bar.update(len(plans))
    if any(title.pk is None for title in new):  # backends without RETURNING
        pks = dict(Title.objects.filter(slug__in=[title.slug for title in new]).values_list("slug", "id"))
        for title in new:
            title.pk = pks[title.slug]
    unchanged = len(plans) - len(new) - len(changed)
    report.add("titles", created=len(new), updated=len(changed), unchanged=unchanged)


def _add_tags(plans: list[PlannedTitle], report: ImportReport) -> None:
    resolvers: dict[str, TagResolver] = {}
    pairs = []  # a list: new tags have no pk yet, so they cannot go in a set before save()
    for plan in plans:
        for facet, name in plan.row.tags:
            facet = facet or DEFAULT_FACET[plan.row.kind]
            if facet not in resolvers:
                resolvers[facet] = TagResolver(Facet.objects.get(slug=facet))
            pairs.append((plan.title.pk, resolvers[facet].resolve(name)))
    report.add("tags", created=sum(resolver.save() for resolver in resolvers.values()))
    links = {(title_pk, tag.pk) for title_pk, tag in pairs}
    _add_links(Title.tags.through, "title_id", "tag_id", links, "title tag links", report)


def _add_links(through, left: str, right: str, links: set[tuple[int, int]], label: str, report: ImportReport) -> None:
    """Insert the (left, right) rows of an M2M table that are missing; existing ones stay as they are."""
    existing: set[tuple[int, int]] = set()
    for batch in chunked(sorted({pair[0] for pair in links}), BATCH):
        existing.update(through.objects.filter(**{f"{left}__in": batch}).values_list(left, right))
    missing = sorted(links - existing)
    through.objects.bulk_create([through(**{left: a, right: b}) for a, b in missing], batch_size=BATCH)
    report.add(label, created=len(missing), unchanged=len(links) - len(missing))


def _add_credits(plans: list[PlannedTitle], report: ImportReport) -> None:
    wanted = {}  # (title pk, person name, role) -> order
    for plan in plans:
        for role, names in ((Credit.Role.DIRECTOR, plan.row.directors), (Credit.Role.CAST, plan.row.cast)):
            for order, name in enumerate(names):
                wanted[(plan.title.pk, name, role.value)] = order
    if not wanted:
        return
    people = _people({name for _, name, _ in wanted}, report)
    existing = {
        (credit.title_id, credit.person_id, credit.role): credit
        for credit in Credit.objects.filter(title_id__in={title for title, _, _ in wanted})
    }
    new, changed = [], []
    for (title_pk, name, role), order in wanted.items():
        credit = existing.get((title_pk, people[name], role))
        if credit is None:
            new.append(Credit(title_id=title_pk, person_id=people[name], role=role, order=order))
        elif credit.order != order:
            credit.order = order
            changed.append(credit)
    Credit.objects.bulk_create(new, batch_size=BATCH)
    Credit.objects.bulk_update(changed, ["order"], batch_size=BATCH)
    report.add("credits", created=len(new), updated=len(changed), unchanged=len(wanted) - len(new) - len(changed))


def _people(names: set[str], report: ImportReport) -> dict[str, int]:
    """{name: person pk}, creating people not yet known (people are matched by exact name)."""
    found: dict[str, int] = {}
    for batch in chunked(sorted(names), BATCH):
        for name, pk in Person.objects.filter(name__in=batch).order_by("-pk").values_list("name", "id"):
            found[name] = pk  # ascending pk wins: descending order lets the oldest overwrite
    slugs = SlugAllocator(Person.objects.values_list("slug", flat=True), Person._meta.get_field("slug").max_length)
    new = [Person(name=name, slug=slugs.allocate(name, fallback="person")) for name in sorted(names - set(found))]
    Person.objects.bulk_create(new, batch_size=BATCH)
    if any(person.pk is None for person in new):  # backends without RETURNING
        new = list(Person.objects.filter(slug__in=[person.slug for person in new]))
    found.update({person.name: person.pk for person in new})
    report.add("people", created=len(new), unchanged=len(names) - len(new))
    return found


def _add_prerequisites(plans: list[PlannedTitle], report: ImportReport) -> None:
    slugs = {slug for plan in plans for slug in plan.row.prerequisites}
    if not slugs:
        return
    pks = {plan.title.slug: plan.title.pk for plan in plans}
    pks.update(Title.objects.filter(slug__in=slugs - set(pks)).values_list("slug", "id"))
    links = {(plan.title.pk, pks[slug]) for plan in plans for slug in plan.row.prerequisites}
    _add_links(Title.prerequisites.through, "from_title_id", "to_title_id", links, "prerequisite links", report)
