"""CSRF on every session-authenticated write; XSS through every field a visitor or agent
controls, on every server-rendered page.

The dashboard and the widget render chat data in the browser with `textContent` (the e2e
suite sends a `<script>` through a real browser); here the server-rendered HTML must
escape it, the JavaScript must have no HTML sinks at all, and every page's CSP forbids
inline scripts as a second line of defence.
"""

import re
from pathlib import Path

import pytest
from django.test import Client

from conversations.actors import Actor
from conversations.models import Conversation
from conversations.services import visitor_create
from messaging.models import Message
from messaging.services import message_delete, message_edit, message_send
from tests.support.factories import PASSWORD, AgentFactory, SupervisorFactory

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = '<script>alert("xss")</script>'
IMG = "<img src=x onerror=alert(1)>"
BREAKOUT = '"><svg onload=alert(1)>'
ATTRIBUTE = "' autofocus onfocus=alert(1) x='"
PAYLOADS = [SCRIPT, IMG, BREAKOUT, ATTRIBUTE]


def csrf_client(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/dashboard/")  # the page hands out the CSRF cookie, as in a browser
    return client, client.cookies["csrftoken"].value


def session_writes(conversation, message) -> list[tuple[str, str, dict | None, int]]:
    c, m = conversation.pk, message.pk
    return [
        ("PATCH", f"/api/v1/conversations/{c}/", {"status": "pending"}, 200),
        ("POST", f"/api/v1/conversations/{c}/messages/", {"body": "hi", "client_id": "k"}, 201),
        ("PATCH", f"/api/v1/conversations/{c}/messages/{m}/", {"body": "edited"}, 200),
        ("DELETE", f"/api/v1/conversations/{c}/messages/{m}/", None, 204),
    ]


@pytest.mark.django_db
def test_session_authenticated_api_writes_need_the_csrf_token(alice, conversation):
    mine, _ = message_send(actor=Actor.for_agent(alice), conversation_id=conversation.pk, body="x")
    client, token = csrf_client(alice)
    for method, path, body, ok in session_writes(conversation, mine):
        data = {} if body is None else {"data": body, "content_type": "application/json"}
        refused = client.generic(method, path, **_encoded(data))
        assert refused.status_code == 403, (method, path, refused.content[:200])
        assert refused.json()["code"] == "forbidden" and "CSRF" in refused.json()["detail"]
        # From another site, even a stolen token does not help: the Origin is checked too.
        evil = {"HTTP_X_CSRFTOKEN": token, "HTTP_ORIGIN": "https://evil.example"}
        foreign = client.generic(method, path, **evil, **_encoded(data))
        assert foreign.status_code == 403, (method, path)
    conversation.refresh_from_db()
    assert conversation.status == "open" and Message.objects.filter(client_id="k").count() == 0
    for method, path, body, ok in session_writes(conversation, mine):
        data = {} if body is None else {"data": body, "content_type": "application/json"}
        done = client.generic(method, path, HTTP_X_CSRFTOKEN=token, **_encoded(data))
        assert done.status_code == ok, (method, path, done.content[:200])


def _encoded(data: dict) -> dict:
    import json

    if "data" in data:
        return {"data": json.dumps(data["data"]), "content_type": data["content_type"]}
    return {}


@pytest.mark.django_db
def test_session_form_posts_need_the_csrf_token(alice, supervisor, visitor):
    anonymous = Client(enforce_csrf_checks=True)
    r = anonymous.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert r.status_code == 403
    client, _token = csrf_client(alice)
    assert client.post("/accounts/logout/").status_code == 403
    assert client.get("/accounts/logout/").status_code == 405  # no logout by a cross-site GET
    assert client.post("/i18n/setlang/", {"language": "id"}).status_code == 403
    admin, _token = csrf_client(supervisor)
    r = admin.post(
        "/admin/conversations/visitor/",
        {"action": "revoke_tokens", "_selected_action": [str(visitor.pk)]},
    )
    assert r.status_code == 403


@pytest.mark.django_db
def test_token_and_visitor_authenticated_requests_need_no_csrf(as_alice, conversation):
    """Header credentials are never sent by a browser on its own: CSRF does not apply."""
    as_alice.enforce_csrf_checks = True
    r = as_alice.post(
        f"/api/v1/conversations/{conversation.pk}/messages/", {"body": "hi"}, format="json"
    )
    assert r.status_code == 201


# --- XSS -------------------------------------------------------------------------------------


@pytest.fixture
def hostile(db):
    """Every field a visitor or an agent controls, filled with markup."""
    agent = AgentFactory(username="mallory", first_name=BREAKOUT, last_name=ATTRIBUTE)
    supervisor = SupervisorFactory(username="sam")
    visitor, _token = visitor_create(
        name=SCRIPT,
        email="x@example.com",
        page_url=f"https://shop.example/{BREAKOUT}",
        user_agent=IMG,
    )
    by_visitor = Actor.for_visitor(visitor)
    by_agent = Actor.for_agent(agent)
    first, _ = message_send(actor=by_visitor, body=f"{SCRIPT} {IMG}")
    conversation = first.conversation
    reply, _ = message_send(actor=by_agent, conversation_id=conversation.pk, body=ATTRIBUTE)
    message_edit(actor=by_agent, message_id=reply.pk, body=BREAKOUT)
    gone, _ = message_send(actor=by_visitor, body=IMG + " secret")
    message_delete(actor=by_visitor, message_id=gone.pk)
    Conversation.objects.filter(pk=conversation.pk).update(assignee=agent)
    return {
        "agent": agent,
        "supervisor": supervisor,
        "visitor": visitor,
        "conversation": conversation,
        "message": reply,
    }


def pages(h) -> list[tuple[str, str]]:
    c, v, m = h["conversation"].pk, h["visitor"].pk, h["message"].pk
    return [
        ("agent", "/dashboard/"),
        ("anonymous", f"/widget/?title={SCRIPT}&color={BREAKOUT}"),
        ("anonymous", "/demo/"),
        ("anonymous", f"/accounts/login/?next=/dashboard/{BREAKOUT}"),
        ("supervisor", "/admin/conversations/conversation/"),
        ("supervisor", f"/admin/conversations/conversation/{c}/change/"),
        ("supervisor", f"/admin/conversations/conversation/?q={SCRIPT}"),
        ("supervisor", "/admin/conversations/visitor/"),
        ("supervisor", f"/admin/conversations/visitor/{v}/change/"),
        ("supervisor", "/admin/messaging/message/"),
        ("supervisor", f"/admin/messaging/message/{m}/change/"),
        ("supervisor", "/admin/messaging/messageedit/"),
        ("anonymous", f"/nowhere/{SCRIPT}"),
    ]


@pytest.mark.django_db
def test_markup_from_users_is_escaped_on_every_server_rendered_page(hostile):
    clients = {"anonymous": Client()}
    for role in ("agent", "supervisor"):
        clients[role] = Client()
        clients[role].force_login(hostile[role])
    rendered_somewhere = set()
    for role, path in pages(hostile):
        r = clients[role].get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
        html = r.content.decode()
        for payload in PAYLOADS:
            assert payload not in html, f"{path} renders {payload!r} unescaped"
            if _escaped(payload) in html:
                rendered_somewhere.add(payload)
        csp = r["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, (
            path,
            csp,
        )
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html) is None, (
            f"{path}: inline script"
        )
    # The pages do show the hostile text (escaped): the test looked at real content.
    assert rendered_somewhere == set(PAYLOADS), rendered_somewhere


def _escaped(payload: str) -> str:
    from django.utils.html import escape

    return escape(payload)


@pytest.mark.django_db
def test_api_json_is_never_sniffed_as_html(as_alice, hostile):
    r = as_alice.get(f"/api/v1/conversations/{hostile['conversation'].pk}/messages/")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    assert r["X-Content-Type-Options"] == "nosniff"
    bodies = [m["body"] for m in r.json()["results"]]
    assert f"{SCRIPT} {IMG}" in bodies  # data stays data: the clients render it as text


def test_client_code_has_no_html_sinks():
    """textContent only: no innerHTML & co., no eval, anywhere in our JavaScript."""
    sink = re.compile(
        r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write|\beval\(|"
        r"new Function\(|setTimeout\(\s*['\"`]|\.setAttribute\(\s*['\"]on|"
        r"createContextualFragment|DOMParser"
    )
    sources = [p for p in ROOT.glob("static/**/*.js") if "vendor" not in p.parts]
    assert len(sources) >= 5
    for path in sources:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = re.sub(r"//.*$|^\s*\*.*$", "", line)
            assert not sink.search(code), f"{path.relative_to(ROOT)}:{number}: {line.strip()}"


@pytest.mark.django_db
def test_open_redirect_after_login_is_refused(client, alice):
    r = client.post(
        "/accounts/login/?next=https://evil.example/phish",
        {"username": "alice", "password": PASSWORD},
    )
    assert r.status_code == 302 and not r["Location"].startswith("https://evil.example")
