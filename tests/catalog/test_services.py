import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog import services
from catalog.models import Facet, Tag, TagSynonym, Title
from recommendations.models import TagApplication
from tests.factories import TagFactory, TitleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def genre() -> Facet:
    return Facet.objects.get(slug="genre")


# --- publishing and staff picks ----------------------------------------------------------------


def test_publish_sets_published_at_only_where_empty():
    first_published = timezone.now() - timezone.timedelta(days=30)
    never = TitleFactory(is_published=False, published_at=None)
    before = TitleFactory(is_published=False, published_at=first_published)
    live = TitleFactory(is_published=True)

    count = services.publish_titles(title_ids=[never.pk, before.pk, live.pk])

    assert count == 2
    never.refresh_from_db()
    before.refresh_from_db()
    assert never.is_published and never.published_at is not None
    assert before.is_published and before.published_at == first_published


def test_publish_accepts_a_queryset_of_ids():
    TitleFactory.create_batch(3, is_published=False)
    assert services.publish_titles(title_ids=Title.objects.values("pk")) == 3
    assert not Title.objects.filter(is_published=False).exists()


def test_unpublish_keeps_published_at():
    title = TitleFactory(is_published=True)
    published_at = title.published_at

    assert services.unpublish_titles(title_ids=[title.pk]) == 1
    assert services.unpublish_titles(title_ids=[title.pk]) == 0
    title.refresh_from_db()
    assert not title.is_published
    assert title.published_at == published_at


def test_set_staff_pick_counts_only_changed_titles():
    picked = TitleFactory(is_staff_pick=True)
    other = TitleFactory()

    assert services.set_staff_pick(title_ids=[picked.pk, other.pk], is_staff_pick=True) == 1
    assert set(Title.objects.filter(is_staff_pick=True)) == {picked, other}
    assert services.set_staff_pick(title_ids=[picked.pk], is_staff_pick=False) == 1
    assert list(Title.objects.filter(is_staff_pick=True)) == [other]


# --- adding and removing tags ------------------------------------------------------------------


def test_add_tag_skips_titles_that_have_it():
    tag = TagFactory()
    tagged, untagged = TitleFactory(), TitleFactory()
    tagged.tags.add(tag)

    assert services.add_tag_to_titles(tag=tag, title_ids=[tagged.pk, untagged.pk]) == 1
    assert set(tag.titles.all()) == {tagged, untagged}
    assert Title.tags.through.objects.filter(tag=tag).count() == 2


def test_remove_tag_leaves_other_titles_and_tags():
    tag, other_tag = TagFactory(), TagFactory()
    chosen, untouched = TitleFactory(), TitleFactory()
    chosen.tags.add(tag, other_tag)
    untouched.tags.add(tag)

    assert services.remove_tag_from_titles(tag=tag, title_ids=[chosen.pk]) == 1
    assert list(chosen.tags.all()) == [other_tag]
    assert list(untouched.tags.all()) == [tag]


# --- merging tags -------------------------------------------------------------------------------


def test_merge_moves_titles_without_duplicate_rows(genre):
    survivor = TagFactory(facet=genre, name="Science Fiction")
    scifi = TagFactory(facet=genre, name="Sci-Fi")
    sf = TagFactory(facet=genre, name="SF")
    both, only_merged, two_merged = TitleFactory(), TitleFactory(), TitleFactory()
    both.tags.add(survivor, scifi)
    only_merged.tags.add(scifi)
    two_merged.tags.add(scifi, sf)

    result = services.merge_tags(surviving=survivor, merged=[scifi, sf])

    assert result.titles == 3
    assert result.tags_deleted == 2
    assert set(survivor.titles.all()) == {both, only_merged, two_merged}
    assert Title.tags.through.objects.filter(tag=survivor).count() == 3
    assert not Tag.objects.filter(pk__in=[scifi.pk, sf.pk]).exists()


def test_merge_moves_tag_applications_and_drops_duplicates(genre):
    survivor, merged_a, merged_b = TagFactory(facet=genre), TagFactory(facet=genre), TagFactory(facet=genre)
    title = TitleFactory()
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    TagApplication.objects.create(user=alice, title=title, tag=survivor)
    TagApplication.objects.create(user=alice, title=title, tag=merged_a)  # alice has the survivor already
    TagApplication.objects.create(user=bob, title=title, tag=merged_a)
    TagApplication.objects.create(user=carol, title=title, tag=merged_a)
    TagApplication.objects.create(user=carol, title=title, tag=merged_b)  # carol used both merged tags

    result = services.merge_tags(surviving=survivor, merged=[merged_a, merged_b])

    assert (result.applications_moved, result.applications_dropped) == (2, 2)
    assert TagApplication.objects.count() == 3
    assert set(TagApplication.objects.values_list("user", "tag")) == {
        (alice.pk, survivor.pk),
        (bob.pk, survivor.pk),
        (carol.pk, survivor.pk),
    }


def test_merge_records_names_and_moves_synonyms(genre):
    survivor = TagFactory(facet=genre, name="Science Fiction")
    TagSynonym.objects.create(tag=survivor, name="SciFi")
    scifi = TagFactory(facet=genre, name="Sci-Fi")
    TagSynonym.objects.create(tag=scifi, name="scifi")  # same as the survivor's, ignoring case
    TagSynonym.objects.create(tag=scifi, name="Sci Fi")
    shouting = TagFactory(facet=genre, name="SCIENCE-FICTION")
    TagSynonym.objects.create(tag=shouting, name="science fiction")  # the survivor's own name

    result = services.merge_tags(surviving=survivor, merged=[scifi, shouting])

    names = sorted(survivor.synonyms.values_list("name", flat=True))
    assert names == ["SCIENCE-FICTION", "Sci Fi", "Sci-Fi", "SciFi"]
    assert result.synonyms == 3
    assert TagSynonym.objects.count() == 4


def test_merge_refuses_tags_of_another_facet(genre):
    survivor = TagFactory(facet=genre, name="Thriller")
    mood = TagFactory(facet=Facet.objects.get(slug="mood"), name="Tense")
    title = TitleFactory()
    title.tags.add(mood)

    with pytest.raises(ValidationError, match="within one facet"):
        services.merge_tags(surviving=survivor, merged=[mood])

    assert Tag.objects.filter(pk=mood.pk).exists()
    assert list(title.tags.all()) == [mood]


def test_merge_ignores_the_survivor_in_the_merged_list_and_needs_another_tag(genre):
    survivor = TagFactory(facet=genre)
    with pytest.raises(ValidationError, match="at least one"):
        services.merge_tags(surviving=survivor, merged=[survivor])

    other = TagFactory(facet=genre)
    result = services.merge_tags(surviving=survivor, merged=[survivor, other])
    assert result.tags_deleted == 1
    assert Tag.objects.filter(pk=survivor.pk).exists()
