"""The requester's own data: events, history, privacy, profile, export, erasure, rows."""

import pytest

from accounts.models import User
from recommendations.models import Event
from tests.factories import EventFactory, TitleFactory

EVENTS = "/api/v1/me/events/"


@pytest.fixture
def titles(db):
    return [TitleFactory(is_staff_pick=True) for _ in range(4)]


def test_post_one_event(api, user, titles):
    response = api.post(EVENTS, {"title": titles[0].pk, "type": "rate", "value": 4.5})
    assert response.status_code == 201
    assert response.json() == {"stored": 1, "paused": False}
    assert Event.objects.get(user=user).value == 4.5


def test_post_a_list_of_events(api, user, titles):
    body = [{"title": t.pk, "type": "view"} for t in titles]
    body.append({"title": titles[0].pk, "type": "progress", "value": 0.5})
    response = api.post(EVENTS, body)
    assert response.status_code == 201
    assert response.json()["stored"] == 5
    assert Event.objects.filter(user=user).count() == 5


def test_a_list_is_all_or_nothing_with_per_item_errors(api, user, titles):
    body = [
        {"title": titles[0].pk, "type": "view"},
        {"title": titles[1].pk, "type": "rate", "value": 9},
        {"title": 999999, "type": "view"},
    ]
    response = api.post(EVENTS, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "1.value" in errors and "2.title" in errors and not any(key.startswith("0.") for key in errors)
    assert not Event.objects.filter(user=user).exists()


def test_too_many_events_at_once(api, titles):
    response = api.post(EVENTS, [{"title": titles[0].pk, "type": "view"}] * 101)
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "rate", "value": 9}, "value"),
        ({"type": "rate", "value": 3.3}, "value"),
        ({"type": "rate"}, "value"),
        ({"type": "progress", "value": "lots"}, "value"),
        ({"type": "jump"}, "type"),
        ({"type": "x" * 10_000}, "type"),
        ({"type": "view", "title": 999999}, "title"),
        ({"type": "view", "title": "abc"}, "title"),
        ({"type": "view", "title": 10**30}, "title"),
    ],
)
def test_bad_events_are_400_with_field_messages(api, titles, body, field):
    response = api.post(EVENTS, {"title": titles[0].pk, **body})
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input."
    assert response.json()["errors"][field]


def test_a_draft_is_an_unknown_title(api, db):
    draft = TitleFactory(is_published=False)
    response = api.post(EVENTS, {"title": draft.pk, "type": "view"})
    assert response.status_code == 400
    assert response.json()["errors"]["title"] == ["Unknown title."]


def test_paused_history_stores_nothing(api, user, titles):
    user.history_paused = True
    user.save()
    response = api.post(EVENTS, {"title": titles[0].pk, "type": "view"})
    assert response.status_code == 200
    assert response.json() == {"stored": 0, "paused": True}
    assert not Event.objects.exists()


def test_a_malformed_body_is_400(api, titles):
    response = api.generic("POST", EVENTS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}
    assert api.post(EVENTS, "just a string").status_code == 400


def test_history_is_paginated_and_own(api, user, other, titles):
    for title in titles:
        EventFactory(user=user, title=title)
    EventFactory(user=other, title=titles[0], type="rate", value=1)
    response = api.get(EVENTS, {"page_size": 3})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 4 and len(data["results"]) == 3 and data["next"]
    assert all(event["type"] == "view" for entry in data["results"] for event in entry["events"])


def test_remove_a_title_from_history(api, user, titles):
    EventFactory(user=user, title=titles[0])
    EventFactory(user=user, title=titles[1])
    response = api.delete(f"/api/v1/me/history/{titles[0].pk}/")
    assert response.status_code == 200 and response.json()["removed"] == 1
    assert list(Event.objects.filter(user=user).values_list("title_id", flat=True)) == [titles[1].pk]
    assert api.delete("/api/v1/me/history/999999/").status_code == 404


def test_delete_whole_history(api, user, titles):
    EventFactory(user=user, title=titles[0])
    assert api.delete("/api/v1/me/history/").json()["removed"] == 1
    assert not Event.objects.filter(user=user).exists()


def test_privacy_get_and_patch(api, user):
    assert api.get("/api/v1/me/privacy/").json() == {"personalization": True, "history_paused": False}
    response = api.patch("/api/v1/me/privacy/", {"history_paused": True})
    assert response.status_code == 200
    assert response.json() == {"personalization": True, "history_paused": True, "changed": ["history_paused"]}
    user.refresh_from_db()
    assert user.history_paused
    assert user.privacy_changes.count() == 1


def test_privacy_rejects_non_booleans(api):
    response = api.patch("/api/v1/me/privacy/", {"personalization": "maybe"})
    assert response.status_code == 400
    assert response.json()["errors"]["personalization"]


def test_profile_get_and_patch(api, user):
    assert api.get("/api/v1/me/").json()["username"] == "alice"
    response = api.patch("/api/v1/me/", {"first_name": "Alice", "age": 30, "username": "mallory"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.age, user.username) == ("Alice", 30, "alice")  # username is read-only


@pytest.mark.parametrize(("body", "field"), [({"age": 9}, "age"), ({"first_name": "x" * 10_000}, "first_name")])
def test_profile_rejects_bad_input(api, body, field):
    response = api.patch("/api/v1/me/", body)
    assert response.status_code == 400
    assert response.json()["errors"][field]


def test_export(api, user, titles):
    EventFactory(user=user, title=titles[0], type="rate", value=5)
    response = api.get("/api/v1/me/export/")
    assert response.status_code == 200
    data = response.json()
    assert data["format"] == "marquee-export"
    assert data["profile"]["username"] == "alice"
    assert [e["title"] for e in data["events"]] == [titles[0].pk]


def test_erase_account(api, user, titles):
    EventFactory(user=user, title=titles[0])
    assert api.delete("/api/v1/me/").status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Event.objects.exists()
    assert api.get("/api/v1/me/").status_code == 401


def test_recommendation_rows(api, titles):
    response = api.get("/api/v1/me/recommendations/")
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert rows
    for row in rows:
        assert {"key", "title", "personalized", "source", "items"} <= set(row)
        assert all({"id", "title", "reason"} <= set(item) for item in row["items"])
    limited = api.get("/api/v1/me/recommendations/", {"k": 1}).json()["rows"]
    assert all(len(row["items"]) <= 1 for row in limited)


def test_one_row_by_key(api, titles):
    key = api.get("/api/v1/me/recommendations/").json()["rows"][0]["key"]
    response = api.get(f"/api/v1/me/recommendations/{key}/")
    assert response.status_code == 200 and response.json()["key"] == key
    missing = api.get("/api/v1/me/recommendations/no-such-row/")
    assert missing.status_code == 404 and missing.json()["detail"]


def test_bad_k_is_400(api, titles):
    for k in ("0", "51", "many"):
        response = api.get("/api/v1/me/recommendations/", {"k": k})
        assert response.status_code == 400
        assert response.json()["errors"]["k"]


def test_hidden_titles_never_recommended(api, user, titles):
    EventFactory(user=user, title=titles[0], type="not_interested")
    rows = api.get("/api/v1/me/recommendations/").json()["rows"]
    assert titles[0].pk not in {item["id"] for row in rows for item in row["items"]}


def test_event_posting_has_its_own_throttle(api, titles, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "api-events", "2/minute")
    for _ in range(2):
        assert api.post(EVENTS, {"title": titles[0].pk, "type": "view"}).status_code == 201
    assert api.post(EVENTS, {"title": titles[0].pk, "type": "view"}).status_code == 429
    assert api.get(EVENTS).status_code == 200  # reading is not counted against events
