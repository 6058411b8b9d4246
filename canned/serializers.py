"""The canned response object and its inputs, described for OpenAPI (output goes through
`canned.wire`; the services validate the input)."""

from rest_framework import serializers

from canned.models import MAX_BODY_LENGTH, MAX_SHORTCUT_LENGTH, MAX_TITLE_LENGTH, CannedScope
from canned.wire import serialize_canned_response


class OwnerSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class CannedResponseSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    shortcut = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    scope = serializers.ChoiceField(choices=CannedScope.choices, read_only=True)
    owner = OwnerSerializer(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance) -> dict:
        return serialize_canned_response(instance)


class CannedResponseInSerializer(serializers.Serializer):
    shortcut = serializers.RegexField(r"^[A-Za-z0-9_-]+$", max_length=MAX_SHORTCUT_LENGTH)
    title = serializers.CharField(max_length=MAX_TITLE_LENGTH, required=False, allow_blank=True)
    body = serializers.CharField(max_length=MAX_BODY_LENGTH)
    scope = serializers.ChoiceField(
        choices=CannedScope.choices, required=False, help_text="default personal"
    )


class CannedRenderInSerializer(serializers.Serializer):
    conversation_id = serializers.CharField()


class CannedRenderOutSerializer(serializers.Serializer):
    text = serializers.CharField()
