"""Search: the results page (/search/), the suggestion endpoint (/search/suggest/) and the header box.

Runs on both backends: PostgreSQL (full-text plus trigram) and the portable SQLite fallback.
"""

import pytest
from django.db import connection

from catalog.models import Facet
from recommendations.models import TitleStats
from tests.factories import CourseFactory, TagFactory, TitleFactory

pytestmark = pytest.mark.django_db

RESULTS, SUGGEST = "/search/", "/search/suggest/"
TEN_KB = "godfather " * 1024


def results(client, q: str, status: int = 200, **params) -> str:
    response = client.get(RESULTS, {"q": q, **params})
    assert response.status_code == status
    return response.content.decode()


def listed(html: str) -> list[str]:
    if '<ul class="cards grid">' not in html:
        return []
    cards = html.split('<ul class="cards grid">', 1)[1].split("</ul>", 1)[0]
    return [part.split("</span>", 1)[0] for part in cards.split('<span class="card-title">')[1:]]


def suggest(client, q: str) -> dict:
    response = client.get(SUGGEST, {"q": q})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def catalogue():
    genre = Facet.objects.get(slug="genre")
    western = TagFactory(facet=genre, name="Western", slug="western")
    godfather = "A crime family's aging patriarch hands over power."
    TitleFactory(title="The Godfather", slug="the-godfather", year=1972, synopsis=godfather)
    TitleFactory(title="Stagecoach", year=1939, synopsis="Strangers ride through Apache country.").tags.add(western)
    TitleFactory(title="Heat", year=1995, synopsis="A detective hunts a crew of professional thieves.")
    CourseFactory(title="Python for Data Science", synopsis="Pandas, plots and a little statistics.")
    TitleFactory(title="The Godfather Secret Draft", is_published=False, synopsis="crime western")


# --- Results page ----------------------------------------------------------------------------


def test_finds_by_title(client, catalogue):
    html = results(client, "godfather")
    assert listed(html) == ["The Godfather"]
    assert "Results for “godfather”" in html and "1 title" in html


def test_finds_by_tag_name(client, catalogue):
    assert listed(results(client, "western")) == ["Stagecoach"]


def test_finds_by_synopsis(client, catalogue):
    assert listed(results(client, "thieves")) == ["Heat"]


def test_is_case_insensitive_and_trims(client, catalogue):
    assert listed(results(client, "   PYTHON  ")) == ["Python for Data Science"]


def test_drafts_never_appear(client, catalogue):
    assert "Secret Draft" not in results(client, "godfather")
    assert "Secret Draft" not in results(client, "crime")
    assert [s["title"] for s in suggest(client, "the god")["suggestions"]] == ["The Godfather"]


def test_a_title_match_ranks_above_a_tag_match_above_a_synopsis_match(client):
    genre = Facet.objects.get(slug="genre")
    TitleFactory(title="Alpha", synopsis="Mentions a noir mood in passing.")
    TitleFactory(title="Beta").tags.add(TagFactory(facet=genre, name="Noir", slug="noir"))
    TitleFactory(title="Noir City")
    assert listed(results(client, "noir")) == ["Noir City", "Beta", "Alpha"]


def test_every_word_must_match_somewhere(client, catalogue):
    # "crime" alone finds The Godfather (synopsis); with "python" nothing has both words.
    assert listed(results(client, "crime python")) == []
    html = results(client, "crime python")
    assert "Nothing matches “crime python”" in html


def test_typos_still_find_the_title_on_postgresql(client, catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("trigram similarity needs PostgreSQL's pg_trgm")
    assert listed(results(client, "godfater")) == ["The Godfather"]
    assert [s["title"] for s in suggest(client, "stagecoch")["suggestions"]] == ["Stagecoach"]


def test_search_syntax_never_breaks_the_page(client, catalogue):
    for odd in ('"unclosed', "-", "a & b | !c", "%_\\", "'; drop table", "(((", "café ☕"):
        results(client, odd)
        assert client.get(SUGGEST, {"q": odd}).status_code == 200


def test_empty_query_shows_a_prompt(client, catalogue):
    html = results(client, "   ")
    assert "Type a title, a genre or a topic" in html and listed(html) == []
    assert "Type a title" in results(client, "", status=200)
    assert client.get(RESULTS).status_code == 200


def test_results_are_paginated_and_keep_the_query(client):
    for n in range(30):
        TitleFactory(title=f"Space Story {n:02d}")
    first = results(client, "space")
    assert "Page 1 of 2" in first and 'href="?q=space&amp;page=2"' in first
    assert len(listed(results(client, "space", page="2"))) == 6


def test_results_page_query_count_is_fixed(client, django_assert_max_num_queries):
    genre = Facet.objects.get(slug="genre")
    tags = [TagFactory(facet=genre) for _ in range(5)]
    for n in range(40):
        TitleFactory(title=f"Space Story {n}", synopsis="space " * 50).tags.set(tags)
    # count, page; then the search log: savepoint, insert, release (recording never breaks the page)
    with django_assert_max_num_queries(5):
        assert len(listed(results(client, "space"))) == 24


# --- Too-long queries ------------------------------------------------------------------------


def test_a_10_kb_query_is_refused_with_a_message_on_the_results_page(client, catalogue):
    html = results(client, TEN_KB, status=400)
    assert "Search for at most 200 characters (this search has 10239)." in html
    assert 'role="alert"' in html and listed(html) == []
    assert TEN_KB not in html  # neither echoed in the heading nor in the header's search box


def test_a_10_kb_query_is_refused_with_a_json_error_by_suggest(client, catalogue):
    response = client.get(SUGGEST, {"q": TEN_KB})
    assert response.status_code == 400
    assert response.json() == {"error": "Search for at most 200 characters (this search has 10239)."}


def test_200_characters_are_fine_and_a_nul_byte_is_refused(client, catalogue):
    results(client, "x" * 200)
    assert client.get(SUGGEST, {"q": "x" * 200}).status_code == 200
    assert client.get(RESULTS, {"q": "god\x00father"}).status_code == 400
    assert client.get(SUGGEST, {"q": "god\x00father"}).status_code == 400


# --- Suggestions -----------------------------------------------------------------------------


def test_suggestion_shape(client, catalogue):
    assert suggest(client, "godf") == {
        "query": "godf",
        "suggestions": [
            {
                "title": "The Godfather",
                "url": "/titles/the-godfather/",
                "kind": "movie",
                "year": 1972,
                "poster_url": "/titles/the-godfather/poster.svg",
            }
        ],
    }


def test_suggestions_are_limited_to_8_prefix_matches_first(client):
    for n in range(12):
        TitleFactory(title=f"The Star {n:02d}")
    starter = TitleFactory(title="Star Wars")
    TitleStats.objects.create(title=starter, user_count=1)
    titles = [s["title"] for s in suggest(client, "star")["suggestions"]]
    assert len(titles) == 8
    assert titles[0] == "Star Wars"  # starts with the query


def test_suggestions_for_an_empty_query_are_empty(client, catalogue):
    assert suggest(client, "  ") == {"query": "", "suggestions": []}


# --- Header ----------------------------------------------------------------------------------


def test_every_page_has_a_labelled_search_box_that_works_without_javascript(client, catalogue):
    for url in ("/", "/titles/", "/search/?q=heat"):
        html = client.get(url).content.decode()
        assert '<form role="search" class="site-search" action="/search/" method="get"' in html
        assert '<label for="site-search-q" class="visually-hidden">Search movies and courses</label>' in html
        assert 'data-suggest-url="/search/suggest/"' in html and "js/search-suggest.js" in html
    assert 'name="q" value="heat"' in client.get("/search/?q=heat").content.decode()
