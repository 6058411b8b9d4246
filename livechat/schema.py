"""The OpenAPI schema tells the truth about errors: one mechanism for every operation.

`LivechatAutoSchema` (DRF's DEFAULT_SCHEMA_CLASS) adds to each operation the error answers
it can give, derived from what the view really does, each with the shared error body
(the `Error` component, `livechat.error_responses.error_body`):

- a request body: 400 (`validation_error`, `invalid_json`), 413 (`too_large`) and 415
  (`unsupported_media_type`: the API reads JSON only);
- query parameters: 400; a path parameter, or a paginated list (`?page=` past the end): 404;
- a permission other than AllowAny: 401 (no or bad credentials) and 403 (not allowed);
- throttles: 429 (`rate_limited`);
- every operation that reaches the database: 503 (`unavailable`, with `Retry-After`) while
  it is unreachable.

Optional query parameters are marked `allowEmptyValue`: an empty value means not given.

What only one view knows (409 on editing a deleted message, 404 before a visitor's first
message, 403 for a website that may not embed the widget) it declares in its
`extend_schema(responses=…)` with `error("…")`, and keeps its own description.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

# JSON Schema patterns, read the same by ECMA and Python regular expressions (so every
# character is spelled out as an escape: the engines disagree on what `\s` is).
# No NUL character, which PostgreSQL refuses:
NO_NUL = r"^[^\u0000]*$"
# What `str.strip()` removes, so "not blank once trimmed" is "has one character not in it":
BLANK = "".join(f"\\u{code:04x}" for code in range(0x3001) if chr(code).isspace())
# A message body: not blank once trimmed, no NUL.
TEXT = rf"^[^\u0000]*[^\u0000{BLANK}][^\u0000]*$"

CODES = (
    "validation_error, invalid_json, not_authenticated, forbidden, not_found, "
    "method_not_allowed, conflict, too_large, unsupported_media_type, rate_limited"
)


class ErrorSerializer(serializers.Serializer):
    """The body of every REST error (PROTOCOL section 3)."""

    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text=f"What went wrong, for programs: {CODES}, …")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors by field name, when the input was invalid.",
    )

    class Meta:
        ref_name = "Error"


def error(description: str) -> OpenApiResponse:
    """An error answer a view declares itself, with the shared body."""
    return OpenApiResponse(ErrorSerializer, description=description)


DESCRIPTIONS = {
    400: "Invalid input (`validation_error`; `invalid_json` for a body that is not JSON).",
    401: "No valid credentials (`not_authenticated`).",
    403: "Not allowed (`forbidden`).",
    404: "Not found, or not yours (`not_found`).",
    413: "The request body is too large (`too_large`).",
    415: "The body is not JSON (`unsupported_media_type`).",
    429: "Too many requests (`rate_limited`); `Retry-After` says when to try again.",
    503: "The database is briefly unreachable (`unavailable`); `Retry-After` says when to "
    "try again. Nothing was changed.",
}


class LivechatAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        error_ref = self.resolve_serializer(ErrorSerializer, "response").ref
        for status in self._error_statuses(operation):
            if str(status) not in responses:
                responses[str(status)] = {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": error_ref}},
                }
        operation["responses"] = dict(sorted(responses.items()))
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and not parameter.get("required"):
                # Every view reads `?name=` (empty) as not given, as HTML forms send it.
                parameter["allowEmptyValue"] = True
        return operation

    def _error_statuses(self, operation: dict) -> set[int]:
        statuses: set[int] = set()
        places = {parameter["in"] for parameter in operation.get("parameters", [])}
        if "requestBody" in operation:
            statuses |= {400, 413, 415}
        if "query" in places:
            statuses.add(400)
        if "path" in places or self._is_paginated():
            statuses.add(404)
        if not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            statuses |= {401, 403}
        if self.view.get_throttles():
            statuses.add(429)
        statuses.add(503)
        return statuses

    def _is_paginated(self) -> bool:
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None
