"""Titles, tags and facets: everyone reads published titles; only editors write."""

import pytest

from catalog.models import Facet, Title
from tests.api.conftest import client_for
from tests.factories import CourseFactory, TagFactory, TitleFactory

TITLES = "/api/v1/titles/"


@pytest.fixture
def catalogue(db):
    drama, comedy = TagFactory(name="Drama", slug="drama"), TagFactory(name="Comedy", slug="comedy")
    old = TitleFactory(title="Old drama", year=1950)
    old.tags.add(drama)
    new = TitleFactory(title="New comedy", year=2020)
    new.tags.add(comedy)
    course = CourseFactory(title="Python basics", year=2021)
    draft = TitleFactory(title="Secret draft", is_published=False)
    return {"drama": drama, "comedy": comedy, "old": old, "new": new, "course": course, "draft": draft}


def _titles(client, **params) -> list[str]:
    response = client.get(TITLES, params)
    assert response.status_code == 200, response.json()
    return [t["title"] for t in response.json()["results"]]


def test_list_is_paginated_published_and_open_to_anyone(anon, catalogue):
    response = anon.get(TITLES, {"page_size": 2})
    data = response.json()
    assert data["count"] == 3 and len(data["results"]) == 2 and data["next"]
    assert "Secret draft" not in _titles(anon, page_size=100)
    assert len(anon.get(TITLES, {"page_size": 10_000}).json()["results"]) == 3  # capped, not an error


def test_filters(anon, catalogue):
    assert _titles(anon, kind="course") == ["Python basics"]
    assert _titles(anon, tag="genre/drama") == ["Old drama"]
    assert _titles(anon, tag=str(catalogue["comedy"].pk)) == ["New comedy"]
    assert _titles(anon, facet="genre") == ["New comedy", "Old drama"]
    assert _titles(anon, level="beginner") == ["Python basics"]
    assert _titles(anon, year_from=2000, year_to=2020) == ["New comedy"]
    assert _titles(anon, search="comedy") == ["New comedy"]
    assert _titles(anon, sort="year") == ["Python basics", "New comedy", "Old drama"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "opera"}, "kind"),
        ({"year_from": "soon"}, "year_from"),
        ({"year_to": 99999}, "year_to"),
        ({"tag": "genre/nothing"}, "tag"),
        ({"tag": "!!"}, "tag"),
        ({"search": "x" * 10_000}, "search"),
        ({"sort": "random"}, "sort"),
    ],
)
def test_bad_filters_are_400(anon, catalogue, params, field):
    response = anon.get(TITLES, params)
    assert response.status_code == 400
    assert response.json()["errors"][field]


def test_detail_and_drafts(anon, api, editor, catalogue):
    assert anon.get(f"{TITLES}{catalogue['old'].pk}/").json()["tags"][0]["slug"] == "drama"
    assert anon.get(f"{TITLES}{catalogue['draft'].pk}/").status_code == 404
    assert api.get(f"{TITLES}{catalogue['draft'].pk}/").status_code == 404
    assert client_for(editor).get(f"{TITLES}{catalogue['draft'].pk}/").status_code == 200
    assert anon.get(f"{TITLES}999999999999999999/").status_code == 404


def test_editors_list_drafts_on_request(editor, catalogue):
    editors = client_for(editor)
    assert "Secret draft" not in _titles(editors, page_size=100)  # the default is what readers see
    assert _titles(editors, status="draft") == ["Secret draft"]
    assert _titles(editors, status="any", page_size=100) == ["New comedy", "Old drama", "Python basics", "Secret draft"]
    assert _titles(editors, status="draft", search="secret") == ["Secret draft"]
    assert _titles(editors, status="draft", search="secret", sort="title") == ["Secret draft"]
    assert _titles(editors, status="draft", kind="course") == []


@pytest.mark.parametrize("status", ["draft", "any"])
def test_only_editors_list_drafts(anon, api, catalogue, status):
    for client in (anon, api):
        response = client.get(TITLES, {"status": status})
        assert response.status_code == 403
        assert "Only editors" in str(response.json())
    assert anon.get(TITLES, {"status": "unpublished"}).json()["errors"]["status"]


def test_similar_has_reasons(anon, catalogue):
    other = TitleFactory(title="Another drama")
    other.tags.add(catalogue["drama"])
    response = anon.get(f"{TITLES}{catalogue['old'].pk}/similar/")
    assert response.status_code == 200
    assert response.json()[0]["id"] == other.pk and response.json()[0]["reason"]


def test_tags_and_facets(anon, catalogue):
    tags = anon.get("/api/v1/tags/", {"facet__slug": "genre"}).json()["results"]
    assert {"Drama", "Comedy"} <= {t["name"] for t in tags}
    assert "genre" in {f["slug"] for f in anon.get("/api/v1/facets/").json()}


def test_editors_create_update_and_tag(editor, catalogue):
    client = client_for(editor)
    response = client.post(TITLES, {"title": "Brand new", "kind": "movie", "year": 2024})
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["slug"] == "brand-new"
    assert client.patch(f"{TITLES}{pk}/", {"synopsis": "Good."}).json()["synopsis"] == "Good."
    tagged = client.post(f"{TITLES}{pk}/tags/", {"tag": catalogue["drama"].pk})
    assert [t["name"] for t in tagged.json()["tags"]] == ["Drama"]
    untagged = client.delete(f"{TITLES}{pk}/tags/{catalogue['drama'].pk}/")
    assert untagged.json()["tags"] == []
    assert client.post(f"{TITLES}{pk}/tags/", {"tag": 999999}).json()["errors"]["tag"]


def test_staff_count_as_editors(staff, catalogue):
    assert client_for(staff).post(TITLES, {"title": "By staff"}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [({"title": ""}, "title"), ({"title": "x", "year": 12}, "year"), ({"title": "x" * 10_000}, "title")],
)
def test_editors_bad_input_is_400(editor, body, field):
    response = client_for(editor).post(TITLES, body)
    assert response.status_code == 400
    assert response.json()["errors"][field]


def test_non_editors_never_write(api, anon, catalogue):
    pk, tag = catalogue["old"].pk, catalogue["comedy"].pk
    for client, code in ((anon, 401), (api, 403)):
        assert client.post(TITLES, {"title": "Nope"}).status_code == code
        assert client.patch(f"{TITLES}{pk}/", {"title": "Hacked"}).status_code == code
        assert client.put(f"{TITLES}{pk}/", {"title": "Hacked", "kind": "movie"}).status_code == code
        assert client.post(f"{TITLES}{pk}/tags/", {"tag": tag}).status_code == code
        assert client.delete(f"{TITLES}{pk}/tags/{catalogue['drama'].pk}/").status_code == code
    assert Title.objects.get(pk=pk).title == "Old drama"
    assert list(catalogue["old"].tags.all()) == [catalogue["drama"]]
    assert not Title.objects.filter(title="Nope").exists()
    assert Facet.objects.filter(slug="genre").exists()
