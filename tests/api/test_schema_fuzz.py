"""Property-based fuzzing of the whole API against its own OpenAPI schema (schemathesis).

Every operation gets a few generated requests from a signed-in staff editor (token header, so the
staff and editor endpoints are exercised too). Each response must be no server error and, when
its status code is documented, must match the documented body. Bounded so that the run takes a
couple of minutes.
"""

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error, response_schema_conformance

from catalog.permissions import EDITORS_GROUP
from config.wsgi import application
from tests.factories import EventFactory, TagFactory, TitleFactory, UserFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

pytestmark = pytest.mark.slow


@pytest.fixture
def _keep_connection():
    """Schemathesis calls the WSGI app directly; as Django's test client does, keep the end of a
    request from closing the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, _keep_connection) -> str:
    user = UserFactory(username="fuzzer", is_staff=True, is_superuser=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    tag = TagFactory()
    for n in range(5):
        title = TitleFactory(is_staff_pick=n % 2 == 0)
        title.tags.add(tag)
        EventFactory(user=user, title=title, type="rate", value=4.0)
    return Token.objects.create(user=user).key


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_conforms_to_its_schema(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
