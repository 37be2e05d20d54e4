"""Read-side search over published titles: ranked results and as-you-type suggestions.

The backend follows the database. PostgreSQL gets full-text search (stemmed; a match in the title
outweighs one in the tags, which outweighs the synopsis) plus trigram similarity on the title, so
that "godfater" still finds "The Godfather". Other databases (SQLite in development and tests) get a
portable case-insensitive substring match, ranked title prefix, then title, then tags, then synopsis.

Queries arrive trimmed and at most 200 characters long (catalog.filters.SearchForm checks that).
"""

import re

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When

from catalog.models import Title
from catalog.selectors import CARD_FIELDS, PAGE_SIZE

SUGGESTION_LIMIT = 8
TEXT_SEARCH_CONFIG = "english"
# The portable backend runs a few LIKEs per word; past this many words a query adds little but cost.
MAX_PORTABLE_TERMS = 10


def paginated_results(*, query: str, page_number: str | None, size: int = PAGE_SIZE) -> Page:
    return Paginator(search_titles(query), size).get_page(page_number)


def search_titles(query: str, *, drafts: bool = False) -> QuerySet:
    """Published titles (and drafts too, for editors) matching the query, best first, with only
    the columns a card shows."""
    titles = (Title.objects.all() if drafts else Title.objects.published()).only(*CARD_FIELDS)
    if _on_postgres():
        return _full_text_search(titles, query)
    return _substring_search(titles, query)


def suggestions(query: str, *, limit: int = SUGGESTION_LIMIT) -> list[dict]:
    """Up to `limit` titles whose title matches what has been typed so far, as JSON-ready dicts."""
    if not query:
        return []
    titles = Title.objects.published().only(*CARD_FIELDS)
    matches = _similar_titles(titles, query) if _on_postgres() else _titles_containing(titles, query)
    return [
        {
            "title": title.title,
            "url": title.get_absolute_url(),
            "kind": title.kind,
            "year": title.year,
            "poster_url": title.poster_url,
        }
        for title in matches[:limit]
    ]


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- PostgreSQL ------------------------------------------------------------------------------


def _full_text_search(titles: QuerySet, query: str) -> QuerySet:
    document = (
        SearchVector("title", weight="A", config=TEXT_SEARCH_CONFIG)
        + SearchVector(_tag_names(), weight="B", config=TEXT_SEARCH_CONFIG)
        + SearchVector("synopsis", weight="C", config=TEXT_SEARCH_CONFIG)
    )
    # websearch syntax ("quoted phrase", -exclude, or) never raises on odd input, unlike to_tsquery.
    words = SearchQuery(query, search_type="websearch", config=TEXT_SEARCH_CONFIG)
    return (
        titles.annotate(document=document, score=SearchRank(document, words) + TrigramWordSimilarity(query, "title"))
        # The trigram arm catches typos, which stemming cannot; it uses the title's GIN trigram index.
        .filter(Q(document=words) | Q(title__trigram_word_similar=query))
        .order_by("-score", "title", "pk")
    )


def _tag_names() -> Subquery:
    """A title's tag names as one string (a subquery, so that the outer query needs no GROUP BY)."""
    title_tags = Title.tags.through.objects.filter(title_id=OuterRef("pk")).values("title_id")
    return Subquery(title_tags.annotate(names=StringAgg("tag__name", " ")).values("names"))


def _similar_titles(titles: QuerySet, query: str) -> QuerySet:
    # A prefix catches the first letter or two, before trigrams have anything to compare. Written as
    # a regex (~*) rather than istartswith (UPPER(title) LIKE), because the title's trigram index
    # serves ~* and %> alike, so that both arms of the OR use it.
    prefix = Q(title__iregex=f"^{re.escape(query)}")
    return (
        titles.filter(prefix | Q(title__trigram_word_similar=query))
        .annotate(is_prefix=Case(When(prefix, then=Value(1)), default=Value(0)))
        .annotate(similarity=TrigramWordSimilarity(query, "title"))
        .order_by("-is_prefix", "-similarity", F("stats__user_count").desc(nulls_last=True), "title", "pk")
    )


# --- Portable (SQLite and others) ------------------------------------------------------------


def _substring_search(titles: QuerySet, query: str) -> QuerySet:
    terms = query.split()[:MAX_PORTABLE_TERMS]
    for term in terms:
        # Every word must appear somewhere, as a search engine would treat "space western".
        titles = titles.filter(Q(title__icontains=term) | Q(synopsis__icontains=term) | Exists(_tags_containing(term)))
    tier = Case(
        When(title__istartswith=query, then=Value(0)),
        When(Q(*(Q(title__icontains=term) for term in terms)), then=Value(1)),
        When(Q(*(Exists(_tags_containing(term)) for term in terms), _connector=Q.OR), then=Value(2)),
        default=Value(3),  # matched through the synopsis only
    )
    return titles.annotate(tier=tier).order_by("tier", "title", "pk")


def _tags_containing(term: str) -> QuerySet:
    return Title.tags.through.objects.filter(title_id=OuterRef("pk"), tag__name__icontains=term)


def _titles_containing(titles: QuerySet, query: str) -> QuerySet:
    starts_word = Q(title__icontains=f" {query}")
    tier = Case(When(title__istartswith=query, then=Value(0)), When(starts_word, then=Value(1)), default=Value(2))
    return (
        titles.filter(title__icontains=query)
        .annotate(tier=tier)
        .order_by("tier", F("stats__user_count").desc(nulls_last=True), "title", "pk")
    )
