"""Sign up, log in and out, password change and reset, profile; rate limits on login and sign-up."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()  # rate-limit counters live in the cache; each test starts with none


def test_sign_up_creates_the_account_and_logs_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "ada", "email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(username="ada")
    assert user.personalization and not user.history_paused  # the documented defaults
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_sign_up_with_bad_input_says_what_is_wrong(client):
    UserFactory(username="taken", email="taken@example.com")
    response = client.post(
        reverse("accounts:signup"),
        {"username": "taken", "email": "TAKEN@example.com", "password1": "short", "password2": "other"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "A user with that username already exists." in page
    assert "An account with this email already exists." in page
    assert "didn’t match" in page or "didn't match" in page
    assert User.objects.count() == 1


def test_login_and_logout(client):
    UserFactory(username="bob")
    response = client.post(reverse("accounts:login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_with_a_message(client):
    UserFactory(username="bob")
    response = client.post(reverse("accounts:login"), {"username": "bob", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_is_rate_limited_per_username(client, settings):
    settings.RATE_LIMITS = {"login": (3, 300)}
    UserFactory(username="bob")
    for _ in range(3):
        assert client.post(reverse("accounts:login"), {"username": "bob", "password": "nope"}).status_code == 200
    blocked = client.post(reverse("accounts:login"), {"username": "bob", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password waits out the window


def test_sign_up_is_rate_limited_per_address(client, settings):
    settings.RATE_LIMITS = {"signup": (2, 3600)}
    for n in range(2):
        data = {"username": f"u{n}", "email": f"u{n}@example.com", "password1": PASSWORD, "password2": PASSWORD}
        assert client.post(reverse("accounts:signup"), data).status_code == 302
        client.post(reverse("accounts:logout"))
    data = {"username": "u9", "email": "u9@example.com", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post(reverse("accounts:signup"), data).status_code == 429
    assert not User.objects.filter(username="u9").exists()


def test_password_change(client):
    user = UserFactory(username="bob")
    client.force_login(user)
    new = "an entirely new passphrase 42"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_by_email_link(client):
    user = UserFactory(username="bob", email="bob@example.com")
    response = client.post(reverse("accounts:password_reset"), {"email": "bob@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/account/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    new = "reset passphrase that is long"
    assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_profile_validates_age(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"email": user.email, "age": "7"})
    assert response.status_code == 400
    assert "between 13 and 120" in response.content.decode()
    response = client.post(reverse("accounts:profile"), {"email": user.email, "age": "34", "occupation": "nurse"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.age, user.occupation) == (34, "nurse")


@pytest.mark.parametrize("name", ["accounts:profile", "accounts:privacy", "accounts:export", "activity:history"])
def test_personal_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
