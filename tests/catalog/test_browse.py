"""The browse page (/titles/): filters, sorting, validation of its GET parameters, and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Facet, Title
from recommendations.models import TitleStats
from tests.factories import CourseFactory, TagFactory, TitleFactory

pytestmark = pytest.mark.django_db

URL = "/titles/"


def browse(client, status: int = 200, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def listed(html: str) -> list[str]:
    """Card titles in page order."""
    cards = html.split('<ul class="cards grid">', 1)[1].split("</ul>", 1)[0]
    return [part.split("</span>", 1)[0] for part in cards.split('<span class="card-title">')[1:]]


def tag(facet: str, name: str):
    return TagFactory(facet=Facet.objects.get(slug=facet), name=name, slug=name.lower().replace(" ", "-"))


# --- Filters ---------------------------------------------------------------------------------


def test_category_filter_keeps_titles_of_that_category(client):
    programming, design = tag("category", "Programming"), tag("category", "Design")
    CourseFactory(title="Learn Python").tags.add(programming)
    CourseFactory(title="Learn Colour").tags.add(design)

    html = browse(client, category="programming")

    assert listed(html) == ["Learn Python"]
    assert '<label for="filter-category">Category</label>' in html
    assert '<option value="programming" selected>Programming</option>' in html


def test_genre_filter_keeps_titles_of_that_genre(client):
    drama, comedy = tag("genre", "Drama"), tag("genre", "Comedy")
    TitleFactory(title="Sad Film").tags.add(drama)
    TitleFactory(title="Funny Film").tags.add(comedy)
    assert listed(browse(client, genre="drama")) == ["Sad Film"]


def test_skill_level_filter(client):
    CourseFactory(title="Basics", skill_level="beginner")
    CourseFactory(title="Deep Dive", skill_level="advanced")
    TitleFactory(title="A Movie")
    assert listed(browse(client, level="advanced")) == ["Deep Dive"]


def test_tags_combine_with_and_and_accept_ids_or_facet_slugs(client):
    drama, dark = tag("genre", "Drama"), tag("mood", "Dark")
    TitleFactory(title="Dark Drama").tags.add(drama, dark)
    TitleFactory(title="Light Drama").tags.add(drama)
    TitleFactory(title="Dark Comedy").tags.add(dark)

    html = browse(client, tag=["genre/drama", str(dark.pk)])

    assert listed(html) == ["Dark Drama"]
    # Each tag is a chip whose link drops only that tag.
    assert 'href="?tag=genre%2Fdrama">Mood: Dark' in html
    assert f'href="?tag={dark.pk}">Genre: Drama' in html


def test_year_range_is_inclusive(client):
    for year in (1989, 1990, 1995, 2000, 2001):
        TitleFactory(title=f"Film {year}", year=year)
    TitleFactory(title="Film undated", year=None)
    assert listed(browse(client, year_from="1990", year_to="2000")) == ["Film 1990", "Film 1995", "Film 2000"]
    assert listed(browse(client, year_from="2001")) == ["Film 2001"]


def test_language_filter_offers_the_languages_present_by_name(client):
    TitleFactory(title="Amélie", language="fr")
    TitleFactory(title="Heat", language="en")
    TitleFactory(title="Hidden", language="ja", is_published=False)

    html = browse(client, language="fr")

    assert listed(html) == ["Amélie"]
    assert '<option value="fr" selected>French</option>' in html and ">English</option>" in html
    assert "Japanese" not in html  # only languages of published titles are offered


def test_only_selects_with_something_to_pick_are_offered(client):
    TitleFactory(title="A Movie").tags.add(tag("genre", "Drama"))
    CourseFactory(title="A Course")

    html = browse(client)
    assert 'id="filter-genre"' in html and 'id="filter-category"' not in html  # no category has a title
    assert 'id="filter-level"' not in browse(client, kind="movie")  # movies have no skill level
    assert 'id="filter-level"' in browse(client, kind="course")


def test_a_tag_page_links_to_the_browse_page_filtered_by_its_tag(client):
    TitleFactory(title="Sad Film").tags.add(tag("genre", "Drama"))
    html = client.get("/tags/genre/drama/").content.decode()
    assert 'href="/titles/?tag=genre/drama">Filter and sort these</a>' in html
    assert listed(browse(client, tag="genre/drama")) == ["Sad Film"]


def test_filters_never_show_drafts(client):
    drama = tag("genre", "Drama")
    TitleFactory(title="Published Drama", year=1999).tags.add(drama)
    TitleFactory(title="Draft Drama", year=1999, is_published=False).tags.add(drama)
    html = browse(client, genre="drama", year_from="1999", sort="popular")
    assert listed(html) == ["Published Drama"]


def test_kind_tabs_count_under_the_other_filters_and_keep_them(client):
    drama = tag("genre", "Drama")
    TitleFactory(title="Sad Film").tags.add(drama)
    TitleFactory(title="Other Film")
    CourseFactory(title="Sad Course").tags.add(drama)

    html = browse(client, genre="drama")

    assert 'All <span class="count">2</span>' in html and 'Movies <span class="count">1</span>' in html
    assert 'href="?genre=drama&amp;kind=movie"' in html


def test_empty_fields_from_a_form_submitted_without_javascript_mean_any(client):
    TitleFactory(title="A Movie")
    empty = dict.fromkeys(["kind", "category", "genre", "level", "language", "year_from", "year_to"], "")
    assert listed(browse(client, sort="title", **empty)) == ["A Movie"]


def test_each_active_filter_has_a_link_that_removes_it(client):
    drama = tag("genre", "Drama")
    TitleFactory(title="Sad Film", year=1995, language="fr").tags.add(drama)

    html = browse(client, genre="drama", year_from="1990", language="fr", page="1", sort="year")

    # Each link drops its own filter and the page number, and keeps everything else.
    assert 'href="?year_from=1990&amp;language=fr&amp;sort=year">Genre: Drama' in html
    assert 'href="?genre=drama&amp;language=fr&amp;sort=year">From year: 1990' in html
    assert 'href="?genre=drama&amp;year_from=1990&amp;sort=year">Language: French' in html
    assert 'href="?sort=year">Clear all filters' in html


def test_pagination_keeps_the_filters(client):
    drama = tag("genre", "Drama")
    for n in range(30):
        TitleFactory(title=f"Drama {n:02d}").tags.add(drama)
    TitleFactory(title="Not a drama")

    first = browse(client, genre="drama")
    assert "Page 1 of 2" in first and 'href="?genre=drama&amp;page=2"' in first

    second = browse(client, genre="drama", page="2")
    assert listed(second) == [f"Drama {n:02d}" for n in range(24, 30)]


# --- Sorting ---------------------------------------------------------------------------------


def test_sort_by_year_puts_the_latest_release_first_and_undated_last(client):
    TitleFactory(title="Old", year=1950)
    TitleFactory(title="Undated", year=None)
    TitleFactory(title="New", year=2020)
    assert listed(browse(client, sort="year")) == ["New", "Old", "Undated"]


def test_sort_by_popularity_uses_distinct_users_and_puts_titles_without_stats_last(client):
    quiet, busy, unknown = TitleFactory(title="A Quiet"), TitleFactory(title="B Busy"), TitleFactory(title="C Unknown")
    TitleStats.objects.create(title=quiet, user_count=3, event_count=50)
    TitleStats.objects.create(title=busy, user_count=40, event_count=45)
    assert listed(browse(client, sort="popular")) == ["B Busy", "A Quiet", "C Unknown"]
    assert unknown.pk  # no TitleStats row at all


def test_top_rated_needs_enough_ratings_and_says_so(client):
    good, great, lucky = TitleFactory(title="A Good"), TitleFactory(title="B Great"), TitleFactory(title="C Lucky")
    TitleFactory(title="D Unrated")
    TitleStats.objects.create(title=good, rating_count=50, rating_mean=3.9)
    TitleStats.objects.create(title=great, rating_count=5, rating_mean=4.6)
    TitleStats.objects.create(title=lucky, rating_count=4, rating_mean=5.0)  # too few ratings to rank

    html = browse(client, sort="rated")

    assert listed(html) == ["B Great", "A Good", "C Lucky", "D Unrated"]
    assert "Top rated (5+ ratings)" in html and "at least 5 ratings" in html
    assert "average rating</span> 4.6" in html


def test_newest_still_sorts_by_publication(client):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    TitleFactory(title="Aardvark Old", published_at=now - timedelta(days=30))
    TitleFactory(title="Zebra New", published_at=now)
    assert listed(browse(client, sort="newest")) == ["Zebra New", "Aardvark Old"]


# --- Invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year_from": "abc"}, "Enter the year as a number, e.g. 1994."),
        ({"year_to": "99999"}, "Enter a year between 1800 and 2200."),
        ({"year_from": "2000", "year_to": "1990"}, "“To year” (1990) is before “From year” (2000)."),
        ({"level": "expert"}, "Unknown skill level “expert”"),
        ({"genre": "nope"}, "Unknown genre “nope”"),
        ({"language": "xx"}, "Unknown language “xx”"),
        ({"sort": "random"}, "Unknown sort order “random”"),
        ({"tag": "genre/nope"}, "Unknown tag “genre/nope”."),
        ({"tag": "<script>"}, "Unknown tag “&lt;script&gt;”: name a tag by its number or as facet/slug"),
        ({"tag": [str(n) for n in range(11)]}, "Filter by at most 10 tags at once."),
    ],
)
def test_invalid_values_answer_400_and_say_what_was_wrong(client, params, message):
    TitleFactory(title="Still Listed")
    html = browse(client, status=400, **params)
    assert message in html
    assert 'role="alert"' in html
    assert listed(html) == ["Still Listed"]  # the bad filter is left out, the page still works


def test_valid_filters_still_apply_next_to_an_invalid_one(client):
    drama = tag("genre", "Drama")
    TitleFactory(title="Sad Film").tags.add(drama)
    TitleFactory(title="Funny Film")

    html = browse(client, status=400, genre="drama", year_from="abc")

    assert listed(html) == ["Sad Film"]
    assert 'aria-invalid="true"' in html and 'aria-describedby="filter-year_from_error"' in html
    assert 'value="abc"' in html  # kept in its box, next to its error, so it can be corrected


# --- Query count -----------------------------------------------------------------------------


def test_query_count_stays_fixed_as_the_catalogue_grows(client, django_assert_max_num_queries):
    drama, dark = tag("genre", "Drama"), tag("mood", "Dark")
    params = {"genre": "drama", "tag": "mood/dark", "year_from": "1990", "language": "en", "sort": "rated"}

    def add_titles(count: int) -> None:
        for _ in range(count):
            title = TitleFactory(year=1999, language="en")
            title.tags.add(drama, dark)
            TitleStats.objects.create(title=title, rating_count=9, rating_mean=4.0)

    add_titles(3)
    with CaptureQueriesContext(connection) as small:
        browse(client, **params)
    add_titles(40)
    # Filter options (category and genre tags, languages), the tag lookup, count, page, kind counts.
    with django_assert_max_num_queries(6):
        html = browse(client, **params)
    assert len(listed(html)) == 24
    assert Title.objects.count() == 43
    with CaptureQueriesContext(connection) as large:
        browse(client, **params)
    assert len(large) == len(small)
