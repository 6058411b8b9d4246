# ruff: noqa: E501 - the tables read best one row per line
"""Who may do what: every REST endpoint and every WebSocket frame type, for every role.

The world: Budi's conversation C holds a message of Budi, one of agent Alice and one of
agent Bob; Sari has her own conversation. The roles: anonymous, Budi (the visitor of C),
Sari (a visitor of another conversation), Alice (an agent), Sam (a supervisor) and Eve (a
Django user who is not an agent). Each row of a table is one action, with the outcome each
role must get; a visitor never learns anything about a conversation that is not hers.
"""

import contextlib
import uuid
from dataclasses import dataclass, field

import pytest
from channels.db import database_sync_to_async

from assist.services import knowledge_article_create
from canned.services import canned_response_create
from conversations.actors import Actor
from conversations.models import Conversation
from messaging.services import message_send
from tests.support.asgi_sockets import (
    TIMEOUT,
    Socket,
    agent_socket,
    communicator,
    session_cookie,
    visitor_socket,
)
from tests.support.auth import token_client, visitor_client
from tests.support.factories import PASSWORD

ROLES = ["anonymous", "visitor", "other_visitor", "agent", "supervisor", "stranger"]


@dataclass
class World:
    alice: object
    bob: object
    supervisor: object
    stranger: object
    visitor: object
    other_visitor: object
    conversation: Conversation
    other_conversation: Conversation
    ids: dict = field(default_factory=dict)

    def fresh_messages(self) -> dict[str, str]:
        """New messages of Budi, Alice and Bob in C, so each row acts on untouched ones."""
        conv = self.conversation.pk
        made = {
            "m_visitor": message_send(actor=Actor.for_visitor(self.visitor), body="from Budi")[0],
            "m_agent": message_send(actor=Actor.for_agent(self.alice), conversation_id=conv, body="from Alice")[0],
            "m_other_agent": message_send(actor=Actor.for_agent(self.bob), conversation_id=conv, body="from Bob")[0],
        }  # fmt: skip
        return {k: str(m.pk) for k, m in made.items()}


def _sent_attachment(visitor) -> str:
    """A file Budi sent in C."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from messaging.attachments import attachment_upload
    from tests.support import files

    upload = SimpleUploadedFile("r.pdf", files.pdf(), "application/pdf")
    attachment = attachment_upload(actor=Actor.for_visitor(visitor), upload=upload)
    message_send(actor=Actor.for_visitor(visitor), body="", attachments=[str(attachment.pk)])
    return str(attachment.pk)


@pytest.fixture
def world(
    alice, bob, supervisor, stranger, visitor, other_visitor, conversation, other_conversation,
    media,
):  # fmt: skip
    w = World(
        alice, bob, supervisor, stranger, visitor, other_visitor, conversation, other_conversation
    )
    w.ids = {
        "C": str(conversation.pk),
        "C2": str(other_conversation.pk),
        "m_other_conversation": str(other_conversation.last_message_id),
        "unknown": str(uuid.uuid4()),
        "alice": str(alice.pk),
        "visitor": str(visitor.pk),
        "attachment": _sent_attachment(visitor),
        "article": str(
            knowledge_article_create(actor=Actor.system(), title="Shipping", body="2 days.").pk
        ),
        "team_canned": str(
            canned_response_create(
                actor=Actor.for_agent(supervisor), shortcut="team", body="Team", scope="team"
            ).pk
        ),
        "alice_canned": str(
            canned_response_create(actor=Actor.for_agent(alice), shortcut="mine", body="Mine").pk
        ),
    }
    return w


def fill(template, ids: dict):
    """`{C}`-style placeholders in paths and (nested) bodies."""
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, dict):
        return {k: fill(v, ids) for k, v in template.items()}
    return template


# --- REST ------------------------------------------------------------------------------------

C_URL = "/api/v1/conversations/{C}"
M_URL = C_URL + "/messages"
#          anonymous visitor other  agent supervisor stranger
AGENTS_ONLY = (401, 401, 401, 200, 200, 403)
WIDGET_ONLY = (401, 200, 200, 401, 401, 401)
ANYONE = (200,) * 6
PAGE_AGENTS = (302, 302, 302, 200, 200, 302)
PAGE_SUPERVISORS = (302, 302, 302, 302, 200, 302)
JSON_AGENTS = (403, 403, 403, 200, 200, 403)
K_URL = "/api/v1/knowledge/"

REST = [
    ("start a widget session", "POST", "/api/v1/widget/session/", {"name": "X"}, (201,) * 6),
    ("widget: my conversation", "GET", "/api/v1/widget/conversation/", None, WIDGET_ONLY),
    ("widget: my messages", "GET", "/api/v1/widget/messages/", None, WIDGET_ONLY),
    ("widget: my read marks", "GET", "/widget/read-state.json", None, WIDGET_ONLY),
    ("list conversations", "GET", "/api/v1/conversations/", None, AGENTS_ONLY),
    ("read a conversation", "GET", C_URL + "/", None, AGENTS_ONLY),
    ("change its status", "PATCH", C_URL + "/", {"status": "pending"}, AGENTS_ONLY),
    ("assign it", "PATCH", C_URL + "/", {"assignee_id": "{alice}"}, AGENTS_ONLY),
    ("toggle its AI", "PATCH", C_URL + "/", {"ai_enabled": False}, AGENTS_ONLY),
    ("read its messages", "GET", M_URL + "/?since_version=0", None, AGENTS_ONLY),
    ("send a message", "POST", M_URL + "/", {"body": "hi"}, (401, 401, 401, 201, 201, 403)),
    ("edit the visitor's message", "PATCH", M_URL + "/{m_visitor}/", {"body": "x"}, (401, 401, 401, 403, 403, 403)),
    ("edit one's own message", "PATCH", M_URL + "/{m_agent}/", {"body": "x"}, (401, 401, 401, 200, 403, 403)),
    ("edit another agent's message", "PATCH", M_URL + "/{m_other_agent}/", {"body": "x"}, (401, 401, 401, 403, 403, 403)),
    ("delete the visitor's message", "DELETE", M_URL + "/{m_visitor}/", None, (401, 401, 401, 403, 204, 403)),
    ("delete one's own message", "DELETE", M_URL + "/{m_agent}/", None, (401, 401, 401, 204, 204, 403)),
    ("delete another agent's message", "DELETE", M_URL + "/{m_other_agent}/", None, (401, 401, 401, 403, 204, 403)),
    ("edit a message through the wrong conversation", "PATCH", M_URL + "/{m_other_conversation}/", {"body": "x"}, (401, 401, 401, 404, 404, 403)),
    ("read an unknown conversation", "GET", "/api/v1/conversations/{unknown}/", None, (401, 401, 401, 404, 404, 403)),
    ("upload to a conversation (JSON: not a file)", "POST", C_URL + "/attachments/", {"file": "x"}, (401, 401, 401, 415, 415, 403)),
    ("widget: upload (JSON: not a file)", "POST", "/api/v1/widget/attachments/", {"file": "x"}, (401, 415, 415, 401, 401, 401)),
    ("download C's attachment", "GET", "/api/v1/attachments/{attachment}/", None, (401, 302, 404, 302, 302, 403)),
    ("download an unknown attachment", "GET", "/api/v1/attachments/{unknown}/", None, (401, 404, 404, 404, 404, 403)),
    ("the AI's suggestions", "GET", C_URL + "/suggestions/", None, AGENTS_ONLY),
    ("list the knowledge base", "GET", K_URL, None, AGENTS_ONLY),
    ("read an article", "GET", K_URL + "{article}/", None, AGENTS_ONLY),
    ("add an article", "POST", K_URL, {"title": "Hours", "body": "9 to 5."}, (401, 401, 401, 403, 201, 403)),
    ("change an article", "PATCH", K_URL + "{article}/", {"title": "Hours"}, (401, 401, 401, 403, 200, 403)),
    ("delete an article", "DELETE", K_URL + "{article}/", None, (401, 401, 401, 403, 204, 403)),
    ("the API schema", "GET", "/api/v1/schema/", None, ANYONE),
    ("the API docs", "GET", "/api/v1/docs/", None, ANYONE),
    ("health", "GET", "/healthz", None, ANYONE),
    ("agents for the dashboard", "GET", "/dashboard/agents.json", None, JSON_AGENTS),
    ("read marks for the dashboard", "GET", "/dashboard/read-state.json?ids={C}", None, JSON_AGENTS),
    ("the dashboard", "GET", "/dashboard/", None, PAGE_AGENTS),
    ("the knowledge-base page", "GET", "/dashboard/knowledge/", None, (302, 302, 302, 403, 200, 302)),
    ("the admin", "GET", "/admin/", None, PAGE_SUPERVISORS),
    ("a transcript in the admin", "GET", "/admin/conversations/conversation/{C}/change/", None, PAGE_SUPERVISORS),
    ("a visitor in the admin", "GET", "/admin/conversations/visitor/{visitor}/change/", None, PAGE_SUPERVISORS),
    ("the team's report", "GET", "/api/v1/reports/overview/?from=2026-03-01&to=2026-03-07", None, (401, 401, 401, 403, 200, 403)),
    ("an agent's own report", "GET", "/api/v1/reports/overview/?from=2026-03-01&to=2026-03-07&agent={alice}", None, AGENTS_ONLY),
    ("the reports page", "GET", "/dashboard/reports/", None, (302, 302, 302, 403, 200, 403)),
    ("the team in the admin", "GET", "/admin/conversations/agent/", None, PAGE_SUPERVISORS),
    ("erasure records in the admin", "GET", "/admin/conversations/erasurerecord/", None, PAGE_SUPERVISORS),
    ("write a private note", "POST", M_URL + "/", {"body": "note", "internal": True}, (401, 401, 401, 201, 201, 403)),
    ("list canned responses", "GET", "/api/v1/canned-responses/?q=x", None, AGENTS_ONLY),
    ("create a personal canned response", "POST", "/api/v1/canned-responses/", {"shortcut": "hi", "body": "Hi"}, (401, 401, 401, 201, 201, 403)),
    ("create a team canned response", "POST", "/api/v1/canned-responses/", {"shortcut": "hi", "body": "Hi", "scope": "team"}, (401, 401, 401, 403, 201, 403)),
    ("read a team canned response", "GET", "/api/v1/canned-responses/{team_canned}/", None, AGENTS_ONLY),
    ("change a team canned response", "PATCH", "/api/v1/canned-responses/{team_canned}/", {"body": "x"}, (401, 401, 401, 403, 200, 403)),
    ("render a team canned response", "POST", "/api/v1/canned-responses/{team_canned}/render/", {"conversation_id": "{C}"}, AGENTS_ONLY),
    ("change Alice's own canned response", "PATCH", "/api/v1/canned-responses/{alice_canned}/", {"body": "x"}, (401, 401, 401, 200, 404, 403)),
    ("a visitor's context", "GET", "/api/v1/visitors/{visitor}/", None, AGENTS_ONLY),
    ("correct a visitor's email", "PATCH", "/api/v1/visitors/{visitor}/", {"email": "b@example.com"}, AGENTS_ONLY),
    ("widget: leave my email", "PATCH", "/api/v1/widget/visitor/", {"email": "me@example.com"}, WIDGET_ONLY),
    ("widget: email me the transcript (open conversation)", "POST", "/api/v1/widget/transcript/", {}, (401, 409, 409, 401, 401, 401)),
    ("widget: resume with a bad link", "POST", "/api/v1/widget/resume/", {"token": "nope"}, (400,) * 6),
    ("widget: is anyone online", "GET", "/api/v1/widget/availability/", None, ANYONE),
    ("the canned responses page", "GET", "/dashboard/canned/", None, PAGE_AGENTS),
    ("an email's resume page", "GET", "/email/resume/{unknown}/", None, (410,) * 6),
    ("an email's unsubscribe page", "GET", "/email/unsubscribe/{unknown}/", None, (404,) * 6),
]  # fmt: skip


def rest_client(world: World, role: str):
    from rest_framework.test import APIClient

    if role == "anonymous":
        return APIClient()
    if role in ("visitor", "other_visitor"):
        return visitor_client(getattr(world, role))
    user = {"agent": world.alice, "supervisor": world.supervisor, "stranger": world.stranger}[role]
    client = token_client(user)  # the API by token, the pages by session
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [pytest.param(m, p, b, e, id=name) for name, m, p, b, e in REST],
)
def test_rest_authorization(world, role, method, path, body, expected):
    ids = {**world.ids, **world.fresh_messages()}
    client = rest_client(world, role)
    response = client.generic(
        method, fill(path, ids), data=_json(fill(body, ids)), content_type="application/json"
    )
    want = expected[ROLES.index(role)]
    assert response.status_code == want, (role, response.status_code, _text(response))
    if path.startswith("/api/") and want >= 400:
        assert set(response.json()) >= {"detail", "code"}, response.json()
    conversation_data = ("/api/v1/widget/conversation", "/api/v1/widget/messages")
    if want == 200 and role in ("visitor", "other_visitor") and path.startswith(conversation_data):
        # A visitor sees her own conversation, and only that.
        own = ids["C"] if role == "visitor" else ids["C2"]
        data = response.json()
        found = {data["id"]} if "id" in data else {m["conversation_id"] for m in data["results"]}
        assert found == {own}, (role, found)


def test_every_rest_route_is_in_the_matrix():
    """A new endpoint must get a row (and so a decision for every role)."""
    from django.urls import get_resolver

    covered = {path.split("?")[0] for _n, _m, path, _b, _e in REST}
    routes = set()
    for pattern in _walk(get_resolver().url_patterns):
        if pattern.startswith(("api/v1/", "dashboard/", "widget/", "email/")) or pattern in (
            "healthz",
        ):
            routes.add(pattern)
    normalized_cov = {_shape(p) for p in covered}
    missing = sorted(r for r in routes if _shape("/" + r) not in normalized_cov and not _exempt(r))
    assert not missing, missing


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if hasattr(p, "url_patterns"):
            yield from _walk(p.url_patterns, route)
        else:
            yield route


def _shape(path: str) -> str:
    """`/api/v1/conversations/{C}/` and `api/v1/conversations/<str:conversation_id>/` alike."""
    import re

    path = re.sub(r"<[^>]+>", "*", path.strip("/"))
    return re.sub(r"\{[^}]+\}", "*", path)


def _exempt(route: str) -> bool:
    # Not authorization-relevant: the login form, the widget page, its translations, the demo.
    return route in (
        "widget/",
        "widget/jsi18n/<str:lang>/",
        "api/v1/auth/token/",
    ) or route.startswith("api/v1/schema")


def test_api_token_is_only_for_agents(client, alice, stranger):
    """`auth/token/` needs credentials, whoever calls: an agent's give a token, others 400."""
    ok = client.post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": PASSWORD},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["token"]
    for username, password in [("eve", PASSWORD), ("alice", "wrong")]:
        r = client.post(
            "/api/v1/auth/token/",
            {"username": username, "password": password},
            content_type="application/json",
        )
        assert r.status_code == 400 and "token" not in r.json()


# --- WebSocket -------------------------------------------------------------------------------

#       visitor        other_visitor  agent        supervisor
ALL_ACK = ("ack", "ack", "ack", "ack")
AGENT_FRAME = ("forbidden", "forbidden", "ack", "ack")

FRAMES = [
    ("ping", {}, ("pong",) * 4),
    # A visitor's socket cannot change whose it is.
    ("auth", {"token": "{other_token}"}, ("validation_error",) * 4),
    ("send_message", {"conversation_id": "{C}", "body": "hi"}, ALL_ACK),
    ("edit_message", {"message_id": "{m_visitor}", "body": "x"}, ("ack", "not_found", "forbidden", "forbidden")),
    ("edit_message", {"message_id": "{m_agent}", "body": "x"}, ("forbidden", "not_found", "ack", "forbidden")),
    ("edit_message", {"message_id": "{m_other_agent}", "body": "x"}, ("forbidden", "not_found", "forbidden", "forbidden")),
    ("delete_message", {"message_id": "{m_visitor}"}, ("ack", "not_found", "forbidden", "ack")),
    ("delete_message", {"message_id": "{m_agent}"}, ("forbidden", "not_found", "ack", "ack")),
    ("delete_message", {"message_id": "{m_other_agent}"}, ("forbidden", "not_found", "forbidden", "ack")),
    ("typing:start", {"conversation_id": "{C}"}, ALL_ACK),
    ("typing:stop", {"conversation_id": "{C}"}, ALL_ACK),
    ("conversation:update_status", {"conversation_id": "{C}", "status": "pending"}, AGENT_FRAME),
    ("conversation:join", {"conversation_id": "{C}"}, AGENT_FRAME),
    ("conversation:leave", {"conversation_id": "{C}"}, AGENT_FRAME),
    ("ai:toggle", {"conversation_id": "{C}", "enabled": False}, AGENT_FRAME),
    ("message:read", {"conversation_id": "{C}", "seq": 1}, ALL_ACK),
    ("presence:set", {"status": "away"}, AGENT_FRAME),
    ("sync", {"conversation_id": "{C}", "since_version": 0}, ALL_ACK),
    ("sync", {"conversation_id": "{unknown}", "since_version": 0}, ("ack", "ack", "not_found", "not_found")),
    ("conversation:delete", {"conversation_id": "{C}"}, ("unknown_type",) * 4),
]  # fmt: skip


def outcome(reply: dict) -> str:
    return reply["code"] if reply["type"] == "error" else reply["type"]


@database_sync_to_async
def fresh(world: World) -> dict:
    return {**world.ids, "other_token": world.other_visitor.token, **world.fresh_messages()}


@database_sync_to_async
def conversation_state(pk: str) -> tuple:
    c = Conversation.objects.get(pk=pk)
    return (c.status, c.ai_enabled, c.visitor_last_read_seq, c.last_seq)


async def connect(world: World, role: str) -> Socket:
    if role in ("visitor", "other_visitor"):
        return await visitor_socket(getattr(world, role))
    return await agent_socket(world.alice if role == "agent" else world.supervisor)


async def not_authenticated_outcome(frame: dict) -> str:
    """What a socket that never authenticated gets for `frame`: refused, then closed 4401."""
    comm = communicator("/ws/visitor/")
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    await comm.send_json_to(frame)
    error = await comm.receive_json_from(timeout=TIMEOUT)
    closed = await comm.receive_output(timeout=TIMEOUT)
    with contextlib.suppress(TimeoutError):
        await comm.wait(0.1)
    return f"{error['code']}+{closed.get('code')}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
async def test_websocket_authorization(world, role):
    failures = []
    if role in ("anonymous", "stranger", "visitor", "other_visitor"):
        # None of them may open the agents' socket, whatever cookie they carry.
        cookie = await session_cookie(world.stranger) if role == "stranger" else None
        comm = communicator("/ws/agent/", cookie=cookie)
        connected, _ = await comm.connect(timeout=TIMEOUT)
        assert not connected, f"{role} opened /ws/agent/"
    sock = None if role in ("anonymous", "stranger") else await connect(world, role)
    try:
        for type_, fields, expected in FRAMES:
            ids = await fresh(world)
            frame = {"type": type_, **fill(fields, ids)}
            if sock is None:
                if type_ == "auth":
                    continue  # with a valid token, an anonymous socket is that visitor
                got, want = (
                    await not_authenticated_outcome({**frame, "request_id": "r"}),
                    "forbidden+4401",
                )
            else:
                before = await conversation_state(ids["C"])
                reply = await sock.request(type_, **fill(fields, ids))
                got, want = outcome(reply), expected[ROLES.index(role) - 1]
                if role == "other_visitor":
                    leak = _leak(reply, ids)
                    if leak or await conversation_state(ids["C"]) != before:
                        failures.append(
                            f"{type_} {fields}: Sari reached C ({leak or 'state changed'})"
                        )
                elif role == "visitor" and got == "ack" and _conversation_ids(reply) - {ids["C"]}:
                    failures.append(f"{type_}: Budi's reply names another conversation: {reply}")
            if got != want:
                failures.append(f"{type_} {fields}: expected {want}, got {got}")
    finally:
        if sock is not None:
            await sock.close()
    assert not failures, "\n".join(failures)


def _conversation_ids(reply: dict) -> set[str]:
    found = set()
    for message in [reply.get("message"), *(reply.get("messages") or [])]:
        if isinstance(message, dict):
            found.add(message["conversation_id"])
    if isinstance(reply.get("conversation"), dict):
        found.add(reply["conversation"]["id"])
    if "conversation_id" in reply:
        found.add(reply["conversation_id"])
    return found


def _leak(reply: dict, ids: dict) -> str:
    text = str(reply)
    for key in ("C", "m_visitor", "m_agent", "m_other_agent"):
        if ids[key] in text:
            return f"{key} in {reply}"
    return ""


def _json(body):
    import json

    return "" if body is None else json.dumps(body)


def _text(response) -> str:
    return response.content.decode(errors="replace")[:300]
