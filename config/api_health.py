"""GET /api/v1/health/: the API's trivial view, the base that API endpoints are measured against
(scripts/bench_home.py, docs/benchmarks.md "API under load"). No database and no model; the
default authentication and throttles apply, as on every endpoint, and anyone may call it.

Its own module: config.api is imported by DRF's settings (pagination), so it cannot import views.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok"])


class HealthView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(operation_id="v1_health", responses={200: HealthSerializer})
    def get(self, request: Request) -> Response:
        """Whether the API answers: always {"status": "ok"}."""
        return Response({"status": "ok"})
