"""The Conversation and Visitor objects of the wire contract."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conversations.actors import user_display_name
from conversations.models import Conversation, ConversationStatus, Visitor
from messaging.serializers import MessageSerializer


class VisitorSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)
    email = serializers.EmailField(read_only=True, allow_null=True)


class AssigneeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class ConversationSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=ConversationStatus.choices, read_only=True)
    ai_enabled = serializers.BooleanField(read_only=True)
    visitor = VisitorSerializer(read_only=True)
    assignee = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    last_message = MessageSerializer(read_only=True, allow_null=True)
    last_seq = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)

    @extend_schema_field(AssigneeSerializer(allow_null=True))
    def get_assignee(self, conversation: Conversation) -> dict | None:
        user = conversation.assignee
        if user is None:
            return None
        return {"id": str(user.pk), "name": user_display_name(user)}


def serialize_conversation(conversation: Conversation) -> dict:
    return dict(ConversationSerializer(conversation).data)


def serialize_visitor(visitor: Visitor) -> dict:
    return dict(VisitorSerializer(visitor).data)


class ConversationUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ConversationStatus.choices, required=False)
    assignee_id = serializers.CharField(required=False, allow_null=True, max_length=64)
    ai_enabled = serializers.BooleanField(required=False)

    def to_internal_value(self, data):
        if (
            isinstance(data, dict)
            and "ai_enabled" in data
            and not isinstance(data["ai_enabled"], bool)
        ):
            raise serializers.ValidationError({"ai_enabled": ["Must be true or false."]})
        if isinstance(data, dict) and isinstance(data.get("assignee_id"), int):
            data = {**data, "assignee_id": str(data["assignee_id"])}
        return super().to_internal_value(data)


class WidgetSessionSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True, default=None)
    page_url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")


class WidgetSessionOutSerializer(serializers.Serializer):
    visitor = VisitorSerializer()
    token = serializers.CharField()
