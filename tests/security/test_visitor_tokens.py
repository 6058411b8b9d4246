"""Visitor tokens: unguessable, compared in constant time, never in URLs or logs, revocable."""

import base64
import contextlib
import hashlib
import hmac
import logging
import re
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Visitor
from conversations.services import visitor_authenticate, visitor_create, visitor_revoke_token
from realtime.client import Closed, LiveSocket
from tests.security.conftest import secure_http
from tests.support.asgi_sockets import TIMEOUT, communicator
from tests.support.asgi_sockets import visitor_socket as rt_visitor_socket
from tests.support.auth import visitor_client

ROOT = Path(__file__).resolve().parents[2]
URLSAFE = re.compile(r"^[A-Za-z0-9_-]+$")


MALFORMED = [
    *(None, "", ".", "..", "x" * 5000, 42, ["a"], {"a": 1}, "not-a-uuid.secret"),
    *("{id}", "{id}.", "{id}.{secret}.x", ".{secret}", "{id}.{secret} ", "{id}.{secret}\x00"),
]


def secret_of(token: str) -> str:
    return token.split(".", 1)[1]


@pytest.mark.django_db
def test_tokens_carry_at_least_128_random_bits_and_are_stored_hashed(client, monkeypatch):
    from livechat.authentication import WidgetSessionThrottle

    # More sessions than one address may start in a minute (that limit: test_brute_force.py).
    monkeypatch.setattr(WidgetSessionThrottle, "rate", "100/min", raising=False)
    tokens = []
    for _ in range(40):
        r = client.post("/api/v1/widget/session/", {}, content_type="application/json")
        assert r.status_code == 201
        tokens.append(r.json()["token"])
    assert len(set(tokens)) == len(tokens)
    secrets_ = [secret_of(t) for t in tokens]
    assert len({s[:8] for s in secrets_}) == len(secrets_)  # no shared prefix, nothing sequential
    for token, secret in zip(tokens, secrets_, strict=True):
        assert URLSAFE.match(secret), secret
        raw = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
        assert len(raw) * 8 >= 128, len(raw)
        visitor = Visitor.objects.get(pk=token.split(".")[0])
        # Only a hash is stored: a database leak does not hand out sessions.
        assert visitor.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str(Visitor.objects.filter(pk=visitor.pk).values().first())


@pytest.mark.django_db
def test_the_secret_is_compared_with_hmac_compare_digest(visitor, monkeypatch):
    """Constant time: the decision is compare_digest's, on two equal-length digests, and the
    database is asked for the visitor by id, never by the secret or its hash."""
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    with CaptureQueriesContext(connection) as queries:
        assert visitor_authenticate(token=visitor.token) == visitor
    secret = secret_of(visitor.token)
    assert len(calls) == 1 and len(calls[0][0]) == len(calls[0][1]) == 64
    for query in queries.captured_queries:
        assert secret not in query["sql"] and visitor.token_hash not in query["sql"]

    wrong = visitor.token[:-4] + ("AAAA" if not visitor.token.endswith("AAAA") else "BBBB")
    assert visitor_authenticate(token=wrong) is None
    assert len(calls) == 2 and len(calls[1][0]) == len(calls[1][1])
    # Whatever compare_digest says goes: the comparison is not done a second way elsewhere.
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: False)
    assert visitor_authenticate(token=visitor.token) is None


@pytest.mark.django_db
@pytest.mark.parametrize("token", MALFORMED)
def test_malformed_tokens_are_refused(visitor, token):
    if isinstance(token, str):
        token = token.format(id=visitor.pk, secret=secret_of(visitor.token))
    assert visitor_authenticate(token=token) is None


@pytest.mark.django_db
def test_tokens_are_not_accepted_from_urls(visitor, client):
    """No token in a URL ever works, so no client has a reason to put one there."""
    for query in (
        f"token={visitor.token}",
        f"visitor_token={visitor.token}",
        f"auth={visitor.token}",
    ):
        r = client.get(f"/api/v1/widget/conversation/?{query}")
        assert r.status_code == 401, query


@pytest.mark.django_db(transaction=True)
async def test_the_socket_is_not_authenticated_by_a_token_in_its_url(visitor):
    comm = communicator(f"/ws/visitor/?token={visitor.token}")
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    await comm.send_json_to({"type": "ping", "request_id": "r"})
    assert (await comm.receive_json_from(TIMEOUT))["code"] == "forbidden"
    assert (await comm.receive_output(TIMEOUT))["code"] == 4401
    with contextlib.suppress(TimeoutError):
        await comm.wait(0.1)


def test_client_code_never_puts_the_token_in_a_url():
    """The widget, its loader and socket.js send the token in a header or the auth frame."""
    sources = [*ROOT.glob("static/widget/*.js"), ROOT / "static/livechat/socket.js"]
    assert sources
    url_with_token = re.compile(
        r"[?&][A-Za-z_]*token[A-Za-z_]*=|\$\{token\}[^`]*`\s*\)|/\$\{token\}"
    )
    for path in sources:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//")[0]
            assert not url_with_token.search(code), f"{path.name}:{number}: {line.strip()}"


@pytest.mark.django_db
def test_a_revoked_token_is_refused_by_rest(visitor, conversation):
    client = visitor_client(visitor)
    assert client.get("/api/v1/widget/messages/").status_code == 200
    visitor_revoke_token(visitor=visitor)
    r = client.get("/api/v1/widget/messages/")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    assert r["WWW-Authenticate"] == "Visitor"


@pytest.mark.django_db
def test_issuing_a_new_token_revokes_the_old_one(visitor):
    old = visitor.token
    new = visitor.issue_token()
    visitor.save()
    assert visitor_authenticate(token=old) is None
    assert visitor_authenticate(token=new) == visitor


@pytest.mark.django_db(transaction=True)
async def test_a_revoked_token_is_refused_by_the_socket_with_4401(visitor):
    await database_sync_to_async(visitor_revoke_token)(visitor=visitor)
    comm = communicator("/ws/visitor/")
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    await comm.send_json_to({"type": "auth", "token": visitor.token, "request_id": "a"})
    error = await comm.receive_json_from(TIMEOUT)
    assert error["type"] == "error" and error["request_id"] == "a"
    assert (await comm.receive_output(TIMEOUT))["code"] == 4401
    with contextlib.suppress(TimeoutError):
        await comm.wait(0.1)


@pytest.mark.django_db(transaction=True)
async def test_revoking_closes_the_sockets_already_open_with_the_token(visitor, conversation):
    """Revocation is not only for the next connection: every open tab is signed out."""
    tabs = [await rt_visitor_socket(visitor), await rt_visitor_socket(visitor)]
    await database_sync_to_async(visitor_revoke_token)(visitor=visitor)
    for tab in tabs:
        closed = await tab.comm.receive_output(TIMEOUT)
        while closed["type"] != "websocket.close":  # broadcasts that were on their way
            closed = await tab.comm.receive_output(TIMEOUT)
        assert closed["code"] == 4401
        with contextlib.suppress(TimeoutError):
            await tab.comm.wait(0.1)


@pytest.mark.django_db
def test_supervisors_revoke_tokens_from_the_admin(client, supervisor, visitor):
    client.force_login(supervisor)
    r = client.post(
        "/admin/conversations/visitor/",
        {"action": "revoke_tokens", "_selected_action": [str(visitor.pk)]},
    )
    assert r.status_code == 302
    assert visitor_authenticate(token=visitor.token) is None


@pytest.mark.django_db
def test_tokens_never_reach_the_logs_in_process(client, caplog):
    caplog.set_level(logging.DEBUG)
    visitor, token = visitor_create(name="Budi")
    headers = {"HTTP_AUTHORIZATION": f"Visitor {token}"}
    client.get("/api/v1/widget/conversation/", **headers)  # 404 before a first message: logged
    visitor_revoke_token(visitor=visitor)
    client.get("/api/v1/widget/messages/", **headers)  # 401: logged
    client.get("/api/v1/widget/messages/", HTTP_AUTHORIZATION=f"Visitor {token}x")
    assert caplog.records, "nothing was logged: the test would prove nothing"
    text = "\n".join(
        r.getMessage() + str(r.args) + str(getattr(r, "request", "")) for r in caplog.records
    )
    assert secret_of(token) not in text


@pytest.mark.django_db(transaction=True)
async def test_tokens_never_reach_the_logs_of_a_live_server(secure_server):
    """A whole widget session against a daphne logging at DEBUG, failures included."""
    base = secure_server.url
    log = Path(secure_server.log_path)
    start = log.stat().st_size
    status, body, _ = secure_http(
        "POST",
        f"{base}/api/v1/widget/session/",
        body={"name": "Budi", "page_url": "https://shop.example/"},
    )
    assert status == 201
    token = body["token"]
    auth = {"Authorization": f"Visitor {token}"}
    sock = await LiveSocket.visitor(secure_server.url, token, name="budi")
    await sock.request("send_message", body="Halo", client_id="c1")
    await sock.request("sync", since_version=0)
    await sock.close()
    for path in ("conversation/", "messages/?since_version=0", "messages/?limit=nope"):
        secure_http("GET", f"{base}/api/v1/widget/{path}", headers=auth)
    secure_http(
        "GET", f"{base}/api/v1/widget/messages/", headers={"Authorization": f"Visitor {token}x"}
    )
    visitor = await database_sync_to_async(Visitor.objects.get)(pk=token.split(".")[0])
    await database_sync_to_async(visitor_revoke_token)(visitor=visitor)
    status, _body, _ = secure_http("GET", f"{base}/api/v1/widget/messages/", headers=auth)
    assert status == 401
    with pytest.raises(Closed) as refused:
        await LiveSocket.visitor(secure_server.url, token, name="revoked")
    assert "4401" in str(refused.value)
    # Garbage auth frames too: the server must not echo what it could not parse.
    sock = await LiveSocket.connect(
        f"{secure_server.ws_url}/ws/visitor/", origin=secure_server.origin
    )
    await sock.send('{"type": "auth", "token": "' + token + '"')  # not JSON
    with contextlib.suppress(Closed, TimeoutError):
        await sock.wait_for(lambda f: False, timeout=2)

    written = log.read_bytes()[start:].decode(errors="replace")
    assert "/api/v1/widget/messages/" in written, "the access log is missing: nothing proven"
    assert secret_of(token) not in written
