"""Private notes over REST (PROTOCOL section 7): agents see them in their numbering; the
visitor never sees one, nor a gap in `seq` or `version` because of one."""

import pytest

from conversations.actors import Actor
from conversations.services import conversation_mark_read, conversation_update
from messaging.models import Message
from messaging.services import message_delete, message_edit, message_send

pytestmark = pytest.mark.django_db


def agent_url(conversation, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/conversations/{conversation.pk}/messages/?{query}"


def widget_page(client, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = client.get(f"/api/v1/widget/messages/?{query}")
    assert r.status_code == 200, r.content
    return r.json()


def note(agent, conversation, body="Checked the order: it left the warehouse."):
    return message_send(
        actor=Actor.for_agent(agent), conversation_id=conversation.pk, body=body, internal=True
    )[0]


def reply(agent, conversation, body="It is on its way!"):
    return message_send(actor=Actor.for_agent(agent), conversation_id=conversation.pk, body=body)[0]


def test_an_agent_writes_a_note_over_rest(as_alice, conversation):
    r = as_alice.post(
        agent_url(conversation), {"body": "VIP customer", "internal": True}, format="json"
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["internal"] is True and body["seq"] == 2 and body["version"] == 2
    conversation.refresh_from_db()
    # What the visitor sees did not move.
    assert (conversation.visitor_last_seq, conversation.visitor_version) == (1, 1)
    assert conversation.last_message.body == "Hello, is anyone there?"


def test_the_visitor_never_sees_a_note_nor_a_gap(alice, as_alice, as_visitor, conversation):
    note(alice, conversation)
    answer = reply(alice, conversation)
    agents = as_alice.get(agent_url(conversation)).json()
    assert [(m["seq"], m["version"], m["internal"]) for m in agents["results"]] == [
        (1, 1, False),
        (2, 2, True),
        (3, 3, False),
    ]
    assert agents["version"] == 3
    page = widget_page(as_visitor)
    assert [(m["seq"], m["version"]) for m in page["results"]] == [(1, 1), (2, 2)]
    assert page["version"] == 2
    assert all(m["internal"] is False for m in page["results"])
    assert page["results"][1]["id"] == str(answer.pk)
    assert "warehouse" not in str(page)
    conv = as_visitor.get("/api/v1/widget/conversation/").json()
    assert (conv["last_seq"], conv["version"]) == (2, 2)
    assert conv["last_message"]["seq"] == 2
    agent_conv = as_alice.get(f"/api/v1/conversations/{conversation.pk}/").json()
    assert (agent_conv["last_seq"], agent_conv["version"]) == (3, 3)


def test_since_version_stays_exact_on_both_sides(alice, as_alice, as_visitor, conversation):
    n = note(alice, conversation)
    reply(alice, conversation)
    # Agents: everything after their version 1 (the note and the reply).
    agents = as_alice.get(agent_url(conversation, since_version=1)).json()
    assert [m["version"] for m in agents["results"]] == [2, 3]
    # The visitor: after its version 1, only the reply, as version 2.
    page = widget_page(as_visitor, since_version=1)
    assert [(m["seq"], m["version"]) for m in page["results"]] == [(2, 2)]
    # Editing and deleting a note moves only the agents' counters.
    message_edit(actor=Actor.for_agent(alice), message_id=n.pk, body="Left the warehouse today.")
    message_delete(actor=Actor.for_agent(alice), message_id=n.pk)
    assert widget_page(as_visitor, since_version=2) == {
        "results": [],
        "has_more": False,
        "version": 2,
    }
    agents = as_alice.get(agent_url(conversation, since_version=3)).json()
    assert [(m["id"], m["version"], m["deleted"]) for m in agents["results"]] == [
        (str(n.pk), 5, True)
    ]
    # A status change both sides see moves both counters by one.
    conversation_update(
        actor=Actor.for_agent(alice), conversation_id=conversation.pk, status="pending"
    )
    assert as_visitor.get("/api/v1/widget/conversation/").json()["version"] == 3
    assert as_alice.get(f"/api/v1/conversations/{conversation.pk}/").json()["version"] == 6


def test_paging_by_seq_uses_each_sides_numbering(alice, as_visitor, conversation):
    note(alice, conversation)
    reply(alice, conversation, "two")
    reply(alice, conversation, "three")
    assert [m["body"] for m in widget_page(as_visitor, after_seq=1)["results"]] == ["two", "three"]
    assert [m["body"] for m in widget_page(as_visitor, before_seq=3)["results"]] == [
        "Hello, is anyone there?",
        "two",
    ]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"body": "x" * 6000, "internal": True}, "validation_error"),
        ({"body": "Ask @zed about it", "internal": True}, "validation_error"),
        ({"body": "Ask @eve about it", "internal": True}, "validation_error"),  # not an agent
        ({"body": "fine", "internal": "yes"}, "validation_error"),
    ],
)
def test_bad_notes_are_refused_and_change_nothing(as_alice, stranger, conversation, payload, code):
    r = as_alice.post(agent_url(conversation), payload, format="json")
    assert r.status_code == 400 and r.json()["code"] == code, r.content
    assert Message.objects.count() == 1
    conversation.refresh_from_db()
    assert (conversation.last_seq, conversation.version) == (1, 1)


def test_a_mention_of_an_unknown_user_names_it(as_alice, bob, conversation):
    r = as_alice.post(
        agent_url(conversation), {"body": "@bob and @nobody", "internal": True}, format="json"
    )
    assert r.status_code == 400
    assert "@nobody" in r.json()["detail"] and "@bob," not in r.json()["detail"]


def test_an_email_address_in_a_note_is_not_a_mention(as_alice, conversation):
    r = as_alice.post(
        agent_url(conversation),
        {"body": "He wrote from budi@example.com", "internal": True},
        format="json",
    )
    assert r.status_code == 201


def test_read_marks_are_converted_between_the_two_numberings(
    alice, visitor, conversation, as_visitor, client
):
    note(alice, conversation)
    answer = reply(alice, conversation)  # agents' seq 3, the visitor's seq 2
    conversation_mark_read(actor=Actor.for_visitor(visitor), conversation_id=conversation.pk, seq=2)
    client.force_login(alice)
    marks = client.get(f"/dashboard/read-state.json?ids={conversation.pk}").json()
    assert marks[str(conversation.pk)] == {
        "last_seq": 3,
        "agent_last_read_seq": 0,
        "visitor_last_read_seq": answer.seq,
    }
    conversation_mark_read(actor=Actor.for_agent(alice), conversation_id=conversation.pk, seq=3)
    widget = as_visitor.get("/widget/read-state.json").json()
    assert widget == {"last_seq": 2, "agent_last_read_seq": 2, "visitor_last_read_seq": 2}
