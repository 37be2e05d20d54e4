from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import client_for

TOKEN_URL = "/api/v1/auth/token/"


def test_token_for_username_and_password(user, anon):
    response = anon.post(TOKEN_URL, {"username": "alice", "password": "correct horse battery staple"})
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}
    again = anon.post(TOKEN_URL, {"username": "alice", "password": "correct horse battery staple"})
    assert again.json()["token"] == response.json()["token"]


def test_token_refused_for_a_wrong_password(user, anon):
    response = anon.post(TOKEN_URL, {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]
    assert "token" not in response.json()


def test_token_requires_both_fields(anon):
    response = anon.post(TOKEN_URL, {})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_token_authenticates_requests(user):
    response = client_for(user).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_a_bad_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "errors": {}}


def test_session_authentication_works_too(user):
    client = APIClient()
    client.force_login(user)
    assert client.get("/api/v1/me/privacy/").status_code == 200


def test_anonymous_gets_401_on_personal_endpoints(anon):
    for url in ["/api/v1/me/", "/api/v1/me/recommendations/", "/api/v1/me/events/", "/api/v1/me/export/"]:
        response = anon.get(url)
        assert response.status_code == 401, url
        assert set(response.json()) == {"detail", "errors"}


def test_token_endpoint_is_throttled(user, anon, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "api-token", "2/minute")
    for _ in range(2):
        anon.post(TOKEN_URL, {"username": "alice", "password": "x"})
    response = anon.post(TOKEN_URL, {"username": "alice", "password": "x"})
    assert response.status_code == 429
    assert "detail" in response.json()
