"""The Visitor and Conversation objects and the conversation inputs, described for OpenAPI.

Output goes through `conversations.wire` (one serializer for REST and WebSocket); input
is only shaped here: the services validate it.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conversations.models import ConversationStatus
from conversations.wire import serialize_conversation, serialize_visitor

# The Message component, named rather than imported: `messaging` depends on this app.
_MESSAGE_OR_NULL = {"allOf": [{"$ref": "#/components/schemas/Message"}], "nullable": True}


class VisitorSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True, allow_null=True)

    def to_representation(self, instance) -> dict:
        return serialize_visitor(instance)


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
    last_message = serializers.SerializerMethodField()
    last_seq = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    first_response_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(AssigneeSerializer(allow_null=True))
    def get_assignee(self, conversation) -> dict | None:
        raise NotImplementedError  # schema only: to_representation builds the object

    @extend_schema_field(_MESSAGE_OR_NULL)
    def get_last_message(self, conversation) -> dict | None:
        raise NotImplementedError  # schema only

    def to_representation(self, instance) -> dict:
        return serialize_conversation(instance)


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "pattern": "^[0-9]+$"}, {"type": "integer", "minimum": 1}],
        "nullable": True,
        "description": "An agent's user id (digits), or null to unassign.",
    }
)
class AgentIdField(serializers.Field):
    pass


class ConversationUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ConversationStatus.choices, required=False)
    assignee_id = AgentIdField(required=False, allow_null=True)
    ai_enabled = serializers.BooleanField(required=False)


class BrowserSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()


class VisitorDetailSerializer(VisitorSerializer):
    conversation_id = serializers.UUIDField(allow_null=True)
    page_url = serializers.CharField(help_text="origin and path only, never the query string")
    browser = BrowserSerializer()
    os = BrowserSerializer()
    device = serializers.CharField(allow_null=True)
    language = serializers.CharField()
    time_zone = serializers.CharField(help_text="IANA name, e.g. Asia/Jakarta; blank if unknown")
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    earlier_conversations = serializers.IntegerField(
        help_text="conversations of other widget sessions with the same email, before this one"
    )


class VisitorUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True)
