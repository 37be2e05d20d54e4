"""Self-serve privacy: settings with their audit trail, removing history, export and erasure,
and one user never reaching another's data."""

import json

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import PrivacyChange, User
from recommendations import selectors
from recommendations.models import Event, Impression, ListItem, SearchQuery
from tests.factories import EventFactory, TitleFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_the_public_privacy_page_says_what_is_collected(client):
    page = client.get(reverse("privacy")).content.decode()
    for words in ("What we collect", "How we use it", "Pause history", "Download your data"):
        assert words in page


def test_settings_changes_are_saved_and_recorded_with_their_time(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:privacy"), {"history_paused": "on"})  # personalisation unticked
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.personalization, user.history_paused) == (False, True)
    changes = {(c.setting, c.value) for c in PrivacyChange.objects.filter(user=user)}
    assert changes == {("personalization", "off"), ("history_paused", "on")}
    assert all(c.changed_at for c in PrivacyChange.objects.filter(user=user))
    client.post(reverse("accounts:privacy"), {"history_paused": "on"})  # the same again: nothing new logged
    assert PrivacyChange.objects.filter(user=user).count() == 2


def test_personalisation_off_leaves_only_non_personalised_rows(client):
    user = UserFactory()
    started = TitleFactory(title="Started One")
    TitleFactory(is_staff_pick=True)
    EventFactory(user=user, title=started, type="progress", value=0.3)
    client.force_login(user)
    assert "data-personalized" in client.get("/").content.decode()
    services.update_privacy(user, personalization=False)
    page = client.get("/").content.decode()
    assert "data-personalized" not in page and 'id="row-continue"' not in page
    assert 'id="row-staff-picks"' in page or "featured-title" in page


def test_opted_out_users_events_leave_the_training_data():
    stays, leaves = UserFactory(), UserFactory()
    EventFactory(user=stays)
    EventFactory(user=leaves)
    assert selectors.training_events().filter(user=leaves).exists()
    services.update_privacy(leaves, personalization=False)
    assert set(selectors.training_events().values_list("user", flat=True)) == {stays.pk}


def test_removing_a_title_forgets_every_signal_about_it(client):
    user = UserFactory()
    forget, keep = TitleFactory(title="Forget Me"), TitleFactory(title="Keep Me")
    for title in (forget, keep):
        EventFactory(user=user, title=title, type="rate", value=5)
        Impression.objects.create(user=user, title=title, row="x", position=1, kind="click")
    client.force_login(user)
    assert "Forget Me" in client.get(reverse("activity:history")).content.decode()
    client.post(reverse("activity:history_remove", args=[forget.pk]))
    assert not Event.objects.filter(user=user, title=forget).exists()
    assert not Impression.objects.filter(user=user, title=forget).exists()
    assert Event.objects.filter(user=user, title=keep).exists()
    page = client.get(reverse("activity:history")).content.decode()
    assert "history-title" in page and ">Forget Me<" not in page
    assert PrivacyChange.objects.filter(user=user, setting="title_removed", value="Forget Me").exists()


def test_delete_history_keeps_the_account(client):
    user = UserFactory()
    EventFactory.create_batch(3, user=user)
    SearchQuery.objects.create(user=user, query="noir", result_count=2)
    client.force_login(user)
    client.post(reverse("accounts:delete_history"))
    assert not Event.objects.filter(user=user).exists() and not SearchQuery.objects.filter(user=user).exists()
    assert User.objects.filter(pk=user.pk).exists()


def test_export_holds_profile_settings_events_and_rows_with_reasons(client):
    user = UserFactory(username="exporter", age=30)
    rated = TitleFactory(title="Rated Film")
    TitleFactory(title="Pick", is_staff_pick=True)
    TitleFactory(title="Pick Two", is_staff_pick=True)
    EventFactory(user=user, title=rated, type="rate", value=4)
    services.update_privacy(user, history_paused=True)
    client.force_login(user)
    response = client.get(reverse("accounts:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="marquee-exporter-')
    data = json.loads(response.content)
    assert data["profile"]["username"] == "exporter" and data["profile"]["age"] == 30
    assert data["settings"] == {"personalization": True, "history_paused": True}
    assert data["settings_changes"][0]["setting"] == "history_paused"
    assert [(e["title_name"], e["type"], e["value"]) for e in data["events"]] == [("Rated Film", "rate", 4.0)]
    rows = data["recommendations"]
    assert rows and all(item["reason"] for row in rows for item in row["items"])


def test_deleting_the_account_erases_everything_and_login_then_fails(client):
    user = UserFactory(username="gone")
    title = TitleFactory()
    EventFactory(user=user, title=title)
    ListItem.objects.create(user=user, title=title)
    SearchQuery.objects.create(user=user, query="x")
    services.update_privacy(user, personalization=False)
    client.force_login(user)
    wrong = client.post(reverse("accounts:delete"), {"password": "not it"})
    assert wrong.status_code == 400 and User.objects.filter(pk=user.pk).exists()
    assert client.post(reverse("accounts:delete"), {"password": PASSWORD}).status_code == 302
    assert not User.objects.filter(username="gone").exists()
    for model in (Event, ListItem, SearchQuery, PrivacyChange):
        assert not model.objects.filter(user_id=user.pk).exists()
    response = client.post(reverse("accounts:login"), {"username": "gone", "password": PASSWORD})
    assert "_auth_user_id" not in client.session and response.status_code == 200


# --- One user never reaches another's data ------------------------------------------------------


def test_one_user_cannot_see_or_change_anothers_data(client):
    alice, mallory = UserFactory(username="alice"), UserFactory(username="mallory")
    secret = TitleFactory(title="Alice Secret")
    EventFactory(user=alice, title=secret, type="rate", value=2)
    ListItem.objects.create(user=alice, title=secret)
    client.force_login(mallory)
    # Her history, list, title page state and export show nothing of Alice's.
    assert ">Alice Secret<" not in client.get(reverse("activity:history")).content.decode()
    assert "Alice Secret" not in client.get(reverse("activity:list")).content.decode()
    assert "Your rating" not in client.get(secret.get_absolute_url()).content.decode()
    export = json.loads(client.get(reverse("accounts:export")).content)
    assert export["profile"]["username"] == "mallory"
    assert [e["type"] for e in export["events"]] == ["view"]  # her own visit to the page, not Alice's rating
    # Removing the title from "her" history, or deleting "her" history, leaves Alice's intact.
    client.post(reverse("activity:history_remove", args=[secret.pk]))
    client.post(reverse("accounts:delete_history"))
    client.post(reverse("activity:list_toggle", args=[secret.pk]), {"action": "remove"})
    assert Event.objects.filter(user=alice, title=secret, type="rate").exists()
    assert ListItem.objects.filter(user=alice, title=secret).exists()
    # Privacy settings only ever change the requester.
    client.post(reverse("accounts:privacy"), {"history_paused": "on", "user": alice.pk})
    alice.refresh_from_db()
    assert alice.personalization and not alice.history_paused


def test_staff_see_privacy_settings_in_the_admin_but_cannot_change_them(admin_client):
    user = UserFactory(personalization=False)
    page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
    assert "Personalised recommendations" in page
    admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {"username": user.username, "personalization": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00"},
    )
    user.refresh_from_db()
    assert user.personalization is False
