"""The widget session's input and output, described for OpenAPI."""

from rest_framework import serializers

from conversations.serializers import VisitorSerializer


class StringsOnly:
    """DRF's text fields take numbers too (`0` becomes `"0"`); the schema says string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TextField(StringsOnly, serializers.CharField):
    pass


class StrictEmailField(StringsOnly, serializers.EmailField):
    pass


class StrictURLField(StringsOnly, serializers.URLField):
    pass


class WidgetSessionSerializer(serializers.Serializer):
    name = TextField(max_length=100, required=False, allow_blank=True, default="")
    email = StrictEmailField(required=False, allow_null=True, allow_blank=True, default=None)
    page_url = StrictURLField(max_length=2000, required=False, allow_blank=True, default="")
    # The widget's language (`en`, `id`) and time zone (IANA): what emails and the AI's
    # hand-off are written in, the visitor's local time for agents. Anything else is kept
    # blank, not refused.
    language = TextField(max_length=35, required=False, allow_blank=True, default="")
    time_zone = TextField(max_length=64, required=False, allow_blank=True, default="")


class WidgetSessionOutSerializer(serializers.Serializer):
    visitor = VisitorSerializer()
    token = serializers.CharField()


class WidgetVisitorUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True)
