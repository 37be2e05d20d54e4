def test_schema_is_openapi_3(anon):
    response = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/events/" in schema["paths"]


def test_docs_are_served_without_a_cdn(anon):
    for url in ("/api/docs/", "/api/redoc/"):
        html = anon.get(url).content.decode()
        assert "drf_spectacular_sidecar" in html, url
        assert "cdn.jsdelivr" not in html and "unpkg.com" not in html, url
