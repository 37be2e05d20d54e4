from django.urls import reverse


def test_health_answers_ok_without_the_database(client):
    # No django_db mark: any query would fail the test.
    response = client.get(reverse("health"))
    assert (reverse("health"), response.status_code, response.content) == ("/healthz/", 200, b"ok")
    assert response["Content-Type"] == "text/plain"
