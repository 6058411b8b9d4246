"""Which web origins may talk to the widget endpoints (REST and /ws/visitor/)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host


def normalize_origin(origin: str) -> str:
    parts = urlsplit(origin.strip().lower())
    if not parts.scheme or not parts.netloc:
        return ""
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}"


def origin_is_own_host(origin: str) -> bool:
    """The chat server's own pages (the widget iframe, the dashboard)."""
    normalized = normalize_origin(origin)
    if not normalized:
        return False
    host, _port = split_domain_port(urlsplit(normalized).netloc)
    return bool(host) and validate_host(host, settings.ALLOWED_HOSTS)


def widget_origin_allowed(origin: str, *, request=None) -> bool:
    normalized = normalize_origin(origin)
    if not normalized:
        return False
    allowed = settings.WIDGET_ALLOWED_ORIGINS
    if "*" in allowed:
        return True
    if normalized in {normalize_origin(o) for o in allowed}:
        return True
    return origin_is_own_host(origin)
