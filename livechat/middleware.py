"""Content-Security-Policy (no inline scripts or event handlers anywhere), and a database
outage answered as what it is (503, try again) on every page."""

import logging

from django.conf import settings
from django.http import HttpResponse

from livechat.error_responses import unavailable_response
from livechat.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

# The admin and the API docs page use inline style attributes; scripts stay strict.
_INLINE_STYLE_PREFIXES = ("/admin/", "/api/v1/docs/")


def content_security_policy(path: str, frame_ancestors: str) -> str:
    style = "'self' 'unsafe-inline'" if path.startswith(_INLINE_STYLE_PREFIXES) else "'self'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {style}",
            " ".join(["img-src 'self' data: blob:", *settings.ATTACHMENT_ORIGINS]),
            "font-src 'self' data:",
            # CSP 3: 'self' covers ws: and wss: to our own host; a bare ws: allowed any host.
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def widget_frame_ancestors() -> str:
    """Who may put the widget iframe on a page: WIDGET_ALLOWED_ORIGINS (and us)."""
    origins = settings.WIDGET_ALLOWED_ORIGINS
    if "*" in origins:
        return "*"
    return " ".join(["'self'", *origins])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            ancestors = getattr(response, "csp_frame_ancestors", "'none'")
            response["Content-Security-Policy"] = content_security_policy(request.path, ancestors)
        return response


class DatabaseUnavailableMiddleware:
    """A view that could not reach the database answers 503 with `Retry-After`, not 500:
    JSON (the contract's error body) for the API and JSON helpers, a short page otherwise.
    REST views already answer so through DRF's exception handler."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.warning("database unavailable at %s: %r", request.path, exception)
        if request.path.startswith("/api/") or request.path.endswith(".json"):
            return unavailable_response()
        response = HttpResponse(
            "<!DOCTYPE html><title>Briefly unavailable</title>"
            "<p>The chat service is briefly unavailable. Please try again in a few seconds.</p>",
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
