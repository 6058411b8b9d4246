"""The REST error body `{"detail", "code"}` (PROTOCOL section 3) and DRF's exception handler."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from livechat import metrics
from livechat.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, LivechatError, Unavailable

logger = logging.getLogger(__name__)

# DRF's own codes, renamed to the contract's vocabulary (the WebSocket uses the same words).
_CODE_BY_STATUS = {
    400: "validation_error",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_body(detail: str, code: str, errors: dict | None = None) -> dict:
    body = {"detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return body


def error_response(detail: str, code: str, status: int) -> JsonResponse:
    """The same body for plain Django views (dashboard helpers, error pages)."""
    return JsonResponse(error_body(detail, code), status=status)


def unavailable_response() -> JsonResponse:
    """503 `unavailable` with `Retry-After`: the database is down for a moment."""
    response = error_response(Unavailable().message, Unavailable.code, Unavailable.status_code)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _flatten(errors, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        out = []
        for key, value in errors.items():
            name = "" if key == "non_field_errors" else str(key)
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else name or prefix)
        return out
    if isinstance(errors, list):
        return [m for item in errors for m in _flatten(item, prefix)]
    return [f"{prefix}: {errors}" if prefix else str(errors)]


def api_exception_handler(exc, context):
    metrics.database_error_seen(exc, where="http")
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("database unavailable: %r", exc)
        exc = Unavailable()
    if isinstance(exc, Unavailable):
        return Response(
            error_body(exc.message, exc.code),
            status=exc.status_code,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, LivechatError):
        return Response(error_body(exc.message, exc.code, exc.errors), status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("Request body is too large.", "too_large"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = _CODE_BY_STATUS.get(response.status_code, "error")
    if isinstance(exc, exceptions.ParseError):
        code = "invalid_json"
    if isinstance(exc, exceptions.ValidationError):
        messages = _flatten(exc.detail)
        detail = "; ".join(messages) or "Invalid input."
        response.data = error_body(
            detail, code, exc.detail if isinstance(exc.detail, dict) else None
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = error_body(str(detail), code)
    return response
