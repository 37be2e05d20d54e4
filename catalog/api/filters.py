"""Query parameters of GET /api/v1/titles/: parsed by django-filter (which also documents them
in the schema), then answered by catalog.selectors and catalog.search."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from rest_framework.exceptions import PermissionDenied, ValidationError

from catalog import search, selectors
from catalog.filters import MAX_QUERY_LENGTH, YEAR_RANGE, TagReferencesField
from catalog.models import Tag, Title
from config.api import is_editor

API_SORTS = ("title", "newest", "year", "popular")


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class TitleFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Title.Kind.choices)
    tag = django_filters.CharFilter(
        method="noop", max_length=200, help_text="A tag id or facet/slug (e.g. genre/drama); repeat to require several."
    )
    facet = django_filters.CharFilter(method="noop", max_length=64, help_text="Titles with any tag of this facet.")
    level = django_filters.ChoiceFilter(
        method="noop", choices=[(v, label) for v, label in Title.SkillLevel.choices if v], help_text="Course level."
    )
    year_from = YearFilter(method="noop", min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1])
    year_to = YearFilter(method="noop", min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1])
    search = django_filters.CharFilter(method="noop", max_length=MAX_QUERY_LENGTH, help_text="Words to search for.")
    sort = django_filters.ChoiceFilter(method="noop", choices=[(s, s) for s in API_SORTS])
    status = django_filters.ChoiceFilter(
        method="noop",
        choices=[(s, s) for s in selectors.STATUSES],
        help_text="Editors only: `draft` lists unpublished titles, `any` both (default `published`).",
    )

    class Meta:
        model = Title
        fields: list[str] = []

    def noop(self, queryset, name, value):
        return queryset  # every parameter is applied together in filter_queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        tags = self._tags(self.request.query_params.getlist("tag") if self.request else [])
        status = data.get("status") or "published"
        drafts = status != "published"
        if drafts and not (self.request and is_editor(self.request.user)):
            raise PermissionDenied("Only editors can list drafts.")
        filters = selectors.TitleFilters(
            kind=data.get("kind") or "",
            tags=tuple(tags),
            skill_level=data.get("level") or "",
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            status=status,
        )
        titles = selectors.filtered_titles(filters)
        if data.get("facet"):
            titles = titles.filter(pk__in=Tag.objects.filter(facet__slug=data["facet"]).values("titles"))
        query = " ".join((data.get("search") or "").split())
        if query and not data.get("sort"):
            return search.search_titles(query, drafts=drafts).filter(pk__in=titles.values("pk"))  # best match first
        if query:
            titles = titles.filter(pk__in=search.search_titles(query, drafts=drafts).values("pk"))
        return titles.order_by(*selectors.SORTS[data.get("sort") or "title"])

    def _tags(self, references: list[str]) -> list[Tag]:
        field = TagReferencesField(required=False)
        try:
            references = field.clean(references)
        except forms.ValidationError as error:
            raise ValidationError({"tag": error.messages}) from None
        found = selectors.tags_by_reference(references)
        unknown = [ref for ref in references if ref not in found]
        if unknown:
            raise ValidationError({"tag": [f"Unknown tag {', '.join(unknown)}."]})
        return list(dict.fromkeys(found[ref] for ref in references))
