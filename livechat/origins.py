"""Which web origins may open the sockets and call the widget endpoints."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain


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


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _scope_is_secure(scope) -> bool:
    """Whether the page that opened this socket was served over HTTPS."""
    if scope.get("scheme") in ("wss", "https") or settings.SECURE_SSL_REDIRECT:
        return True  # an HTTPS-only site has no plain-HTTP page to open a socket from
    proxy_header = settings.SECURE_PROXY_SSL_HEADER
    if proxy_header:
        name, value = proxy_header
        header = name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin1")
        forwarded = _header(scope, header)
        return forwarded is not None and forwarded.split(",")[0].strip() == value
    return False


def agent_origin_allowed(scope) -> bool:
    """The agent socket's handshake comes from the chat server's own pages: its `Origin` is
    exactly the server's origin, scheme and port included (`Host` must be one of
    ALLOWED_HOSTS), or one of CSRF_TRUSTED_ORIGINS; the rule of Django's CSRF check.

    Comparing host names only let another service on the same host (another port) or the
    plain-HTTP twin of an HTTPS site open an agent's socket with the agent's cookies.
    """
    origin = normalize_origin(_header(scope, b"origin") or "")
    host = (_header(scope, b"host") or "").strip().lower()
    if not origin or not host:
        return False
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS):
        scheme = "https" if _scope_is_secure(scope) else "http"
        if origin == normalize_origin(f"{scheme}://{host}"):
            return True
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in {normalize_origin(o) for o in trusted if "*" not in o}:
        return True
    parts = urlsplit(origin)
    return any(
        parts.scheme == urlsplit(pattern).scheme
        and is_same_domain(parts.netloc, urlsplit(pattern).netloc.lstrip("*"))
        for pattern in trusted
        if "*" in pattern
    )
