"""The canned response object and its inputs, described for OpenAPI (output goes through
`canned.wire`; the services validate the input)."""

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from canned.models import MAX_BODY_LENGTH, MAX_SHORTCUT_LENGTH, MAX_TITLE_LENGTH, CannedScope
from canned.wire import serialize_canned_response
from livechat.schema import NO_NUL, TEXT

# What `canned.services` accepts, as patterns the schema can carry.
_BODY = {"max_length": MAX_BODY_LENGTH, "validators": [RegexValidator(TEXT)]}


# A title may be blank or null. Described by hand (the services check it): drf-spectacular
# spells a CharField's allowed blank as a `oneOf` that "" matches twice.
@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": NO_NUL,
        "maxLength": MAX_TITLE_LENGTH,
        "description": "default (or null): no title",
    }
)
class TitleField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, **kwargs)


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
    title = TitleField()
    body = serializers.CharField(**_BODY)
    scope = serializers.ChoiceField(
        choices=CannedScope.choices,
        required=False,
        allow_null=True,
        help_text="default (or null): personal",
    )


class CannedResponsePatchSerializer(serializers.Serializer):
    """A change: any of the fields, each checked as on creation; none is a no-op."""

    shortcut = serializers.RegexField(
        r"^[A-Za-z0-9_-]+$", max_length=MAX_SHORTCUT_LENGTH, required=False
    )
    title = TitleField()
    body = serializers.CharField(**_BODY, required=False)


class CannedRenderInSerializer(serializers.Serializer):
    conversation_id = serializers.CharField()


class CannedRenderOutSerializer(serializers.Serializer):
    text = serializers.CharField()
