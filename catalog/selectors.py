"""Read-side queries for the catalogue. Views call these; they never build querysets themselves.

Every function here returns what one page needs in a fixed, small number of queries: list pages
select only the columns a card shows, detail pages prefetch their relations.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, F, FloatField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language_info

from catalog.models import Credit, Tag, Title

PAGE_SIZE = 24
ROW_SIZE = 12
POPULAR_WINDOW = timedelta(days=30)
# "Top rated" ranks only titles with this many ratings: one 5-star rating says little.
MIN_RATINGS = 5
# Facets offered as their own select on the browse page; other tags are filtered through `tag`.
BROWSE_FACETS = ("category", "genre")

# Credits read top-down like a poster's billing block: director first, cast last.
_ROLE_ORDER = Case(
    *(When(role=role, then=Value(rank)) for rank, role in enumerate(["director", "writer", "producer", "cast"])),
    default=Value(9),
)

# A card shows these; deferring the rest keeps list pages light on catalogues with long synopses.
CARD_FIELDS = ("pk", "kind", "title", "slug", "year", "poster", "skill_level", "is_published", "published_at")

# The mean rating, only where enough people rated (else NULL, which sorts last).
_TRUSTED_RATING = Case(
    When(stats__rating_count__gte=MIN_RATINGS, then=F("stats__rating_mean")), default=None, output_field=FloatField()
)

# Which titles a list holds; drafts are for editors.
_TITLES_BY_STATUS = {"published": Title.objects.published, "draft": Title.objects.drafts, "any": Title.objects.all}
STATUSES = tuple(_TITLES_BY_STATUS)

# Every sort ends on title and pk so that pages never shuffle between requests. Titles without
# activity statistics (no TitleStats row yet) sort after those with them.
SORTS = {
    "title": ("title", "pk"),
    "newest": (F("published_at").desc(nulls_last=True), "title", "pk"),
    "year": (F("year").desc(nulls_last=True), "title", "pk"),
    "popular": (F("stats__user_count").desc(nulls_last=True), "title", "pk"),
    "rated": (F("average_rating").desc(nulls_last=True), F("stats__rating_count").desc(nulls_last=True), "title", "pk"),
}


@dataclass
class Row:
    """One shelf on the home page. `reason` says why its titles are there; `personalized` rows
    come from the viewer's own activity and are hidden when they turn personalisation off."""

    key: str
    heading: str
    titles: list[Title]
    more_url: str = ""
    note: str = ""
    reason: str = ""
    personalized: bool = False

    def as_export(self) -> dict:
        return {
            "key": self.key,
            "title": self.heading,
            "personalized": self.personalized,
            "items": [{"id": t.pk, "title": t.title, "reason": self.reason} for t in self.titles],
        }


@dataclass
class Home:
    featured: Title | None
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class TitleFilters:
    """What a list of titles is narrowed to; an empty field means "any"."""

    kind: str = ""
    tags: tuple[Tag, ...] = ()  # all of them (AND)
    skill_level: str = ""
    year_from: int | None = None
    year_to: int | None = None
    language: str = ""
    status: str = "published"  # one of STATUSES


# --- Querysets -------------------------------------------------------------------------------


def visible_titles(*, viewer=None) -> QuerySet:
    """Published titles; staff also see drafts, so that they can preview them before publishing."""
    if viewer is not None and viewer.is_staff:
        return Title.objects.all()
    return Title.objects.published()


def title_page_titles(*, viewer=None) -> QuerySet:
    """Titles with everything the title page shows, prefetched (one query per relation)."""
    published = Title.objects.published().only(*CARD_FIELDS).order_by("title")
    return visible_titles(viewer=viewer).prefetch_related(
        Prefetch("tags", Tag.objects.select_related("facet").order_by("facet__name", "name")),
        Prefetch("credits", Credit.objects.select_related("person").order_by(_ROLE_ORDER, "order", "person__name")),
        # A draft prerequisite would be a dead link for the public.
        Prefetch("prerequisites", published),
        Prefetch("required_for", published),
    )


def poster_titles(*, viewer=None) -> QuerySet:
    return visible_titles(viewer=viewer).prefetch_related(
        Prefetch("tags", Tag.objects.filter(facet__slug__in=["genre", "category"]).order_by("facet__slug", "name"))
    )


def tags_with_facet() -> QuerySet:
    return Tag.objects.select_related("facet")


# --- Home ------------------------------------------------------------------------------------


def home(*, limit: int = ROW_SIZE, exclude: frozenset[int] = frozenset()) -> Home:
    """Non-personalised shelves (personalised ones are added by recommendations.rows).

    The newest staff pick is featured at the top. A title appears at most once on the page: each
    shelf skips what the feature or an earlier shelf showed, and what is in `exclude` (titles the
    viewer finished, marked not interested, or that a personal row above already shows).
    """
    published = Title.objects.published().only(*CARD_FIELDS)
    browse = reverse("catalog:title_list")
    # Not deferred: the featured staff pick shows its synopsis.
    staff_picks = list(
        Title.objects.published()
        .filter(is_staff_pick=True)
        .order_by("-published_at", "title")[: limit * 2 + len(exclude)]
    )
    staff_picks = [t for t in staff_picks if t.pk not in exclude]
    featured = staff_picks[0] if staff_picks else None
    candidates = [
        ("staff-picks", "Staff picks", staff_picks, ""),
        ("new-releases", "New releases", _new_releases(published), f"{browse}?sort=newest"),
        ("popular-now", "Popular now", _popular_now(published), ""),
        ("courses", "Courses", published.courses().order_by("-published_at", "title"), f"{browse}?kind=course"),
    ]
    shown = set(exclude) | ({featured.pk} if featured else set())
    rows = []
    for key, heading, titles, more_url in candidates:
        # Fetch extra so that de-duplication still leaves a full shelf.
        fresh = [t for t in titles[: limit * 2 + len(exclude)] if t.pk not in shown][:limit]
        shown.update(t.pk for t in fresh)
        if fresh:
            rows.append(Row(key, heading, fresh, more_url, _note(key), reason=ROW_REASONS[key]))
    return Home(featured=featured, rows=rows)


ROW_REASONS = {
    "staff-picks": "Picked by our editors",
    "new-releases": "New release",
    "popular-now": "Popular with viewers this month",
    "courses": "New course",
}


def _new_releases(published: QuerySet) -> QuerySet:
    # Released already (an editor may enter a future date ahead of time), newest first.
    return published.filter(release_date__lte=timezone.localdate()).order_by("-release_date", "title")


def _popular_now(published: QuerySet) -> QuerySet:
    since = timezone.now() - POPULAR_WINDOW  # served by the event_time_idx index
    # Ranked by people, then events: a learner's six progress events are one person's interest.
    return (
        published.filter(events__timestamp__gte=since)
        .annotate(recent_users=Count("events__user", distinct=True), recent_events=Count("events"))
        .order_by("-recent_users", "-recent_events", "title")
    )


def _note(key: str) -> str:
    return {"popular-now": "What the most people watched or studied in the last 30 days."}.get(key, "")


# --- Browse and tag pages --------------------------------------------------------------------


def paginated_titles(
    *, page_number: str | None, filters: TitleFilters | None = None, sort: str = "title", size: int = PAGE_SIZE
) -> Page:
    titles = filtered_titles(filters or TitleFilters())
    if sort == "rated":
        titles = titles.annotate(average_rating=_TRUSTED_RATING)  # the card shows it, too
    return Paginator(titles.order_by(*SORTS.get(sort, SORTS["title"])), size).get_page(page_number)


def filtered_titles(filters: TitleFilters) -> QuerySet:
    """Titles matching every filter (published ones unless `status` says otherwise), with only
    the columns a card shows."""
    titles = _TITLES_BY_STATUS[filters.status]().only(*CARD_FIELDS)
    if filters.kind:
        titles = titles.filter(kind=filters.kind)
    for tag in filters.tags:
        # One filter() per tag: each gets its own join, so a title must carry all of them.
        titles = titles.filter(tags=tag)
    if filters.skill_level:
        titles = titles.filter(skill_level=filters.skill_level)
    if filters.year_from is not None:
        titles = titles.filter(year__gte=filters.year_from)
    if filters.year_to is not None:
        titles = titles.filter(year__lte=filters.year_to)
    if filters.language:
        titles = titles.filter(language=filters.language)
    return titles


def kind_counts(filters: TitleFilters | None = None) -> dict[str, int]:
    """Titles per kind under the other filters (so each tab says what clicking it shows), in one query."""
    titles = filtered_titles(replace(filters or TitleFilters(), kind=""))
    return titles.aggregate(
        all=Count("pk"), movie=Count("pk", filter=Q(kind="movie")), course=Count("pk", filter=Q(kind="course"))
    )


def browse_facet_tags() -> dict[str, list[Tag]]:
    """The category and genre tags that have a published title, by facet slug, in one query."""
    published = Title.objects.published().filter(tags=OuterRef("pk"))
    tags = Tag.objects.filter(facet__slug__in=BROWSE_FACETS).filter(Exists(published)).select_related("facet")
    by_facet: dict[str, list[Tag]] = {slug: [] for slug in BROWSE_FACETS}
    for tag in tags.order_by("name"):
        by_facet[tag.facet.slug].append(tag)
    return by_facet


def language_options() -> list[tuple[str, str]]:
    """(code, English name) of every language a published title is in, by name, in one query."""
    codes = Title.objects.published().exclude(language="").values_list("language", flat=True).distinct()
    return sorted(((code, language_name(code)) for code in codes.order_by()), key=lambda option: option[1])


def tags_by_reference(references: list[str]) -> dict[str, Tag]:
    """Tags named by id ("12") or by "facet/slug" ("genre/drama"), keyed by that reference, in one query.

    References that name no tag are absent from the result.
    """
    lookups = Q(pk__in=[ref for ref in references if ref.isdigit()])
    for ref in references:
        if "/" in ref:
            facet, slug = ref.split("/", 1)
            lookups |= Q(facet__slug=facet, slug=slug)
    found = {}
    for tag in Tag.objects.filter(lookups).select_related("facet"):
        found[str(tag.pk)] = tag
        found[f"{tag.facet.slug}/{tag.slug}"] = tag
    return {ref: found[ref] for ref in references if ref in found}


def sibling_tags(tag: Tag, *, limit: int = 24) -> list[Tag]:
    """The busiest other tags of the same facet ("Other genres"), each with its published count."""
    published = Q(titles__is_published=True)
    siblings = (
        Tag.objects.filter(facet=tag.facet)
        .exclude(pk=tag.pk)
        .select_related("facet")
        .annotate(n_titles=Count("titles", filter=published))
        .filter(n_titles__gt=0)
        .order_by("-n_titles", "name")
    )
    return list(siblings[:limit])


# --- Title page ------------------------------------------------------------------------------


def related_titles(title: Title, *, limit: int = 6) -> list[Title]:
    """Published titles sharing the most tags with this one (content-based, no activity needed)."""
    tag_ids = [tag.pk for tag in title.tags.all()]  # prefetched by title_page_titles
    if not tag_ids:
        return []
    related = (
        Title.objects.published()
        .only(*CARD_FIELDS)
        .filter(tags__in=tag_ids)
        .exclude(pk=title.pk)
        .annotate(shared=Count("tags"))
        .order_by("-shared", "-published_at", "title")
    )
    return list(related[:limit])


def title_facts(title: Title) -> list[tuple[str, str]]:
    """The label/value pairs of the title page's fact list, formatted for reading."""
    facts = [("Type", title.get_kind_display())]
    if title.release_date:
        facts.append(("Released", date_format(title.release_date, "j F Y")))
    elif title.year:
        facts.append(("Year", str(title.year)))
    if title.duration_minutes:
        facts.append(
            ("Length" if title.kind == Title.Kind.COURSE else "Running time", _duration(title.duration_minutes))
        )
    if title.language:
        facts.append(("Language", language_name(title.language)))
    if title.skill_level:
        facts.append(("Level", title.get_skill_level_display()))
    if title.lesson_count:
        facts.append(("Lessons", str(title.lesson_count)))
    if title.provider:
        facts.append(("Provider", title.provider))
    if title.instructor:
        facts.append(("Instructor", title.instructor))
    return facts


def language_name(code: str) -> str:
    """English name of a BCP 47 code ("pt-BR" → "Brazilian Portuguese"), or the code if unknown."""
    try:
        return get_language_info(code.lower())["name"]
    except KeyError:
        return code


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"
