"""Read-side queries for the catalogue. Views call these; they never build querysets themselves."""

from django.core.paginator import Page, Paginator

from catalog.models import Tag, Title

PAGE_SIZE = 24


def published_titles_with_tags():
    return Title.objects.published().prefetch_related("tags__facet", "credits__person", "prerequisites")


def tags_with_facet():
    return Tag.objects.select_related("facet")


def paginated_titles(*, page_number: str | None, kind: str | None = None, tag: Tag | None = None) -> Page:
    titles = Title.objects.published()
    if kind in Title.Kind.values:
        titles = titles.filter(kind=kind)
    if tag is not None:
        titles = titles.filter(tags=tag)
    return Paginator(titles.order_by("title", "pk"), PAGE_SIZE).get_page(page_number)


def home_sections(limit: int = 12) -> dict:
    """Non-personalised shelves; personalised rows arrive with the recommendations issue."""
    published = Title.objects.published()
    return {
        "staff_picks": list(published.filter(is_staff_pick=True).order_by("-published_at", "title")[:limit]),
        "new_releases": list(published.exclude(release_date=None).order_by("-release_date", "title")[:limit]),
        "courses": list(published.courses().order_by("-published_at", "title")[:limit]),
    }
