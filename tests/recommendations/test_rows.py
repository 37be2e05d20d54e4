"""Home rows with reasons, from the active model: personal rows, privacy, freshness after an
event, precomputation, and the title page's More like this."""

import json

import pytest
from django.core.files.storage import default_storage

from accounts import services as privacy
from recommendations import rows, serving, similar, tasks
from recommendations.models import Event, UserRows
from tests.factories import EventFactory, TitleFactory, UserFactory
from tests.recommendations.test_training import train, two_tastes  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MODEL_CACHE_DIR = tmp_path / "model-cache"
    serving.forget_loaded()
    yield
    serving.forget_loaded()


@pytest.fixture
def trained(two_tastes):  # noqa: F811
    run = train("ease")
    assert run.status == "succeeded", run.error
    return two_tastes


def page_rows(user):
    return {row["key"]: row for row in rows.for_viewer(user)}


def test_a_viewer_gets_personal_rows_with_reasons(trained):
    users, groups = trained
    drama_fan = users[0]
    found = page_rows(drama_fan)
    seen = set(Event.objects.filter(user=drama_fan).values_list("title_id", flat=True))
    drama_ids = {t.pk for t in next(ts for tag, ts in groups.items() if tag.name == "Drama")}
    because = [row for key, row in found.items() if key.startswith("because-")]
    assert because and because[0]["source"] in seen and because[0]["personalized"]
    assert because[0]["title"].startswith("Because you watched Drama")
    # The dramas the fan has not rated yet, and only those: comedies are not "like" a drama.
    assert {item["id"] for item in because[0]["items"]} == drama_ids - seen
    picks = found["top-picks"]
    assert picks["personalized"] and picks["items"]
    assert all(item["id"] not in seen for item in picks["items"])  # never what they already rated
    assert all(item["reason"] for item in picks["items"])


def test_popular_in_the_category_the_viewer_likes(trained):
    users, groups = trained
    drama_tag = next(tag for tag in groups if tag.name == "Drama")
    newer = [TitleFactory(title=f"New Drama {n}") for n in range(3)]  # published after training
    for title in newer:
        title.tags.add(drama_tag)
    row = page_rows(users[0])[f"popular-in-{drama_tag.pk}"]
    assert row["title"] == "Popular in Drama" and row["personalized"]
    assert {item["id"] for item in row["items"]} == {t.pk for t in newer}
    assert {item["reason"] for item in row["items"]} == {"Popular in Drama"}


def test_no_title_twice_and_hidden_titles_never_shown(trained):
    users, _ = trained
    user = users[0]
    everything = [item["id"] for row in rows.for_viewer(user) for item in row["items"]]
    assert len(everything) == len(set(everything))
    dismissed = everything[0]
    EventFactory(user=user, title_id=dismissed, type="not_interested")
    rows.refresh(user)
    assert dismissed not in {item["id"] for row in rows.for_viewer(user) for item in row["items"]}


def test_rating_a_title_5_brings_a_because_you_watched_row_at_once(trained, client, django_capture_on_commit_callbacks):
    users, groups = trained
    user = users[0]
    comedy = next(ts for tag, ts in groups.items() if tag.name == "Comedy")[0]
    client.force_login(user)
    client.get("/")  # rows computed and cached before the rating
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/activity/events/",
            json.dumps({"title": comedy.pk, "type": "rate", "value": 5}),
            content_type="application/json",
        )
    assert response.status_code == 201
    found = page_rows(user)
    assert f"because-{comedy.pk}" in found, list(found)
    assert found[f"because-{comedy.pk}"]["title"] == f"Because you watched {comedy.title}"
    assert "Because you watched " + comedy.title in client.get("/").content.decode()


def test_personalisation_off_gives_only_public_rows_and_drops_stored_ones(trained):
    users, _ = trained
    user = users[0]
    rows.refresh(user)
    privacy.update_privacy(user, personalization=False)
    user.refresh_from_db()
    assert not any(row["personalized"] for row in rows.for_viewer(user))
    tasks.refresh_user_rows(user.pk)
    assert not UserRows.objects.filter(user=user).exists()


def test_anonymous_and_new_users_get_public_rows(trained, client):
    from django.contrib.auth.models import AnonymousUser

    newcomer = UserFactory()
    for viewer in (AnonymousUser(), newcomer):
        found = rows.for_viewer(viewer)
        assert found and not any(row["personalized"] for row in found)


def test_precompute_fans_out_over_personal_users(trained):
    users, _ = trained
    privacy.update_privacy(users[5], personalization=False)
    UserRows.objects.all().delete()
    chunks = tasks.precompute_rows(chunk_size=7)
    assert chunks == 6  # 39 users with events and personalisation on, 7 per chunk
    assert UserRows.objects.count() == 39
    assert not UserRows.objects.filter(user=users[5]).exists()
    stored = UserRows.objects.get(user=users[0])
    assert stored.model_version.is_active and any(row["key"] == "top-picks" for row in stored.rows)


def test_a_missing_model_artifact_falls_back_to_public_rows(trained, client):
    users, _ = trained
    version = serving.active().version
    serving.forget_loaded()
    default_storage.delete(version.artifact.name)
    import shutil

    from django.conf import settings

    shutil.rmtree(settings.MODEL_CACHE_DIR, ignore_errors=True)
    assert serving.active() is None
    client.force_login(users[0])
    response = client.get("/")
    assert response.status_code == 200
    assert "Top picks for you" not in response.content.decode()


def test_diversity_caps_one_genre_at_a_third_of_a_row():
    from catalog.models import Facet
    from tests.factories import TagFactory

    genre = Facet.objects.get(slug="genre")
    drama, comedy = TagFactory(facet=genre, name="Drama"), TagFactory(facet=genre, name="Comedy")
    dramas = [TitleFactory() for _ in range(10)]
    comedies = [TitleFactory() for _ in range(3)]
    for t in dramas:
        t.tags.add(drama)
    for t in comedies:
        t.tags.add(comedy)
    from recommendations.row_builders import Catalogue, _diverse

    chosen = _diverse([t.pk for t in dramas + comedies], 6, Catalogue.read().main_tag)
    # Two dramas, then the comedies up to the cap, then the rest filled least-represented first.
    assert set(chosen) >= {t.pk for t in comedies} and len(chosen) == 6
    assert sum(pk in {t.pk for t in dramas} for pk in chosen) == 3


def test_more_like_this_uses_the_models_with_reasons(trained, client):
    _, groups = trained
    drama = next(ts for tag, ts in groups.items() if tag.name == "Drama")
    found = similar.more_like_this(drama[0])
    assert found and drama[0] not in found
    assert found[0].pk in {t.pk for t in drama}
    assert found[0].reason == f"Viewers of {drama[0].title} also watched this"
    page = client.get(drama[0].get_absolute_url()).content.decode()
    assert "More like this" in page and f"Viewers of {drama[0].title} also watched this" in page


def test_more_like_this_without_models_uses_shared_tags():
    from catalog.models import Facet
    from tests.factories import TagFactory

    tag = TagFactory(facet=Facet.objects.get(slug="genre"), name="Noir")
    one, two = TitleFactory(), TitleFactory()
    one.tags.add(tag)
    two.tags.add(tag)
    found = similar.more_like_this(one)
    assert [t.pk for t in found] == [two.pk] and found[0].reason == "Also tagged Noir"


def test_titles_the_viewer_has_history_with_appear_only_in_continue_watching(trained):
    users, _ = trained
    user = users[0]
    pick = TitleFactory(title="Editors Love It", is_staff_pick=True)
    EventFactory(user=user, title=pick, type="progress", value=0.4)
    found = rows.refresh(user)
    placed = [row["key"] for row in found for item in row["items"] if item["id"] == pick.pk]
    assert placed == ["continue"]
    seen = set(Event.objects.filter(user=user).values_list("title_id", flat=True))
    for row in found:
        if row["key"] != "continue":
            assert not seen & {item["id"] for item in row["items"]}, row["key"]


def test_with_only_the_hybrid_trained_because_rows_and_more_like_this_use_its_components(
    two_tastes,  # noqa: F811
    client,
    django_capture_on_commit_callbacks,
):
    # `manage.py train` trains the hybrid alone; its EASE and item-kNN parts must still feed the
    # item-to-item rows, or a default site would never show "Because you watched".
    users, groups = two_tastes
    run = train("hybrid", max_configs=1)
    assert run.status == "succeeded", run.error
    assert run.version.algorithm == "hybrid" and run.version.is_active
    assert serving.item_to_item().version == run.version
    user = users[0]
    comedy, other_comedy = next(ts for tag, ts in groups.items() if tag.name == "Comedy")[:2]
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/activity/events/",
            json.dumps({"title": comedy.pk, "type": "rate", "value": 5}),
            content_type="application/json",
        )
    because = page_rows(user).get(f"because-{comedy.pk}")
    assert because is not None and because["title"] == f"Because you watched {comedy.title}"
    found = similar.more_like_this(other_comedy)
    assert found[0].reason == f"Viewers of {other_comedy.title} also watched this"
