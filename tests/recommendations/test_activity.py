"""Recording activity from pages and the player: events, clicks, impressions, anonymous sessions."""

import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from recommendations.models import Event, Impression
from tests.factories import CourseFactory, TitleFactory, UserFactory

pytestmark = pytest.mark.django_db
RECORD = "/activity/events/"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def post_json(client, payload, **extra):
    return client.post(RECORD, json.dumps(payload), content_type="application/json", **extra)


def test_rating_from_the_title_page_is_stored_and_shown(client):
    user, title = UserFactory(), TitleFactory()
    client.force_login(user)
    response = client.post(RECORD, {"title": title.pk, "type": "rate", "value": "4", "next": title.get_absolute_url()})
    assert response.status_code == 302 and response.url == title.get_absolute_url()
    assert Event.objects.get(user=user, type="rate").value == 4.0
    assert "Your rating: 4 out of 5" in client.get(title.get_absolute_url()).content.decode()


def test_player_progress_as_json(client):
    user, title = UserFactory(), TitleFactory()
    client.force_login(user)
    response = post_json(client, {"title": title.pk, "type": "progress", "value": 0.4})
    assert response.status_code == 201
    assert response.json() == {"stored": True, "paused": False}
    assert Event.objects.get(user=user, type="progress").value == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"type": "rate", "value": 9}, "value", "between 1 and 5"),
        ({"type": "rate", "value": 3.3}, "value", "half a star"),
        ({"type": "rate", "value": None}, "value", "needs a value"),
        ({"type": "progress", "value": "lots"}, "value", "must be a number"),
        ({"type": "progress", "value": 1.5}, "value", "between 0 and 1"),
        ({"type": "teleport", "value": None}, "type", "Unknown event type"),
        ({"title": 999999, "type": "view"}, "title", "Unknown title."),
    ],
)
def test_bad_events_get_field_messages_and_store_nothing(client, payload, field, message):
    client.force_login(UserFactory())
    title = TitleFactory()
    response = post_json(client, {"title": title.pk, **payload})
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"][field])
    assert not Event.objects.exists()


def test_bad_event_from_a_form_shows_a_page_with_the_message(client):
    client.force_login(UserFactory())
    response = client.post(RECORD, {"title": TitleFactory().pk, "type": "rate", "value": "9"})
    assert response.status_code == 400
    assert "between 1 and 5" in response.content.decode()


def test_malformed_json_is_a_400(client):
    client.force_login(UserFactory())
    response = client.post(RECORD, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON object" in response.json()["errors"]["body"][0]


def test_a_draft_cannot_be_acted_on(client):
    client.force_login(UserFactory())
    draft = TitleFactory(is_published=False)
    assert post_json(client, {"title": draft.pk, "type": "view"}).status_code == 400
    assert not Event.objects.exists()


def test_a_forged_user_id_is_ignored(client):
    me, victim = UserFactory(), UserFactory()
    client.force_login(me)
    title = TitleFactory()
    assert post_json(client, {"title": title.pk, "type": "rate", "value": 1, "user": victim.pk}).status_code == 201
    assert Event.objects.get().user == me
    assert not Event.objects.filter(user=victim).exists()


def test_nothing_is_stored_while_history_is_paused(client):
    user = UserFactory(history_paused=True)
    client.force_login(user)
    title = TitleFactory()
    response = post_json(client, {"title": title.pk, "type": "rate", "value": 5})
    assert response.status_code == 200 and response.json()["paused"] is True
    client.get(title.get_absolute_url() + "?ref=popular-now.2")
    client.get("/")
    assert not Event.objects.exists() and not Impression.objects.exists()


def test_event_recording_is_rate_limited(client, settings):
    settings.RATE_LIMITS = {"events": (3, 60)}
    client.force_login(UserFactory())
    title = TitleFactory()
    codes = [post_json(client, {"title": title.pk, "type": "view"}).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert Event.objects.count() == 3


def test_csrf_is_enforced():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = post_json(client, {"title": TitleFactory().pk, "type": "view"})
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_title_page_records_a_view_and_a_click_from_a_row(client):
    user, title = UserFactory(), TitleFactory()
    client.force_login(user)
    assert client.get(title.get_absolute_url() + "?ref=new-releases.3").status_code == 200
    assert Event.objects.get(user=user).type == "view"
    click = Impression.objects.get(kind="click")
    assert (click.user, click.title, click.row, click.position) == (user, title, "new-releases", 3)


def test_home_logs_an_impression_per_title_shown(client):
    titles = TitleFactory.create_batch(3, is_staff_pick=True)
    user = UserFactory()
    client.force_login(user)
    client.get("/")
    shown = Impression.objects.filter(user=user, kind="impression")
    # The newest staff pick is featured (not in a row); the two others fill the row.
    assert shown.count() == 2
    assert set(shown.values_list("row", flat=True)) == {"staff-picks"}
    assert sorted(shown.values_list("position", flat=True)) == [1, 2]
    assert set(shown.values_list("title", flat=True)) <= {t.pk for t in titles}


def test_anonymous_activity_joins_the_account_at_sign_up(client):
    title = TitleFactory()
    client.get(title.get_absolute_url())
    post_json(client, {"title": title.pk, "type": "rate", "value": 5})
    assert not Event.objects.exists()  # kept in the session until the visitor has an account
    client.post(
        reverse("accounts:signup"),
        {"username": "newbie", "email": "n@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    user = User.objects.get(username="newbie")
    assert sorted(Event.objects.filter(user=user).values_list("type", flat=True)) == ["rate", "view"]


def test_anonymous_activity_joins_the_account_at_login(client):
    user, title = UserFactory(username="back"), TitleFactory()
    post_json(client, {"title": title.pk, "type": "not_interested", "value": None})
    client.post(reverse("accounts:login"), {"username": "back", "password": PASSWORD})
    assert list(Event.objects.filter(user=user).values_list("type", flat=True)) == ["not_interested"]


def test_course_enrolment_then_lessons(client):
    user, course = UserFactory(), CourseFactory(lesson_count=4)
    client.force_login(user)
    page = client.get(course.get_absolute_url()).content.decode()
    assert "Enrol" in page
    response = client.post(
        RECORD, {"title": course.pk, "type": "enrol", "next": reverse("activity:play", args=[course.slug])}
    )
    assert response.url == reverse("activity:play", args=[course.slug])
    player = client.get(response.url).content.decode()
    assert player.count('class="lesson"') == 4
    post_json(client, {"title": course.pk, "type": "progress", "value": 0.5})
    assert "Continue learning (50%)" in client.get(course.get_absolute_url()).content.decode()


def test_my_list_add_and_remove(client):
    user, title = UserFactory(), TitleFactory(title="Keeper")
    client.force_login(user)
    client.post(reverse("activity:list_toggle", args=[title.pk]))
    card = 'class="card-title">Keeper<'
    assert card in client.get(reverse("activity:list")).content.decode()
    client.post(reverse("activity:list_toggle", args=[title.pk]), {"action": "remove"})
    assert card not in client.get(reverse("activity:list")).content.decode()


def test_continue_watching_row_shows_started_titles_until_finished(client):
    user = UserFactory()
    started, finished = TitleFactory(title="Half Way"), TitleFactory(title="All Done")
    client.force_login(user)
    post_json(client, {"title": started.pk, "type": "progress", "value": 0.5})
    post_json(client, {"title": finished.pk, "type": "progress", "value": 0.5})
    post_json(client, {"title": finished.pk, "type": "complete", "value": None})
    page = client.get("/").content.decode()
    assert 'id="row-continue"' in page
    row = page[page.index('id="row-continue"') : page.index("</section>", page.index('id="row-continue"'))]
    assert "Half Way" in row and "All Done" not in row
    assert 'value="0.50"' in row  # its progress bar


def test_not_interested_titles_leave_the_home_rows(client):
    user = UserFactory()
    hidden, kept = (
        TitleFactory(title="Nope Movie", is_staff_pick=True),
        TitleFactory(title="Fine Movie", is_staff_pick=True),
    )
    client.force_login(user)
    assert "Nope Movie" in client.get("/").content.decode()
    post_json(client, {"title": hidden.pk, "type": "not_interested", "value": None})
    page = client.get("/").content.decode()
    assert "Nope Movie" not in page and kept.title in page


def test_searches_are_logged_once_per_query_and_not_while_paused(client):
    from recommendations.models import SearchQuery

    user = UserFactory()
    TitleFactory.create_batch(30, title="Harbour Lights")
    client.force_login(user)
    client.get("/search/", {"q": "harbour"})
    client.get("/search/", {"q": "harbour", "page": "2"})  # the next page is the same search
    client.get("/search/", {"q": "zzz-nothing"})
    assert list(SearchQuery.objects.filter(user=user).order_by("timestamp").values_list("query", "result_count")) == [
        ("harbour", 30),
        ("zzz-nothing", 0),
    ]
    user.history_paused = True
    user.save()
    client.get("/search/", {"q": "paused"})
    assert not SearchQuery.objects.filter(query="paused").exists()


def test_a_failing_activity_log_never_breaks_a_page(client, monkeypatch):
    """Recording is a side effect of showing a page: when the database refuses the write, the
    page is still served (and the failure logged)."""
    from django.db import DatabaseError

    from recommendations.models import Impression as ImpressionModel

    def refuse(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Event.objects, "create", refuse)
    monkeypatch.setattr(ImpressionModel.objects, "bulk_create", refuse)
    user, title = UserFactory(), TitleFactory(is_staff_pick=True)
    TitleFactory(is_staff_pick=True)
    client.force_login(user)
    assert client.get(title.get_absolute_url() + "?ref=staff-picks.1").status_code == 200
    assert client.get("/").status_code == 200
    assert not Event.objects.exists()
