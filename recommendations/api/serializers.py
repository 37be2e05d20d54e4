from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from catalog.api.serializers import TitleCardSerializer
from catalog.models import Title
from config.api import MAX_ID
from recommendations.activity import clean_event
from recommendations.models import Event, ModelVersion, TrainingRun
from recommendations.training import TRAINABLE

MAX_EVENTS_PER_REQUEST = 100
MAX_ITEMS_PER_ROW = 50


class EventInputSerializer(serializers.Serializer):
    """One event about a published title; the user is always the requester."""

    title = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="A published title's id.")
    type = serializers.ChoiceField(choices=Event.Type.choices)
    value = serializers.FloatField(
        required=False, allow_null=True, help_text="Rating 1–5 in half stars, or progress 0–1; null otherwise."
    )

    def validate_title(self, value: int) -> Title:
        title = Title.objects.published().filter(pk=value).first()
        if title is None:
            raise serializers.ValidationError("Unknown title.")
        return title

    def validate(self, data: dict) -> dict:
        try:
            data["value"] = clean_event(data["title"], data["type"], data.get("value"))
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return data


_EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "type": {"type": "string", "enum": list(Event.Type.values)},
        "value": {"type": "number", "nullable": True},
    },
    "required": ["title", "type"],
}
EVENTS_REQUEST_SCHEMA = {
    "oneOf": [
        _EVENT_SCHEMA,
        {"type": "array", "items": _EVENT_SCHEMA, "minItems": 1, "maxItems": MAX_EVENTS_PER_REQUEST},
    ]
}


class EventsStoredSerializer(serializers.Serializer):
    stored = serializers.IntegerField(help_text="How many events were stored (0 while history is paused).")
    paused = serializers.BooleanField()


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ("type", "value", "timestamp", "source")


class HistoryEntrySerializer(serializers.Serializer):
    title = TitleCardSerializer()
    last_at = serializers.DateTimeField()
    events = EventSerializer(many=True)


class RowsQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(
        min_value=1, max_value=MAX_ITEMS_PER_ROW, required=False, help_text="At most this many items per row."
    )


class RowItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    slug = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="Why this title is recommended.")
    progress = serializers.FloatField(allow_null=True, required=False)


class RowSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    personalized = serializers.BooleanField()
    source = serializers.IntegerField(allow_null=True, help_text="The title a 'Because you watched' row is about.")
    more_url = serializers.CharField(allow_blank=True, allow_null=True)
    items = RowItemSerializer(many=True)


class RowsSerializer(serializers.Serializer):
    rows = RowSerializer(many=True)


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = (
            "id",
            "algorithm",
            "params",
            "data_counts",
            "metrics",
            "champion_metrics",
            "training_seconds",
            "is_active",
            "status",
            "decision",
            "created_at",
            "activated_at",
        )
        read_only_fields = fields


class TrainingRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingRun
        fields = (
            "id",
            "algorithm",
            "options",
            "status",
            "stage",
            "progress",
            "attempts",
            "error",
            "trigger",
            "version",
            "created_at",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields


class TrainingRunInputSerializer(serializers.Serializer):
    algorithm = serializers.ChoiceField(choices=TRAINABLE)
    max_configs = serializers.IntegerField(min_value=1, max_value=50, required=False)
