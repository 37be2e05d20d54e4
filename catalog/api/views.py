"""Catalogue endpoints: titles (editors write), their similar titles, tags and facets."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import services
from catalog.api import serializers as s
from catalog.api.filters import TitleFilter
from catalog.models import Facet, Tag, Title
from config.api import ErrorSerializer, IsEditorOrReadOnly, is_editor
from recommendations import similar
from recommendations.selectors import hidden_title_ids

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class TitleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Published titles for everyone; editors also see drafts (by id, or listed with `status`) and
    create, change and tag titles."""

    permission_classes = [IsEditorOrReadOnly]
    lookup_value_converter = "id"
    filterset_class = TitleFilter
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            return Title.objects.published()  # TitleFilter narrows and orders it through the selectors
        titles = Title.objects.all() if is_editor(self.request.user) else Title.objects.published()
        return titles.prefetch_related("tags__facet")

    def filter_queryset(self, queryset):
        # The list's query parameters (TitleFilter) do not narrow a single title's lookup.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        return s.TitleCardSerializer if self.action == "list" else s.TitleSerializer

    @extend_schema(responses={200: s.SimilarTitleSerializer(many=True), 404: ErrorSerializer})
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[permissions.AllowAny],
        pagination_class=None,
        filter_backends=[],
    )
    def similar(self, request: Request, pk: int) -> Response:
        """Titles like this one, each with its reason (never ones the viewer finished or hid)."""
        title = self.get_object()
        titles = similar.more_like_this(title, hidden=hidden_title_ids(request.user))
        return Response(s.SimilarTitleSerializer(titles, many=True).data)

    @extend_schema(request=s.TagInputSerializer, responses={200: s.TitleSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="tags")
    def add_tag(self, request: Request, pk: int) -> Response:
        """Editors: tag the title."""
        title = self.get_object()
        data = _valid(s.TagInputSerializer, request)
        services.add_tag_to_titles(tag=data["tag"], title_ids=[title.pk])
        return Response(s.TitleSerializer(self.get_object()).data)

    @extend_schema(request=None, responses={200: s.TitleSerializer, **ERRORS})
    @action(detail=True, methods=["delete"], url_path="tags/<id:tag_id>")
    def remove_tag(self, request: Request, pk: int, tag_id: int) -> Response:
        """Editors: take a tag off the title."""
        title = self.get_object()
        tag = get_object_or_404(Tag, pk=tag_id)
        services.remove_tag_from_titles(tag=tag, title_ids=[title.pk])
        return Response(s.TitleSerializer(self.get_object()).data)


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    """The tag taxonomy; `?facet=genre` lists one facet's tags."""

    serializer_class = s.TagSerializer
    permission_classes = [permissions.AllowAny]
    lookup_value_converter = "id"
    filterset_fields = {"facet__slug": ["exact"]}

    def get_queryset(self):
        return Tag.objects.select_related("facet").order_by("facet__name", "name", "pk")


class FacetViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.FacetSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    lookup_value_converter = "id"
    queryset = Facet.objects.order_by("name")
