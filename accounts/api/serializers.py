from __future__ import annotations

from rest_framework import serializers

from accounts.models import User


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ProfileSerializer(serializers.ModelSerializer):
    age = serializers.IntegerField(min_value=13, max_value=120, required=False, allow_null=True)

    class Meta:
        model = User
        fields = ("id", "username", "email", "first_name", "last_name", "age", "gender", "occupation", "date_joined")
        read_only_fields = ("id", "username", "date_joined")


class PrivacySerializer(serializers.Serializer):
    personalization = serializers.BooleanField(required=False, help_text="Personalised recommendations.")
    history_paused = serializers.BooleanField(required=False, help_text="While paused, nothing is stored.")


class PrivacyResultSerializer(serializers.Serializer):
    personalization = serializers.BooleanField()
    history_paused = serializers.BooleanField()
    changed = serializers.ListField(child=serializers.CharField(), required=False)


class RemovedSerializer(serializers.Serializer):
    removed = serializers.IntegerField(help_text="How many records were deleted.")
