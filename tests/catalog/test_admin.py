import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Facet, Tag, TagSynonym, Title
from catalog.permissions import EDITORS_GROUP
from recommendations.models import TagApplication
from tests.factories import (
    CourseFactory,
    CreditFactory,
    FacetFactory,
    TagFactory,
    TitleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TITLES = reverse("admin:catalog_title_changelist")
TAGS = reverse("admin:catalog_tag_changelist")
FACETS = reverse("admin:catalog_facet_changelist")


@pytest.fixture
def editor(client):
    """A client logged in as a staff member of the Editors group, and nothing more."""
    user = UserFactory(username="editor", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(user)
    return client


@pytest.fixture
def genre() -> Facet:
    return Facet.objects.get(slug="genre")


@pytest.fixture
def mood() -> Facet:
    return Facet.objects.get(slug="mood")


def listed(response) -> set:
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def run_action(client, url: str, action: str, objects, **form) -> tuple:
    """POST an action from the changelist; with `form`, fill in its intermediate page too."""
    selection = {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects]}
    response = client.post(url, selection)
    if not form:
        return response, None
    assert response.status_code == 200, "expected the intermediate page"
    return response, client.post(url, {**selection, **form, "apply": "Apply"})


# --- title changelist: filters, search, queries --------------------------------------------------


def test_title_changelist_filters(editor, genre, mood):
    movie = TitleFactory(title="Heat")
    course = CourseFactory(title="Intro to Python", skill_level="advanced", is_published=False)
    pick = TitleFactory(title="Alien", is_staff_pick=True)
    movie.tags.add(TagFactory(facet=mood))
    course.tags.add(*TagFactory.create_batch(3, facet=genre))

    assert listed(editor.get(TITLES)) == {movie, course, pick}
    assert listed(editor.get(TITLES, {"kind__exact": "course"})) == {course}
    assert listed(editor.get(TITLES, {"is_published__exact": "0"})) == {course}
    assert listed(editor.get(TITLES, {"is_staff_pick__exact": "1"})) == {pick}
    assert listed(editor.get(TITLES, {"skill_level__exact": "advanced"})) == {course}
    assert listed(editor.get(TITLES, {"facet": "mood"})) == {movie}
    assert listed(editor.get(TITLES, {"facet": "genre"})) == {course}
    assert listed(editor.get(TITLES, {"facet": "genre", "kind__exact": "movie"})) == set()


def test_title_changelist_tagging_filter_and_counts(editor, genre):
    untagged, under, well = TitleFactory(), TitleFactory(), TitleFactory()
    under.tags.add(*TagFactory.create_batch(2, facet=genre))
    well.tags.add(*TagFactory.create_batch(3, facet=genre))

    assert listed(editor.get(TITLES, {"tagging": "untagged"})) == {untagged}
    assert listed(editor.get(TITLES, {"tagging": "under"})) == {untagged, under}
    assert listed(editor.get(TITLES, {"tagging": "well"})) == {well}
    # The facet filter must not multiply the count of a title with several tags in the facet.
    (row,) = editor.get(TITLES, {"facet": "genre", "tagging": "well"}).context["cl"].result_list
    assert row.tag_count == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "Casablanca"), ("slug", "casa-1942"), ("synopsis", "Rick's café"), ("external_id", "tt0034583")],
)
def test_title_search(editor, field, value):
    found = TitleFactory(**{field: value})
    TitleFactory(title="Something else")
    assert listed(editor.get(TITLES, {"q": value})) == {found}


def test_title_search_on_course_fields(editor):
    course = CourseFactory(provider="Open Campus", instructor="Ada Lovelace")
    CourseFactory(provider="Elsewhere")
    assert listed(editor.get(TITLES, {"q": "lovelace"})) == {course}
    assert listed(editor.get(TITLES, {"q": "open campus"})) == {course}


def test_title_changelist_queries_do_not_grow_with_rows(admin_client, genre):
    tags = TagFactory.create_batch(5, facet=genre)
    TitleFactory().tags.add(*tags[:3])  # warm up: first requests fill caches (content types, sessions)
    admin_client.get(TITLES)

    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(TITLES).status_code == 200
    for title in TitleFactory.create_batch(50):
        title.tags.add(*tags[:3])
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(TITLES)

    assert len(response.context["cl"].result_list) == 51
    assert b"poster.svg" in response.content
    assert len(many) == len(few)
    assert len(many) <= 10


def test_tag_changelist_queries_do_not_grow_with_rows(admin_client, django_assert_max_num_queries, genre):
    for tag in TagFactory.create_batch(50, facet=genre):
        TagSynonym.objects.create(tag=tag, name=f"{tag.name} (alt)")
        TitleFactory().tags.add(tag)

    with django_assert_max_num_queries(10):
        response = admin_client.get(TAGS)

    assert response.status_code == 200
    assert {tag.usage_count for tag in response.context["cl"].result_list} == {1}


# --- title bulk actions --------------------------------------------------------------------------


def test_publish_and_unpublish_actions(editor):
    draft = TitleFactory(is_published=False, published_at=None)
    live = TitleFactory()

    response, _ = run_action(editor, TITLES, "publish", [draft])
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_at is not None
    assert messages_of(response) == ["Published 1 title."]

    run_action(editor, TITLES, "unpublish", [draft, live])
    assert not Title.objects.filter(is_published=True).exists()


def test_staff_pick_actions(editor):
    title, other = TitleFactory(), TitleFactory()
    run_action(editor, TITLES, "mark_staff_pick", [title, other])
    assert Title.objects.filter(is_staff_pick=True).count() == 2
    run_action(editor, TITLES, "unmark_staff_pick", [other])
    assert list(Title.objects.filter(is_staff_pick=True)) == [title]


def test_add_tag_action_uses_an_intermediate_page(editor, genre):
    tag = TagFactory(facet=genre, name="Noir")
    has_it, lacks_it, unselected = TitleFactory(), TitleFactory(), TitleFactory()
    has_it.tags.add(tag)

    page, response = run_action(editor, TITLES, "add_tag", [has_it, lacks_it], tag=tag.pk)

    assert b'name="apply"' in page.content
    assert b"admin/js/autocomplete.js" in page.content
    assert response.status_code == 302
    assert set(tag.titles.all()) == {has_it, lacks_it}
    assert not unselected.tags.exists()
    assert messages_of(response) == ["Added tag Genre: Noir to 1 title."]


def test_add_tag_action_without_a_tag_shows_the_form_again(editor):
    title = TitleFactory()
    _, response = run_action(editor, TITLES, "add_tag", [title], tag="")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not title.tags.exists()


def test_remove_tag_action_offers_only_tags_the_titles_carry(editor, genre):
    tag, other = TagFactory(facet=genre), TagFactory(facet=genre)
    unrelated = TagFactory(facet=genre)
    chosen, kept = TitleFactory(), TitleFactory()
    chosen.tags.add(tag, other)
    kept.tags.add(tag, unrelated)

    page = editor.post(TITLES, {"action": "remove_tag", ACTION_CHECKBOX_NAME: [chosen.pk]})
    assert set(page.context["form"].fields["tag"].queryset) == {tag, other}

    _, response = run_action(editor, TITLES, "remove_tag", [chosen], tag=tag.pk)
    assert response.status_code == 302
    assert list(chosen.tags.all()) == [other]
    assert set(kept.tags.all()) == {tag, unrelated}
    assert messages_of(response) == [f"Removed tag {tag} from 1 title."]


def test_action_keeps_the_changelist_filter(editor, genre):
    tag = TagFactory(facet=genre)
    course, movie = CourseFactory(), TitleFactory()
    url = f"{TITLES}?kind__exact=course"

    response = editor.post(
        url, {"action": "add_tag", ACTION_CHECKBOX_NAME: [course.pk], "select_across": "1", "tag": tag.pk, "apply": "1"}
    )

    assert response.status_code == 302
    assert list(tag.titles.all()) == [course]
    assert not movie.tags.exists()


# --- title forms ---------------------------------------------------------------------------------


def test_editor_can_add_and_change_titles(editor, genre):
    assert editor.get(reverse("admin:catalog_title_add")).status_code == 200
    title = TitleFactory(source="ml-100k", external_id="1")
    title.tags.add(TagFactory(facet=genre))
    CreditFactory(title=title)

    response = editor.get(reverse("admin:catalog_title_change", args=[title.pk]))

    assert response.status_code == 200
    assert {"source", "external_id"} <= set(response.context["adminform"].readonly_fields)


def test_tag_autocomplete_for_editors(editor, genre):
    TagFactory(facet=genre, name="Drama")
    TagFactory(facet=genre, name="Comedy")
    url = reverse("admin:autocomplete")
    params = {"app_label": "catalog", "model_name": "title", "field_name": "tags", "term": "dra"}

    results = editor.get(url, params).json()["results"]

    assert [result["text"] for result in results] == ["Genre: Drama"]


# --- tags: usage counts and merge ----------------------------------------------------------------


def test_tag_changelist_shows_usage_and_synonyms(editor, genre):
    tag = TagFactory(facet=genre, name="Science Fiction")
    TagSynonym.objects.create(tag=tag, name="Sci-Fi")
    for title in TitleFactory.create_batch(2):
        title.tags.add(tag)

    response = editor.get(TAGS, {"q": "sci-fi"})

    (row,) = listed(response)
    assert row == tag and row.usage_count == 2
    assert b"Sci-Fi" in response.content


def test_merge_action(editor, genre):
    survivor = TagFactory(facet=genre, name="Science Fiction")
    scifi = TagFactory(facet=genre, name="Sci-Fi")
    title = TitleFactory()
    title.tags.add(scifi)
    TagApplication.objects.create(user=UserFactory(), title=title, tag=scifi)

    page, response = run_action(editor, TAGS, "merge_tags", [survivor, scifi], surviving=survivor.pk)

    assert response.status_code == 302
    assert not Tag.objects.filter(pk=scifi.pk).exists()
    assert list(title.tags.all()) == [survivor]
    assert TagApplication.objects.get().tag == survivor
    assert list(survivor.synonyms.values_list("name", flat=True)) == ["Sci-Fi"]
    assert messages_of(response)[0].startswith("Merged 1 tag into Genre: Science Fiction: 1 title,")


def test_merge_survivor_may_be_any_tag_of_the_facet_but_not_another_facet(editor, genre, mood):
    canonical = TagFactory(facet=genre, name="Thriller")
    typo = TagFactory(facet=genre, name="Thriler")
    elsewhere = TagFactory(facet=mood, name="Thrilling")

    page = editor.post(TAGS, {"action": "merge_tags", ACTION_CHECKBOX_NAME: [typo.pk]})
    assert set(page.context["form"].fields["surviving"].queryset) == {canonical, typo}
    run_action(editor, TAGS, "merge_tags", [typo], surviving=canonical.pk)
    assert not Tag.objects.filter(pk=typo.pk).exists()

    _, response = run_action(editor, TAGS, "merge_tags", [canonical], surviving=elsewhere.pk)
    assert response.status_code == 200  # not a choice: the form is shown again
    assert Tag.objects.filter(pk=canonical.pk).exists()


def test_merge_page_suggests_the_most_used_tag(editor, genre):
    rare, common = TagFactory(facet=genre), TagFactory(facet=genre)
    for title in TitleFactory.create_batch(2):
        title.tags.add(common)

    page = editor.post(TAGS, {"action": "merge_tags", ACTION_CHECKBOX_NAME: [rare.pk, common.pk]})

    assert page.context["form"]["surviving"].value() == common.pk


def test_merge_refuses_tags_from_two_facets(editor, genre, mood):
    drama, dark = TagFactory(facet=genre), TagFactory(facet=mood)

    response = editor.post(TAGS, {"action": "merge_tags", ACTION_CHECKBOX_NAME: [drama.pk, dark.pk]})

    assert response.status_code == 302
    assert "only be merged within one facet" in messages_of(response)[0]
    assert Tag.objects.filter(pk__in=[drama.pk, dark.pk]).count() == 2


# --- facets --------------------------------------------------------------------------------------


def test_builtin_facets_cannot_be_deleted(editor, genre):
    assert editor.get(reverse("admin:catalog_facet_delete", args=[genre.pk])).status_code == 403
    assert editor.post(reverse("admin:catalog_facet_delete", args=[genre.pk]), {"post": "yes"}).status_code == 403

    response = editor.post(FACETS, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [genre.pk], "post": "yes"})

    assert response.status_code == 403
    assert Facet.objects.filter(pk=genre.pk).exists()


def test_editor_can_add_and_delete_own_facets(editor):
    response = editor.post(reverse("admin:catalog_facet_add"), {"name": "Era", "slug": "era", "description": ""})
    assert response.status_code == 302
    era = Facet.objects.get(slug="era")
    assert not era.is_builtin

    extra = FacetFactory()
    response = editor.post(
        FACETS, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [era.pk, extra.pk], "post": "yes"}
    )

    assert response.status_code == 302
    assert not Facet.objects.filter(pk__in=[era.pk, extra.pk]).exists()


def test_builtin_facet_slug_is_read_only(editor, genre):
    response = editor.get(reverse("admin:catalog_facet_change", args=[genre.pk]))
    assert "slug" in response.context["adminform"].readonly_fields


# --- who may see what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/auth/group/",
        "/admin/recommendations/event/",
        "/admin/recommendations/tagapplication/",
        "/admin/recommendations/titlestats/",
        "/admin/django_celery_beat/periodictask/",
    ],
)
def test_editor_is_refused_outside_the_catalogue(editor, url):
    assert editor.get(url).status_code == 403


def test_editor_admin_index_lists_only_the_catalogue(editor):
    response = editor.get(reverse("admin:index"))
    assert [app["app_label"] for app in response.context["app_list"]] == ["catalog"]


def test_non_staff_member_of_editors_cannot_reach_the_admin(client):
    user = UserFactory(is_staff=False)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(user)
    assert client.get(TITLES).status_code == 302  # to the login page


def test_activity_is_read_only_even_for_superusers(admin_client):
    assert admin_client.get("/admin/recommendations/event/").status_code == 200
    assert admin_client.get("/admin/recommendations/event/add/").status_code == 403
    assert admin_client.get("/admin/recommendations/tagapplication/").status_code == 200
    assert admin_client.get("/admin/recommendations/titlestats/").status_code == 200
