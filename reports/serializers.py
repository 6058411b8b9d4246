"""The overview object, described for the OpenAPI schema (the selector builds it)."""

from rest_framework import serializers


class _Counts(serializers.Serializer):
    created = serializers.IntegerField()
    closed = serializers.IntegerField()
    reopened = serializers.IntegerField()
    ai_answered = serializers.IntegerField(
        help_text="created in the range, answered by the AI and not (yet) by an agent"
    )


class _Durations(serializers.Serializer):
    median = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()


class _Messages(serializers.Serializer):
    visitor = serializers.IntegerField()
    agent = serializers.IntegerField()
    ai = serializers.IntegerField()


class _Day(serializers.Serializer):
    date = serializers.DateField()
    created = serializers.IntegerField()
    closed = serializers.IntegerField()
    first_response_median = serializers.FloatField(allow_null=True)


class _AgentRef(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class _AgentRow(serializers.Serializer):
    agent = _AgentRef()
    conversations = serializers.IntegerField()
    replies = serializers.IntegerField()
    first_response_median = serializers.FloatField(allow_null=True)
    resolution_median = serializers.FloatField(allow_null=True)


class ReportOverviewSerializer(serializers.Serializer):
    conversations = _Counts()
    first_response_seconds = _Durations()
    resolution_seconds = _Durations()
    messages = _Messages()
    per_day = _Day(many=True)
    per_agent = _AgentRow(many=True)
    per_hour = serializers.ListField(child=serializers.IntegerField(), min_length=24, max_length=24)
