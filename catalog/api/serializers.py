"""Input and output shapes of the catalogue API."""

from __future__ import annotations

from django.utils.text import slugify
from rest_framework import serializers

from catalog.filters import YEAR_RANGE
from catalog.models import Facet, Tag, Title


class FacetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Facet
        fields = ("id", "name", "slug", "description")


class TagSerializer(serializers.ModelSerializer):
    facet = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Tag
        fields = ("id", "facet", "name", "slug")


class TitleCardSerializer(serializers.ModelSerializer):
    """A title in a list: the columns a card shows (catalog.selectors.CARD_FIELDS)."""

    class Meta:
        model = Title
        fields = ("id", "kind", "title", "slug", "year", "skill_level", "is_published", "published_at")
        read_only_fields = fields


class SimilarTitleSerializer(TitleCardSerializer):
    reason = serializers.CharField(help_text="Why this title is similar.")

    class Meta(TitleCardSerializer.Meta):
        fields = (*TitleCardSerializer.Meta.fields, "reason")
        read_only_fields = fields


class TitleSerializer(serializers.ModelSerializer):
    """A whole title. Editors write it; `slug` is made from the title when left out."""

    year = serializers.IntegerField(min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1], required=False, allow_null=True)
    duration_minutes = serializers.IntegerField(min_value=0, max_value=100_000, required=False, allow_null=True)
    lesson_count = serializers.IntegerField(min_value=0, max_value=10_000, required=False, allow_null=True)
    slug = serializers.SlugField(max_length=320, required=False)
    tags = TagSerializer(many=True, read_only=True)

    class Meta:
        model = Title
        fields = (
            "id",
            "kind",
            "title",
            "slug",
            "synopsis",
            "year",
            "release_date",
            "duration_minutes",
            "language",
            "is_published",
            "published_at",
            "is_staff_pick",
            "skill_level",
            "provider",
            "instructor",
            "lesson_count",
            "tags",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "tags", "created_at", "updated_at")
        extra_kwargs = {"synopsis": {"max_length": 10_000}}

    def validate_slug(self, value: str) -> str:
        taken = Title.objects.filter(slug=value).exclude(pk=getattr(self.instance, "pk", None))
        if taken.exists():
            raise serializers.ValidationError("Another title has this slug.")
        return value

    def create(self, validated_data: dict) -> Title:
        if not validated_data.get("slug"):
            validated_data["slug"] = _free_slug(validated_data["title"])
        return super().create(validated_data)


def _free_slug(title: str) -> str:
    base = slugify(title)[:300] or "title"
    slug, n = base, 1
    while Title.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class TagInputSerializer(serializers.Serializer):
    tag = serializers.PrimaryKeyRelatedField(
        queryset=Tag.objects.all(), error_messages={"does_not_exist": "Unknown tag.", "incorrect_type": "Unknown tag."}
    )
