"""Content-Security-Policy: no inline scripts or event handlers anywhere."""

from django.conf import settings

# The admin and the API docs page use inline style attributes; scripts stay strict.
_INLINE_STYLE_PREFIXES = ("/admin/", "/api/v1/docs/")


def content_security_policy(path: str, frame_ancestors: str) -> str:
    style = "'self' 'unsafe-inline'" if path.startswith(_INLINE_STYLE_PREFIXES) else "'self'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {style}",
            "img-src 'self' data: blob:",
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
