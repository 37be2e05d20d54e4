"""The requester's recommendations and events, and (staff) model versions and training runs."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer
from recommendations import activity, rows, selectors, tasks, training
from recommendations.activity import Actor
from recommendations.api import serializers as s
from recommendations.models import Event, ModelVersion, TrainingRun

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer}
HISTORY_LIMIT = 1000  # titles; the history is paginated over these


def _rows(request: Request) -> list[dict]:
    """The viewer's rows as served (cached), with names; `?k=` caps the items per row."""
    query = s.RowsQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    k = query.validated_data.get("k")
    page = rows.hydrate(rows.for_viewer(request.user), exclude=selectors.hidden_title_ids(request.user))
    return [
        {
            "key": row["key"],
            "title": row["title"],
            "personalized": row["personalized"],
            "source": row.get("source"),
            "more_url": row.get("more_url") or "",
            "items": [_item(title) for title in row["titles"][:k]],
        }
        for row in page
    ]


def _item(title) -> dict:
    item = {"id": title.pk, "title": title.title, "kind": title.kind, "slug": title.slug, "year": title.year}
    item["reason"] = title.reason
    if getattr(title, "progress", None) is not None:
        item["progress"] = title.progress
    return item


ROWS_PARAMS = [OpenApiParameter("k", int, description="Items per row (1–50).")]


class RecommendationsView(APIView):
    @extend_schema(parameters=ROWS_PARAMS, responses={200: s.RowsSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        """Your home rows, each item with the reason it is there."""
        return Response({"rows": _rows(request)})


class RecommendationRowView(APIView):
    @extend_schema(
        operation_id="v1_me_recommendations_row",
        parameters=ROWS_PARAMS,
        responses={200: s.RowSerializer, 404: ErrorSerializer, **ERRORS},
    )
    def get(self, request: Request, key: str) -> Response:
        """One of your rows by its key (404 when it is not on your page now)."""
        row = next((row for row in _rows(request) if row["key"] == key), None)
        if row is None:
            raise Http404("No such row.")
        return Response(row)


class EventsView(GenericAPIView):
    throttle_scope = "api-events"  # POST only: see get_throttles
    serializer_class = s.HistoryEntrySerializer
    queryset = Event.objects.none()  # for the schema; reads go through selectors.history

    def get_throttles(self):
        if self.request.method != "POST":
            return [t for t in super().get_throttles() if not getattr(t, "scope_attr", None)]
        return super().get_throttles()

    @extend_schema(responses={200: s.HistoryEntrySerializer(many=True), 401: ErrorSerializer})
    def get(self, request: Request) -> Response:
        """Your history: titles by latest activity, each with its events (newest first)."""
        page = self.paginate_queryset(selectors.history(request.user, limit=HISTORY_LIMIT))
        return self.get_paginated_response(s.HistoryEntrySerializer(page, many=True).data)

    @extend_schema(
        request={"application/json": s.EVENTS_REQUEST_SCHEMA},
        responses={201: s.EventsStoredSerializer, 200: s.EventsStoredSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Record one event or a list of up to 100: all are stored, or none (400 with per-item errors)."""
        many = isinstance(request.data, list)
        kwargs = {"many": True, "max_length": s.MAX_EVENTS_PER_REQUEST, "allow_empty": False} if many else {}
        serializer = s.EventInputSerializer(data=request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        events = serializer.validated_data if many else [serializer.validated_data]
        actor = Actor(user=request.user)
        with transaction.atomic():
            stored = sum(activity.record_event(actor, e["title"], e["type"], e["value"]) for e in events)
        code = status.HTTP_201_CREATED if stored else status.HTTP_200_OK
        return Response({"stored": stored, "paused": request.user.history_paused}, status=code)


class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Staff: trained model versions with their held-out metrics."""

    serializer_class = s.ModelVersionSerializer
    permission_classes = [permissions.IsAdminUser]
    lookup_value_converter = "id"
    queryset = ModelVersion.objects.all()

    @extend_schema(request=None, responses={200: s.ModelVersionSerializer, 403: ErrorSerializer, 404: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: int) -> Response:
        """Serve this version from now on."""
        version = training.activate(self.get_object(), reason=f"activated through the API by {request.user}")
        return Response(s.ModelVersionSerializer(version).data)

    @extend_schema(request=None, responses={200: s.ModelVersionSerializer, 403: ErrorSerializer, 409: ErrorSerializer})
    @action(detail=False, methods=["post"])
    def rollback(self, request: Request) -> Response:
        """Serve the version that was active before the current one again."""
        version = training.rollback()
        if version is None:
            return Response({"detail": "There is no earlier version to roll back to.", "errors": {}}, status=409)
        return Response(s.ModelVersionSerializer(version).data)


class TrainingRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Staff: training runs; POST queues a new one (trained by a worker once the request commits)."""

    permission_classes = [permissions.IsAdminUser]
    lookup_value_converter = "id"
    queryset = TrainingRun.objects.all()

    def get_serializer_class(self):
        return s.TrainingRunInputSerializer if self.action == "create" else s.TrainingRunSerializer

    @extend_schema(request=s.TrainingRunInputSerializer, responses={201: s.TrainingRunSerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = {"max_configs": data.validated_data["max_configs"]} if "max_configs" in data.validated_data else {}
        run = training.start_run(
            data.validated_data["algorithm"], trigger="api", requested_by=request.user, options=options
        )
        transaction.on_commit(lambda: tasks.train_model.delay(run.pk))
        return Response(s.TrainingRunSerializer(run).data, status=status.HTTP_201_CREATED)
