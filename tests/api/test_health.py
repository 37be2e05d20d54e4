from django.urls import reverse


def test_health_answers_anyone(anon):
    response = anon.get("/api/v1/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert reverse("api:v1:health") == "/api/v1/health/"


def test_health_answers_with_a_token(api, django_assert_num_queries):
    with django_assert_num_queries(1):  # the token lookup only
        response = api.get("/api/v1/health/")
    assert response.status_code == 200


def test_health_is_in_the_schema(anon):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/health/" in schema["paths"]
    assert schema["paths"]["/api/v1/health/"]["get"]["security"][-1] == {}  # no credentials needed
