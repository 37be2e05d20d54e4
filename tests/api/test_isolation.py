"""One user can never read or change another's events, settings, recommendations or export:
no endpoint takes a user id, and a forged one in a body is ignored."""

from accounts.models import User
from recommendations.models import Event
from tests.factories import EventFactory, TitleFactory


def test_events_are_only_the_requesters(api, other_api, user, other):
    title = TitleFactory()
    EventFactory(user=user, title=title, type="rate", value=5)
    assert other_api.get("/api/v1/me/events/").json()["count"] == 0
    assert api.get("/api/v1/me/events/").json()["count"] == 1


def test_a_forged_user_in_an_event_is_ignored(api, user, other):
    title = TitleFactory()
    response = api.post("/api/v1/me/events/", {"title": title.pk, "type": "view", "user": other.pk})
    assert response.status_code == 201
    assert list(Event.objects.values_list("user_id", flat=True)) == [user.pk]


def test_removing_history_touches_only_the_requesters(api, other_api, user, other):
    title = TitleFactory()
    EventFactory(user=user, title=title)
    assert other_api.delete(f"/api/v1/me/history/{title.pk}/").json()["removed"] == 0
    assert other_api.delete("/api/v1/me/history/").status_code == 200
    assert Event.objects.filter(user=user).count() == 1


def test_settings_are_only_the_requesters(api, other_api, user, other):
    other_api.patch("/api/v1/me/privacy/", {"personalization": False, "history_paused": True})
    user.refresh_from_db()
    assert (user.personalization, user.history_paused) == (True, False)
    assert api.get("/api/v1/me/privacy/").json() == {"personalization": True, "history_paused": False}
    other_api.patch("/api/v1/me/", {"first_name": "Bob", "id": user.pk})
    user.refresh_from_db()
    assert user.first_name == ""


def test_export_is_only_the_requesters(api, other_api, user, other):
    title = TitleFactory(title="Alice's secret")
    EventFactory(user=user, title=title, type="rate", value=5)
    data = other_api.get("/api/v1/me/export/").json()
    assert data["profile"]["username"] == "bob"
    assert data["events"] == []
    assert "Alice's secret" not in str(data["events"])


def test_recommendations_are_only_the_requesters(api, other_api, user, other):
    TitleFactory.create_batch(3, is_staff_pick=True)
    watched = TitleFactory()
    EventFactory(user=user, title=watched, type="complete")
    EventFactory(user=other, title=watched, type="view")
    only_bob = TitleFactory()
    EventFactory(user=other, title=only_bob, type="rate", value=5)
    # Each user's rows come from their own events: a row "because you watched X" only names an X
    # that user acted on, and what Alice finished is hidden from Alice but not from Bob.
    alice = api.get("/api/v1/me/recommendations/").json()["rows"]
    bob = other_api.get("/api/v1/me/recommendations/").json()["rows"]
    assert {row["source"] for row in alice} <= {None, watched.pk}
    assert {row["source"] for row in bob} <= {None, watched.pk, only_bob.pk}
    assert watched.pk not in {item["id"] for row in alice for item in row["items"]}


def test_erasing_erases_only_the_requester(other_api, user, other):
    assert other_api.delete("/api/v1/me/").status_code == 204
    assert User.objects.filter(pk=user.pk).exists()
    assert not User.objects.filter(pk=other.pk).exists()
