"""The REST API: /api/v1/ (docs/api.md), its OpenAPI schema and its docs (served offline)."""

from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.api import IdConverter
from config.api_health import HealthView

register_converter(IdConverter, "id")

app_name = "api"

v1 = [
    path("health/", HealthView.as_view(), name="health"),
    path("", include("accounts.api.urls")),
    path("", include("recommendations.api.urls")),
    path("", include("catalog.api.urls")),
]

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
