"""The widget session's input and output, described for OpenAPI."""

from rest_framework import serializers

from conversations.serializers import VisitorSerializer


class WidgetSessionSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True, default=None)
    page_url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    language = serializers.CharField(max_length=35, required=False, allow_blank=True, default="")
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class WidgetSessionOutSerializer(serializers.Serializer):
    visitor = VisitorSerializer()
    token = serializers.CharField()


class WidgetVisitorUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True)
