import pytest
from django.db import IntegrityError

from catalog.models import Facet, Tag
from tests.factories import TitleFactory

pytestmark = pytest.mark.django_db


def test_builtin_facets_exist_after_migrate():
    assert set(Facet.objects.filter(is_builtin=True).values_list("slug", flat=True)) == {
        "genre",
        "category",
        "topic",
        "skill",
        "mood",
        "keyword",
    }


def test_tag_names_are_unique_within_a_facet_ignoring_case():
    genre = Facet.objects.get(slug="genre")
    Tag.objects.create(facet=genre, name="Drama")
    with pytest.raises(IntegrityError):
        Tag.objects.create(facet=genre, name="drama", slug="drama-2")


def test_same_tag_name_allowed_in_two_facets():
    Tag.objects.create(facet=Facet.objects.get(slug="genre"), name="Thriller")
    Tag.objects.create(facet=Facet.objects.get(slug="mood"), name="Thriller")
    assert Tag.objects.filter(name="Thriller").count() == 2


def test_title_without_poster_gets_generated_art_url():
    title = TitleFactory(slug="heat")
    assert title.poster_url == "/titles/heat/poster.svg"
