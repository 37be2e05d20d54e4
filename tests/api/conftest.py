import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.permissions import EDITORS_GROUP
from tests.factories import UserFactory


def client_for(user=None) -> APIClient:
    """An API client sending the user's token (anonymous without a user)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def other(db):
    return UserFactory(username="bob")


@pytest.fixture
def api(user) -> APIClient:
    return client_for(user)


@pytest.fixture
def other_api(other) -> APIClient:
    return client_for(other)


@pytest.fixture
def anon(db) -> APIClient:
    return APIClient()


@pytest.fixture
def editor(db):
    editor = UserFactory(username="edna", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return editor


@pytest.fixture
def staff(db):
    return UserFactory(username="sam", is_staff=True, is_superuser=True)
