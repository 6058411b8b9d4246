"""Cross-site WebSocket hijacking and the agent's session cookie.

A WebSocket handshake carries the browser's cookies whatever page opened it, so the
`Origin` header is the only thing that stops evil.example from opening an agent's socket
with the agent's session. Both endpoints refuse foreign, missing, `null` and look-alike
origins; the session cookie is HttpOnly, SameSite=Lax and, in production, Secure.
"""

import contextlib
import re
import urllib.error
import urllib.request
from http.cookies import Morsel, SimpleCookie

import pytest
import websockets
from channels.db import database_sync_to_async

from realtime.client import LiveSocket
from tests.security.conftest import WIDGET_ORIGIN, browser_origin, secure_http
from tests.support.asgi_sockets import TIMEOUT, communicator, session_cookie
from tests.support.auth import session_cookie as live_session_cookie
from tests.support.factories import PASSWORD, AgentFactory

# Origins a browser could send from somewhere else, or that only look like ours.
HOSTILE = [
    None,  # no Origin at all: not a browser page, or a stripped header
    "null",  # sandboxed iframes, file:// pages, some redirects
    "https://evil.example",
    "http://127.0.0.1.evil.com",
    "http://evil-127.0.0.1",
    "http://127.0.0.1evil.com",
    "http://localhost.evil.com",
    "http://evil.com:8000",
    "http://127.0.0.1@evil.com",
    "http://evil.com/http://127.0.0.1",
    "file://",
    "chrome-extension://abcdefghijklmnop",
    "https://shop.example.evil.com",
    "https://evilshop.example",
    "https://shop.example@evil.com",
]
# The widget's embedding site may open /ws/visitor/, never /ws/agent/.
AGENT_ONLY_HOSTILE = [WIDGET_ORIGIN]
# The widget endpoint matches the configured origin exactly: scheme and port included.
VISITOR_ONLY_HOSTILE = ["http://shop.example", "https://shop.example:8443"]

# (Origin, the Host header the browser sent with it): the server's own pages.
OWN = [
    ("http://127.0.0.1", "127.0.0.1"),
    ("http://127.0.0.1:8000", "127.0.0.1:8000"),
    ("http://localhost:80", "localhost"),
    ("http://[::1]:8000", "[::1]:8000"),
]
# The agent's socket compares the full origin: the same host on another port or scheme is
# another site (another service on that machine, the plain-HTTP twin of an HTTPS site).
SAME_HOST_OTHER_ORIGIN = [
    ("http://127.0.0.1:8001", "127.0.0.1:8000"),
    ("http://127.0.0.1:8000", "127.0.0.1"),
    ("https://127.0.0.1", "127.0.0.1"),
    ("http://localhost:8000", "localhost:8001"),
    ("https://localhost:443", "localhost:8443"),
]


async def handshake(
    path: str, origin: str | None, cookie: str | None = None, host: str = "127.0.0.1", **kw
) -> bool:
    comm = communicator(path, origin=origin, cookie=cookie, host=host, **kw)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    if connected:
        await comm.disconnect()
    else:  # refused before accept: nothing to disconnect, just let the app go
        with contextlib.suppress(TimeoutError):
            await comm.wait(0.05)
    return connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", HOSTILE + AGENT_ONLY_HOSTILE)
async def test_agent_socket_refuses_foreign_origins_even_with_a_valid_session(
    settings, alice, origin
):
    settings.WIDGET_ALLOWED_ORIGINS = [WIDGET_ORIGIN]
    cookie = await session_cookie(alice)
    assert not await handshake("/ws/agent/", origin, cookie)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", HOSTILE + VISITOR_ONLY_HOSTILE)
async def test_visitor_socket_refuses_foreign_origins(settings, origin):
    settings.WIDGET_ALLOWED_ORIGINS = [WIDGET_ORIGIN]
    assert not await handshake("/ws/visitor/", origin)


@pytest.mark.django_db(transaction=True)
async def test_the_allowed_origins_do_connect(settings, alice):
    """The refusals above are not just everything refused."""
    settings.WIDGET_ALLOWED_ORIGINS = [WIDGET_ORIGIN]
    cookie = await session_cookie(alice)
    for origin, host in OWN:
        assert await handshake("/ws/agent/", origin, cookie, host=host), origin
        assert await handshake("/ws/visitor/", origin, host=host), origin
    for origin in (WIDGET_ORIGIN, "https://shop.example:443", "HTTPS://SHOP.EXAMPLE"):
        assert await handshake("/ws/visitor/", origin), origin


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin, host", SAME_HOST_OTHER_ORIGIN)
async def test_the_agent_socket_compares_scheme_and_port_not_just_the_host(
    settings, alice, origin, host
):
    """Issue 9, finding 6: any port of an allowed host used to connect."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    cookie = await session_cookie(alice)
    assert not await handshake("/ws/agent/", origin, cookie, host=host)
    # The same page on the server's own origin does connect.
    own = f"{origin.split(':')[0]}://{host}"
    assert await handshake("/ws/agent/", own, cookie, host=host, **https_if(own))


def https_if(origin: str) -> dict:
    """A page served over HTTPS reaches daphne through the TLS proxy, which says so."""
    return {"headers": [(b"x-forwarded-proto", b"https")]} if origin.startswith("https") else {}


@pytest.mark.django_db(transaction=True)
async def test_behind_a_tls_proxy_only_the_https_origin_connects(settings, alice):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    cookie = await session_cookie(alice)
    proxied = {"headers": [(b"x-forwarded-proto", b"https")], "host": "chat.example"}
    settings.ALLOWED_HOSTS = ["chat.example"]
    assert await handshake("/ws/agent/", "https://chat.example", cookie, **proxied)
    assert not await handshake("/ws/agent/", "http://chat.example", cookie, **proxied)
    # An HTTPS-only site (SECURE_SSL_REDIRECT) has no plain-HTTP page to trust.
    settings.SECURE_SSL_REDIRECT = True
    assert await handshake("/ws/agent/", "https://chat.example", cookie, host="chat.example")
    assert not await handshake("/ws/agent/", "http://chat.example", cookie, host="chat.example")


@pytest.mark.django_db(transaction=True)
async def test_a_host_outside_allowed_hosts_is_refused_whatever_the_origin(alice):
    cookie = await session_cookie(alice)
    assert not await handshake("/ws/agent/", "http://evil.example", cookie, host="evil.example")


@pytest.mark.django_db(transaction=True)
async def test_csrf_trusted_origins_may_open_the_agent_socket(settings, alice):
    """A proxy that rewrites Host: the operator lists the public origin (deployment.md)."""
    cookie = await session_cookie(alice)
    settings.CSRF_TRUSTED_ORIGINS = ["https://chat.example", "https://*.support.example"]
    for origin in ("https://chat.example", "https://eu.support.example"):
        assert await handshake("/ws/agent/", origin, cookie), origin
    for origin in ("http://chat.example", "https://chat.example:8443", "https://support.evil"):
        assert not await handshake("/ws/agent/", origin, cookie), origin


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", [None, "null"])
async def test_a_wildcard_widget_setting_still_refuses_missing_and_null_origins(settings, origin):
    settings.WIDGET_ALLOWED_ORIGINS = ["*"]
    assert await handshake("/ws/visitor/", "https://anyone.example")
    assert not await handshake("/ws/visitor/", origin)


@pytest.mark.django_db
@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1.evil.com"])
def test_widget_rest_refuses_foreign_origins_and_sends_them_no_cors(client, settings, origin):
    settings.WIDGET_ALLOWED_ORIGINS = settings.CORS_ALLOWED_ORIGINS = [WIDGET_ORIGIN]
    r = client.post(
        "/api/v1/widget/session/", {}, content_type="application/json", HTTP_ORIGIN=origin
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert "Access-Control-Allow-Origin" not in r
    ok = client.post(
        "/api/v1/widget/session/", {}, content_type="application/json", HTTP_ORIGIN=WIDGET_ORIGIN
    )
    assert ok.status_code == 201 and ok["Access-Control-Allow-Origin"] == WIDGET_ORIGIN
    assert "Access-Control-Allow-Credentials" not in ok  # the token is a header, not a cookie


@pytest.mark.django_db(transaction=True)
async def test_live_server_refuses_hijacking_handshakes(secure_server):
    """The same through a real daphne with the production settings: an HTTP 403."""
    alice = await database_sync_to_async(AgentFactory)(username="alice")
    cookie = await database_sync_to_async(live_session_cookie)(alice)
    for origin in ["https://evil.example", "http://127.0.0.1.evil.com", "null", WIDGET_ORIGIN]:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await LiveSocket.connect(
                f"{secure_server.ws_url}/ws/agent/", origin=origin, cookie=cookie
            )
        assert refused.value.response.status_code == 403, origin
    for origin in ["https://evil.example", "http://evil-127.0.0.1", "null"]:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await LiveSocket.connect(f"{secure_server.ws_url}/ws/visitor/", origin=origin)
        assert refused.value.response.status_code == 403, origin
    # An HTTPS-only deployment: its pages' origin is https://, never http:// (finding 6).
    with pytest.raises(websockets.InvalidStatus) as refused:
        await LiveSocket.connect(
            f"{secure_server.ws_url}/ws/agent/", origin=secure_server.origin, cookie=cookie
        )
    assert refused.value.response.status_code == 403
    sock = await LiveSocket.connect(
        f"{secure_server.ws_url}/ws/agent/", origin=browser_origin(secure_server), cookie=cookie
    )
    hello = await sock.wait_for(lambda f: f.get("type") == "hello")
    assert hello["user"]["id"] == str(alice.pk)
    await sock.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def cookie(set_cookie_headers: list[str], name: str) -> Morsel:
    for header in set_cookie_headers:
        jar = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name]
    raise AssertionError(f"no {name} cookie in {set_cookie_headers}")


@pytest.mark.django_db(transaction=True)
def test_a_real_login_in_production_sets_hardened_cookies(secure_server, settings):
    """Log in through the login form of a DJANGO_DEBUG=0 DJANGO_HTTPS=1 process."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the server's
    AgentFactory(username="alice")
    base = secure_server.url
    https_base = base.replace("http://", "https://")  # as the browser sees it, behind TLS
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
    proxied = {"X-Forwarded-Proto": "https"}
    with opener.open(urllib.request.Request(f"{base}/accounts/login/", headers=proxied)) as r:
        page = r.read().decode()
        csrf_headers = r.headers.get_all("Set-Cookie")
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = f"username=alice&password={PASSWORD}&csrfmiddlewaretoken={token}".encode()
    login = urllib.request.Request(
        f"{base}/accounts/login/",
        data=form,
        headers={
            **proxied,
            "Cookie": f"csrftoken={cookie(csrf_headers, 'csrftoken').value}",
            "Origin": https_base,
            "Referer": f"{https_base}/accounts/login/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as redirected:
        opener.open(login)
    response = redirected.value
    assert response.code == 302, response.read()[:300]
    assert response.headers["Location"] == "/dashboard/"
    session_headers = response.headers.get_all("Set-Cookie")

    session = cookie(session_headers, "sessionid")
    assert (session["httponly"], session["secure"], session["samesite"]) == (True, True, "Lax")
    csrf = cookie(csrf_headers, "csrftoken")
    assert (csrf["secure"], csrf["samesite"]) == (True, "Lax")
    status, _body, _ = secure_http("GET", f"{base}/healthz")
    assert status == 200


@pytest.mark.django_db
def test_development_cookies_are_httponly_and_lax(client, alice):
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    morsel = client.cookies["sessionid"]
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
