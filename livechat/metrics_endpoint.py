"""`/metrics`: this process's Prometheus metrics, for a scraper that proves who it is.

Off (404) until configured. A scraper is admitted by `METRICS_TOKEN` (`Authorization:
Bearer <token>`) or by its address in `METRICS_ALLOWED_IPS`. The address is the TCP peer's,
never a header: Prometheus connects to each daphne process directly. A request that came
through a proxy (it carries `X-Forwarded-For`, `Forwarded` or `X-Real-IP`) is never admitted
by address, so a proxy on an allowed address cannot expose the metrics to everyone.

An async view: scraping never waits for the thread that database calls share, so the
metrics stay readable while PostgreSQL is down.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from livechat.error_responses import error_response

PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def allowed_networks(entries) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """`METRICS_ALLOWED_IPS` entries (addresses or CIDR ranges) as networks; ValueError
    names a bad entry."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry]


def _token_ok(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # As bytes: compare_digest refuses non-ASCII strings, and a header may hold anything.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _address_ok(request: HttpRequest, networks) -> bool:
    if any(name in request.headers for name in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in networks)


@require_GET
async def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    networks = allowed_networks(settings.METRICS_ALLOWED_IPS)
    if not token and not networks:
        return error_response("Not found.", "not_found", 404)
    if (token and _token_ok(request, token)) or (networks and _address_ok(request, networks)):
        return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
    if token:
        refused = error_response("A metrics token is required.", "not_authenticated", 401)
        refused["WWW-Authenticate"] = "Bearer"
        return refused
    return error_response("Not allowed from this address.", "forbidden", 403)
