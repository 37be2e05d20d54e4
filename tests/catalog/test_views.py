import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Facet, Tag
from tests.factories import (
    CourseFactory,
    CreditFactory,
    EventFactory,
    PersonFactory,
    TagFactory,
    TitleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def section(html: str, heading_id: str) -> str:
    """The HTML of one home-page shelf, from its heading to the next section."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


# --- Home ------------------------------------------------------------------------------------


def test_empty_home_explains_how_to_load_the_demo(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "python manage.py load_demo" in response.content.decode()


def test_home_shows_each_shelf_without_repeating_a_title(client):
    now = timezone.now()
    featured = TitleFactory(title="Featured Pick", is_staff_pick=True, published_at=now, synopsis="A fine film.")
    TitleFactory(title="Older Pick", is_staff_pick=True, published_at=now - timedelta(days=3))
    TitleFactory(title="Fresh Release", release_date=now.date() - timedelta(days=2))
    TitleFactory(title="Future Release", release_date=now.date() + timedelta(days=20))
    hit, faded = TitleFactory(title="Everyone Watches This"), TitleFactory(title="Was Big Last Year")
    for _ in range(3):
        EventFactory(title=hit, timestamp=now - timedelta(days=2))
        EventFactory(title=faded, timestamp=now - timedelta(days=90))
    CourseFactory(title="Learn Things")
    TitleFactory(title="Secret Draft", is_published=False, is_staff_pick=True)

    html = client.get("/").content.decode()

    assert 'id="featured-title">Featured Pick<' in html and "A fine film." in html
    assert "Older Pick" in section(html, "row-staff-picks")
    assert "Featured Pick" not in section(html, "row-staff-picks")  # already featured above
    assert "Fresh Release" in section(html, "row-new-releases")
    assert "Future Release" not in section(html, "row-new-releases")
    popular = section(html, "row-trending")
    assert "Everyone Watches This" in popular and "Was Big Last Year" not in popular
    assert "Learn Things" in section(html, "row-courses")
    assert "Secret Draft" not in html
    assert html.count(f'href="{featured.get_absolute_url()}"') == 1


def test_home_query_count_does_not_grow_with_the_catalogue(client, django_assert_max_num_queries):
    for n in range(30):
        TitleFactory(is_staff_pick=n % 2 == 0, release_date=timezone.now().date())
        CourseFactory()
    # Computing the public rows (cold cache): the catalogue's genres, published ids and names,
    # the four public rankings, the three model versions; then titles for the page, the active
    # model's label, and the impression log (savepoint, one bulk insert, release).
    with django_assert_max_num_queries(15):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(5):  # rows from the cache: titles, label, impressions
        assert client.get("/").status_code == 200


# --- Browse ----------------------------------------------------------------------------------


def test_browse_filters_by_kind_and_counts_each_kind(client):
    TitleFactory(title="A Movie")
    CourseFactory(title="A Course")
    TitleFactory(title="A Draft", is_published=False)

    html = client.get("/titles/", {"kind": "course"}).content.decode()

    assert "A Course" in html and "A Movie" not in html and "A Draft" not in html
    assert "<h1>Courses</h1>" in html
    assert 'aria-current="page">Courses <span class="count">1</span>' in html
    assert 'Movies <span class="count">1</span>' in html and 'All <span class="count">2</span>' in html


def test_browse_names_an_unknown_kind_and_lists_everything_else(client):
    TitleFactory(title="A Movie")
    response = client.get("/titles/", {"kind": "podcast"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unknown kind of title “podcast”" in html and "A Movie" in html


def test_browse_paginates_and_keeps_the_filter_in_page_links(client):
    for n in range(30):
        CourseFactory(title=f"Course {n:02d}")
    first = client.get("/titles/", {"kind": "course"}).content.decode()
    assert "Page 1 of 2" in first
    assert 'href="?kind=course&amp;page=2"' in first

    second = client.get("/titles/", {"kind": "course", "page": "2"}).content.decode()
    assert "Course 29" in second and "Course 00" not in second
    assert client.get("/titles/", {"page": "999"}).status_code == 200  # out of range → last page


def test_browse_sorts_newest_first(client):
    now = timezone.now()
    TitleFactory(title="Aardvark Old", published_at=now - timedelta(days=30))
    TitleFactory(title="Zebra New", published_at=now)
    html = client.get("/titles/", {"sort": "newest"}).content.decode()
    assert html.index("Zebra New") < html.index("Aardvark Old")


def test_browse_query_count_is_bounded(client, django_assert_max_num_queries):
    genre = Facet.objects.get(slug="genre")
    tags = [Tag.objects.create(facet=genre, name=f"G{n}", slug=f"g{n}") for n in range(3)]
    for n in range(30):
        title = TitleFactory() if n % 2 else CourseFactory()
        title.tags.set(tags)
    with django_assert_max_num_queries(5):  # filter options (tags, languages), count, page, kind counts
        assert client.get("/titles/", {"page": "2"}).status_code == 200


# --- Title page ------------------------------------------------------------------------------


@pytest.fixture
def course_with_everything():
    python_topic = TagFactory(facet=Facet.objects.get(slug="topic"), name="Python", slug="python")
    basics = CourseFactory(title="Python Basics", slug="python-basics")
    hidden = CourseFactory(title="Unreleased Primer", slug="unreleased-primer", is_published=False)
    course = CourseFactory(
        title="Intermediate Python",
        slug="intermediate-python",
        synopsis="Functions, classes & tests.",
        language="pt-BR",
        duration_minutes=135,
        lesson_count=12,
        provider="Open Campus",
        instructor="Amara Lindqvist",
    )
    course.prerequisites.set([basics, hidden])
    course.tags.add(python_topic)
    basics.tags.add(python_topic)
    CreditFactory(title=course, person=PersonFactory(name="Kenji Strand"), role="writer")
    return course


def test_title_page_shows_metadata_tags_credits_and_prerequisites(client, course_with_everything):
    html = client.get("/titles/intermediate-python/").content.decode()

    assert "<h1>Intermediate Python</h1>" in html
    assert "Functions, classes &amp; tests." in html
    for fact in ("Brazilian Portuguese", "2 h 15 min", "Beginner", "Open Campus", "Amara Lindqvist", "12"):
        assert f"<dd>{fact}</dd>" in html
    assert '<a href="/tags/topic/python/">Python</a>' in html
    assert "Kenji Strand" in html and "Writer" in html
    assert 'href="/titles/python-basics/"' in html  # prerequisite, and "More like this" via the shared tag
    assert "Unreleased Primer" not in html
    assert 'alt="Poster for Intermediate Python"' in html


def test_credits_are_billed_director_first(client):
    film = TitleFactory(slug="billing")
    CreditFactory(title=film, person=PersonFactory(name="Zed Actor"), role="cast", order=0)
    CreditFactory(title=film, person=PersonFactory(name="Yan Director"), role="director")
    html = client.get("/titles/billing/").content.decode()
    assert html.index("Yan Director") < html.index("Zed Actor")


def test_prerequisite_page_links_to_what_it_leads_to(client, course_with_everything):
    html = client.get("/titles/python-basics/").content.decode()
    assert "Where it leads" in html and 'href="/titles/intermediate-python/"' in html


def test_title_page_query_count_does_not_grow_with_tags_or_credits(
    client, course_with_everything, django_assert_max_num_queries
):
    for n in range(10):
        course_with_everything.tags.add(TagFactory())
        CreditFactory(title=course_with_everything, role="cast", order=n)
    # title, tags, credits, prerequisites, required_for; More like this (the item-to-item and
    # content versions, related titles, their shared tags, the titles); the view event
    # (savepoint, release: an anonymous visitor's events wait in the session); and the new
    # session itself (key check, savepoint, insert, release).
    with django_assert_max_num_queries(16):
        assert client.get("/titles/intermediate-python/").status_code == 200


def test_unknown_and_unpublished_titles_are_404_for_the_public(client):
    TitleFactory(slug="a-draft", is_published=False)
    assert client.get("/titles/nope/").status_code == 404
    assert client.get("/titles/a-draft/").status_code == 404
    assert client.get("/titles/a-draft/poster.svg").status_code == 404


def test_staff_can_preview_a_draft(client):
    TitleFactory(slug="a-draft", title="A Draft", is_published=False)
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/titles/a-draft/")
    assert response.status_code == 200
    assert "Draft: only staff can see this page." in response.content.decode()
    poster = client.get("/titles/a-draft/poster.svg")
    assert poster.status_code == 200 and "private" in poster["Cache-Control"]


# --- Tag page --------------------------------------------------------------------------------


def test_tag_page_lists_published_titles_with_the_tag(client):
    genre = Facet.objects.get(slug="genre")
    drama = Tag.objects.create(facet=genre, name="Drama", slug="drama", description="People under pressure.")
    comedy = Tag.objects.create(facet=genre, name="Comedy", slug="comedy")
    TitleFactory(title="Sad Film").tags.add(drama)
    TitleFactory(title="Sad Draft", is_published=False).tags.add(drama)
    TitleFactory(title="Funny Film").tags.add(comedy)

    response = client.get(drama.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Drama</h1>" in html and "People under pressure." in html and "Genre" in html
    assert "Sad Film" in html and "Sad Draft" not in html and "Funny Film" not in html
    assert 'href="/tags/genre/comedy/"' in html  # "More in genre"


def test_unknown_tag_or_facet_is_404(client):
    Tag.objects.create(facet=Facet.objects.get(slug="genre"), name="Drama", slug="drama")
    assert client.get("/tags/genre/nope/").status_code == 404
    assert client.get("/tags/mood/drama/").status_code == 404


# --- Poster ----------------------------------------------------------------------------------


def test_poster_is_a_cacheable_svg_naming_the_title(client):
    TitleFactory(slug="heat", title="Heat & Dust")
    response = client.get(reverse("catalog:poster", kwargs={"slug": "heat"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert "Heat &amp; Dust" in response.content.decode()


# --- Layout and accessibility basics ---------------------------------------------------------


def test_pages_have_a_skip_link_landmarks_and_no_external_assets(client, course_with_everything):
    for url in ("/", "/titles/", "/titles/intermediate-python/", "/tags/topic/python/"):
        html = client.get(url).content.decode()
        assert 'href="#main"' in html and '<main id="main"' in html and '<nav aria-label="Main">' in html
        assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN: everything is served locally
        assert html.count("<h1") == 1
