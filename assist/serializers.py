"""The article and the suggestions, and the article inputs, described for OpenAPI.

Output goes through `assist.wire`; input is only shaped here: `assist.services` validates it.
"""

from django.core.validators import RegexValidator
from rest_framework import serializers

from assist.models import MAX_ARTICLE_LENGTH, MAX_TITLE_LENGTH
from assist.wire import serialize_article
from conversations.serializers import AssigneeSerializer
from livechat.schema import TEXT

# What `assist.services` accepts (not blank once trimmed, no NUL), as the schema can carry it.
_TITLE = {"max_length": MAX_TITLE_LENGTH, "validators": [RegexValidator(TEXT)]}
_BODY = {"max_length": MAX_ARTICLE_LENGTH, "validators": [RegexValidator(TEXT)]}


class KnowledgeArticleSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    updated_by = AssigneeSerializer(read_only=True, allow_null=True)

    def to_representation(self, instance) -> dict:
        return serialize_article(instance)


class KnowledgeArticleCreateSerializer(serializers.Serializer):
    title = serializers.CharField(**_TITLE)
    body = serializers.CharField(**_BODY)
    active = serializers.BooleanField(required=False, default=True)


class KnowledgeArticleUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(**_TITLE, required=False)
    body = serializers.CharField(**_BODY, required=False)
    active = serializers.BooleanField(required=False)


class SuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    source = serializers.CharField()
    score = serializers.FloatField(min_value=0, max_value=1)


class SuggestionsSerializer(serializers.Serializer):
    conversation_id = serializers.UUIDField()
    message_id = serializers.UUIDField(allow_null=True)
    suggestions = SuggestionSerializer(many=True)
