"""The Message object of the wire contract: one serializer for REST and WebSocket payloads."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conversations.actors import AI_NAME, SYSTEM_NAME, user_display_name
from messaging.models import MAX_BODY_LENGTH, MAX_CLIENT_ID_LENGTH, Message, SenderType


class SenderSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=SenderType.choices)
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField()


def message_sender(message: Message) -> dict:
    if message.sender_type == SenderType.AGENT:
        user = message.sender_agent
        return {"type": "agent", "id": str(user.pk), "name": user_display_name(user)}
    if message.sender_type == SenderType.VISITOR:
        visitor = message.sender_visitor
        return {"type": "visitor", "id": str(visitor.pk), "name": visitor.display_name}
    name = AI_NAME if message.sender_type == SenderType.AI else SYSTEM_NAME
    return {"type": message.sender_type, "id": None, "name": name}


class MessageSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    conversation_id = serializers.UUIDField(read_only=True)
    seq = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    client_id = serializers.CharField(read_only=True, allow_null=True)
    sender = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    deleted = serializers.BooleanField(read_only=True)

    @extend_schema_field(SenderSerializer)
    def get_sender(self, message: Message) -> dict:
        return message_sender(message)

    def get_body(self, message: Message) -> str:
        # A tombstone never carries text, whatever the row holds.
        return "" if message.deleted else message.body

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_attachments(self, message: Message) -> list:
        return []


def _datetime(value):
    # What DRF's DateTimeField gives: ISO 8601 in the current time zone, "Z" for UTC.
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def serialize_message(message: Message) -> dict:
    """`MessageSerializer(message).data`, built directly: every message sent is serialized
    on the hot path, and DRF's field copying took as long as the message's queries."""
    deleted = message.deleted
    return {
        "id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "version": message.version,
        "client_id": message.client_id,
        "sender": message_sender(message),
        "body": "" if deleted else message.body,
        "attachments": [],
        "created_at": _datetime(message.created_at),
        "edited_at": _datetime(message.edited_at),
        "deleted": deleted,
    }


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=MAX_BODY_LENGTH, trim_whitespace=True, allow_blank=False
    )
    client_id = serializers.CharField(
        max_length=MAX_CLIENT_ID_LENGTH, required=False, allow_null=True, allow_blank=False
    )

    def to_internal_value(self, data):
        _reject_non_strings(data, ("body", "client_id"))
        return super().to_internal_value(data)


class MessageEditSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=MAX_BODY_LENGTH, trim_whitespace=True, allow_blank=False
    )

    def to_internal_value(self, data):
        _reject_non_strings(data, ("body",))
        return super().to_internal_value(data)


def _reject_non_strings(data, fields) -> None:
    """DRF's CharField happily turns 42 or True into "42"; the contract wants text."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
    errors = {
        f: ["Must be a string."]
        for f in fields
        if f in data and data[f] is not None and not isinstance(data[f], str)
    }
    if errors:
        raise serializers.ValidationError(errors)


class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True)
    has_more = serializers.BooleanField()
    version = serializers.IntegerField()
