"""The Message object and the message inputs, described for OpenAPI.

Output goes through `messaging.wire` (one serializer for REST and WebSocket); input is
only shaped here: `messaging.services` validates it, for REST and WebSocket alike.
"""

from django.core.validators import RegexValidator
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from livechat.schema import TEXT
from messaging.models import MAX_BODY_LENGTH, MAX_CLIENT_ID_LENGTH, SenderType
from messaging.wire import serialize_message


class SenderSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=SenderType.choices)
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    width = serializers.IntegerField(read_only=True, allow_null=True)
    height = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.CharField(read_only=True, help_text="signed; expires")
    thumbnail_url = serializers.CharField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance) -> dict:
        return instance.to_wire()


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

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, message) -> list:
        raise NotImplementedError  # schema only: to_representation builds the object

    def to_representation(self, instance) -> dict:
        return serialize_message(instance)


# What `messaging.services.clean_body` accepts, as a pattern the schema can carry.
_BODY = {"max_length": MAX_BODY_LENGTH, "validators": [RegexValidator(TEXT)]}


# Readable examples for the docs page (the body's pattern alone makes gibberish).
_EXAMPLE = extend_schema_serializer(
    examples=[OpenApiExample("A reply", value={"body": "Your order ships today."})]
)


@_EXAMPLE
class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(
        **_BODY,
        help_text='1 to 5,000 characters of text; may be empty ("") when `attachments` are given.',
    )
    client_id = serializers.CharField(
        max_length=MAX_CLIENT_ID_LENGTH, required=False, allow_null=True
    )
    attachments = serializers.ListField(
        child=serializers.UUIDField(),
        max_length=10,
        required=False,
        allow_null=True,
        help_text="Ids of your own unused uploads (agents: uploaded to this conversation).",
    )
    internal = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="a private note (agents); `@username` notifies that agent",
    )


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


@_EXAMPLE
class MessageEditSerializer(serializers.Serializer):
    body = serializers.CharField(**_BODY)


class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True)
    has_more = serializers.BooleanField()
    version = serializers.IntegerField()
