"""Message history, sending, editing and deleting over REST."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.actors import Actor
from messaging.services import message_delete, message_edit, message_send

pytestmark = pytest.mark.django_db


def url(conversation, message=None):
    base = f"/api/v1/conversations/{conversation.pk}/messages/"
    return f"{base}{message.pk if hasattr(message, 'pk') else message}/" if message else base


def test_agent_sends_a_message(as_alice, alice, conversation):
    r = as_alice.post(
        url(conversation),
        {"body": "  Hi Budi, how can I help?  ", "client_id": "c-1"},
        format="json",
    )
    assert r.status_code == 201, r.content
    m = r.json()
    assert m["body"] == "Hi Budi, how can I help?"
    assert m["seq"] == 2 and m["version"] == 2
    assert m["client_id"] == "c-1"
    assert m["sender"] == {"type": "agent", "id": str(alice.pk), "name": "Alice Anders"}
    assert m["conversation_id"] == str(conversation.pk)
    assert m["attachments"] == [] and m["deleted"] is False and m["edited_at"] is None
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None


def test_resend_with_same_client_id_returns_the_same_message(as_alice, conversation):
    first = as_alice.post(url(conversation), {"body": "once", "client_id": "c-42"}, format="json")
    again = as_alice.post(url(conversation), {"body": "once", "client_id": "c-42"}, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert len(as_alice.get(url(conversation)).json()["results"]) == 2


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"body": ""},
        {"body": "   \n\t "},
        {"body": "x" * 5001},
        {"body": 42},
        {"body": None},
        {"body": ["a"]},
        {"body": {"text": "a"}},
        {"body": True},
        {"body": "ok", "client_id": "x" * 65},
        {"body": "ok", "client_id": 7},
    ],
)
def test_invalid_bodies_are_400_and_change_nothing(as_alice, conversation, payload):
    r = as_alice.post(url(conversation), payload, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation_error"
    assert r.json()["detail"]
    conversation.refresh_from_db()
    assert conversation.last_seq == 1 and conversation.version == 1


def test_a_5000_character_body_is_accepted(as_alice, conversation):
    r = as_alice.post(url(conversation), {"body": "é" * 5000}, format="json")
    assert r.status_code == 201


def test_non_object_json_is_400(as_alice, conversation):
    r = as_alice.post(url(conversation), data=json.dumps(["body"]), content_type="application/json")
    assert r.status_code == 400


def test_oversized_request_is_413(as_alice, conversation):
    r = as_alice.post(url(conversation), {"body": "x" * 300_000}, format="json")
    assert r.status_code == 413
    assert r.json()["code"] == "too_large"


def test_send_to_unknown_conversation_is_404(as_alice):
    r = as_alice.post(
        "/api/v1/conversations/00000000-0000-0000-0000-000000000000/messages/",
        {"body": "hi"},
        format="json",
    )
    assert r.status_code == 404


def test_history_pages(as_alice, alice, conversation):
    agent = Actor.for_agent(alice)
    for i in range(2, 8):
        message_send(actor=agent, conversation_id=conversation.pk, body=f"m{i}")

    def seqs(query):
        r = as_alice.get(url(conversation) + query)
        assert r.status_code == 200, r.content
        return [m["seq"] for m in r.json()["results"]], r.json()["has_more"], r.json()["version"]

    assert seqs("") == ([1, 2, 3, 4, 5, 6, 7], False, 7)
    assert seqs("?limit=3") == ([5, 6, 7], True, 7)
    assert seqs("?before_seq=5&limit=3") == ([2, 3, 4], True, 7)
    assert seqs("?before_seq=3&limit=3") == ([1, 2], False, 7)
    assert seqs("?after_seq=2&limit=3") == ([3, 4, 5], True, 7)
    assert seqs("?after_seq=5") == ([6, 7], False, 7)
    assert seqs("?since_version=7") == ([], False, 7)


@pytest.mark.parametrize(
    "query", ["?limit=0", "?limit=abc", "?after_seq=-1", "?since_version=x", "?before_seq=1.5"]
)
def test_history_rejects_bad_parameters(as_alice, conversation, query):
    r = as_alice.get(url(conversation) + query)
    assert r.status_code == 400
    assert r.json()["code"] == "validation_error"


def test_limit_is_capped_at_200(as_alice, alice, conversation):
    agent = Actor.for_agent(alice)
    for i in range(205):
        message_send(actor=agent, conversation_id=conversation.pk, body=f"m{i}")
    r = as_alice.get(url(conversation) + "?limit=1000&after_seq=0")
    assert len(r.json()["results"]) == 200
    assert r.json()["has_more"] is True


def test_since_version_returns_exactly_what_changed(as_alice, alice, conversation):
    agent = Actor.for_agent(alice)
    a, _ = message_send(actor=agent, conversation_id=conversation.pk, body="a")
    b, _ = message_send(actor=agent, conversation_id=conversation.pk, body="b")
    c, _ = message_send(actor=agent, conversation_id=conversation.pk, body="c")
    v = as_alice.get(url(conversation)).json()["version"]
    assert v == 4

    message_edit(actor=agent, message_id=a.pk, body="a, edited")
    message_delete(actor=agent, message_id=b.pk)
    _d, _ = message_send(actor=agent, conversation_id=conversation.pk, body="d")

    r = as_alice.get(url(conversation) + f"?since_version={v}").json()
    assert [(m["seq"], m["body"], m["deleted"]) for m in r["results"]] == [
        (2, "a, edited", False),
        (3, "", True),
        (5, "d", False),
    ]
    assert r["version"] == 7
    assert c.pk not in {m["id"] for m in r["results"]}
    # Nothing new after the returned version.
    assert as_alice.get(url(conversation) + "?since_version=7").json()["results"] == []


def test_since_version_cut_by_limit_continues_from_returned_version(as_alice, alice, conversation):
    agent = Actor.for_agent(alice)
    for i in range(5):
        message_send(actor=agent, conversation_id=conversation.pk, body=f"m{i}")
    seen, version = [], 0
    while True:
        page = as_alice.get(url(conversation) + f"?since_version={version}&limit=2").json()
        seen += [m["seq"] for m in page["results"]]
        version = page["version"]
        if not page["has_more"]:
            break
    assert sorted(seen) == [1, 2, 3, 4, 5, 6]
    assert version == 6


def test_edit_own_message(as_alice, alice, conversation):
    m = as_alice.post(url(conversation), {"body": "teh typo"}, format="json").json()
    r = as_alice.patch(url(conversation, m["id"]), {"body": "the typo"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["body"] == "the typo"
    assert r.json()["edited_at"] is not None
    assert r.json()["version"] > m["version"]
    assert r.json()["seq"] == m["seq"]


def test_cannot_edit_someone_elses_message(as_bob, as_alice, conversation):
    m = as_alice.post(url(conversation), {"body": "mine"}, format="json").json()
    r = as_bob.patch(url(conversation, m["id"]), {"body": "hijack"}, format="json")
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    visitor_message = as_alice.get(url(conversation)).json()["results"][0]
    r = as_alice.patch(url(conversation, visitor_message["id"]), {"body": "hijack"}, format="json")
    assert r.status_code == 403


def test_edit_validation(as_alice, conversation):
    m = as_alice.post(url(conversation), {"body": "mine"}, format="json").json()
    for payload in [{"body": ""}, {"body": "x" * 5001}, {"body": 1}, {}]:
        r = as_alice.patch(url(conversation, m["id"]), payload, format="json")
        assert r.status_code == 400, payload


def test_editing_a_deleted_message_is_409(as_alice, conversation):
    m = as_alice.post(url(conversation), {"body": "oops"}, format="json").json()
    assert as_alice.delete(url(conversation, m["id"])).status_code == 204
    r = as_alice.patch(url(conversation, m["id"]), {"body": "back"}, format="json")
    assert r.status_code == 409
    assert r.json()["code"] == "conflict"


def test_message_must_belong_to_the_conversation_in_the_url(
    as_alice, conversation, other_conversation
):
    m = as_alice.post(url(conversation), {"body": "mine"}, format="json").json()
    r = as_alice.patch(url(other_conversation, m["id"]), {"body": "x"}, format="json")
    assert r.status_code == 404
    assert as_alice.delete(url(other_conversation, m["id"])).status_code == 404
    assert as_alice.delete(url(conversation, "not-a-uuid")).status_code == 404


def test_delete_rules(as_alice, as_bob, as_supervisor, conversation):
    m = as_alice.post(url(conversation), {"body": "to delete"}, format="json").json()
    assert as_bob.delete(url(conversation, m["id"])).status_code == 403
    assert as_supervisor.delete(url(conversation, m["id"])).status_code == 204
    # Deleting again is harmless.
    assert as_alice.delete(url(conversation, m["id"])).status_code == 204


def test_deleted_text_never_appears_in_any_api_output(as_alice, as_visitor, conversation):
    secret = "my-card-number-4111"
    m = as_alice.post(url(conversation), {"body": secret}, format="json").json()
    as_alice.patch(url(conversation, m["id"]), {"body": secret + " (edited)"}, format="json")
    as_alice.delete(url(conversation, m["id"]))
    outputs = [
        as_alice.get(url(conversation)),
        as_alice.get(url(conversation) + "?since_version=0"),
        as_alice.get(f"/api/v1/conversations/{conversation.pk}/"),
        as_alice.get("/api/v1/conversations/"),
        as_visitor.get("/api/v1/widget/messages/"),
        as_visitor.get("/api/v1/widget/messages/?since_version=0"),
        as_visitor.get("/api/v1/widget/conversation/"),
    ]
    for r in outputs:
        assert r.status_code == 200
        assert secret not in r.content.decode()
    tomb = next(x for x in outputs[0].json()["results"] if x["id"] == m["id"])
    assert tomb["deleted"] is True and tomb["body"] == "" and tomb["attachments"] == []
    assert tomb["seq"] == m["seq"] and tomb["created_at"] == m["created_at"]


def test_history_query_count_is_constant(as_alice, alice, bob, conversation):
    for i in range(10):
        sender = alice if i % 2 else bob
        message_send(actor=Actor.for_agent(sender), conversation_id=conversation.pk, body=f"m{i}")
    as_alice.get(url(conversation))  # warm the token/user path
    with CaptureQueriesContext(connection) as ctx:
        r = as_alice.get(url(conversation))
    assert r.status_code == 200 and len(r.json()["results"]) == 11
    # token+user, agent group check, conversation, messages (senders joined in)
    assert len(ctx.captured_queries) == 4, [q["sql"] for q in ctx.captured_queries]
