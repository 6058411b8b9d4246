"""The Message object and the message inputs, described for OpenAPI.

Output goes through `messaging.wire` (one serializer for REST and WebSocket); input is
only shaped here: `messaging.services` validates it, for REST and WebSocket alike.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from messaging.models import MAX_BODY_LENGTH, MAX_CLIENT_ID_LENGTH, SenderType
from messaging.wire import serialize_message


class SenderSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=SenderType.choices)
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    conversation_id = serializers.UUIDField(read_only=True)
    seq = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    client_id = serializers.CharField(read_only=True, allow_null=True)
    sender = SenderSerializer(read_only=True)
    body = serializers.CharField(read_only=True)
    attachments = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    deleted = serializers.BooleanField(read_only=True)
    internal = serializers.BooleanField(
        read_only=True, help_text="a private note: agents only, never sent to the visitor"
    )

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_attachments(self, message) -> list:
        raise NotImplementedError  # schema only: to_representation builds the object

    def to_representation(self, instance) -> dict:
        return serialize_message(instance)


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_BODY_LENGTH)
    client_id = serializers.CharField(
        max_length=MAX_CLIENT_ID_LENGTH, required=False, allow_null=True
    )
    internal = serializers.BooleanField(
        required=False, help_text="a private note; `@username` notifies that agent"
    )


class MessageEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_BODY_LENGTH)


class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True)
    has_more = serializers.BooleanField()
    version = serializers.IntegerField()
