"""The WebSocket send's fast path (messaging/fast_send.py) against the ORM path.

The same conversation is played through each path: every row written and every frame
sent must be the same, once ids and times are replaced by the order they first appear in.
"""

import asyncio
import datetime
import re
import uuid

import pytest
from channels.db import database_sync_to_async

from conversations.models import Conversation, ConversationStatusChange
from livechat import metrics
from messaging import fast_send
from messaging.models import Message
from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket
from tests.support.factories import VisitorFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(autouse=True)
def _postgres_only(settings):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the fast path is PostgreSQL's")


class Normalizer:
    """Ids and times become `<id n>` / `<time n>` in order of first appearance, so two runs
    compare equal when they made the same objects, in the same order, at the same moments
    relative to each other."""

    def __init__(self):
        self.names: dict[str, str] = {}

    def token(self, kind: str, value: str) -> str:
        key = f"{kind}:{value}"
        if key not in self.names:
            self.names[key] = f"<{kind} {sum(k.startswith(kind) for k in self.names)}>"
        return self.names[key]

    def __call__(self, value):
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        if isinstance(value, uuid.UUID):
            return self.token("id", str(value))
        if isinstance(value, datetime.datetime):
            return self.token("time", value.astimezone(datetime.UTC).isoformat())
        if isinstance(value, str):
            if TIME_RE.match(value):
                parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
                return self.token("time", parsed.astimezone(datetime.UTC).isoformat())
            return UUID_RE.sub(lambda m: self.token("id", m.group(0)), value)
        return value


@database_sync_to_async
def rows(conversation_id) -> dict:
    conversation = Conversation.objects.filter(pk=conversation_id)
    return {
        "conversation": list(conversation.values()),
        "messages": list(
            Message.objects.filter(conversation_id=conversation_id).order_by("seq").values()
        ),
        "status_changes": [
            {k: v for k, v in change.items() if k != "id"}  # a sequence: differs per run
            for change in ConversationStatusChange.objects.filter(conversation_id=conversation_id)
            .order_by("changed_at", "id")
            .values()
        ],
    }


@database_sync_to_async
def forget(visitor) -> None:
    """Run two starts afresh (the agents' client_ids are unique across conversations)."""
    Conversation.objects.filter(visitor=visitor).update(last_message=None)
    visitor.delete()


def sends(path: str) -> float:
    return metrics.WS_SENDS.labels(path)._value.get()


async def play(alice, bob, visitor) -> tuple[list, dict]:
    """A conversation through the sockets; returns `(acks and frames received, rows)`."""
    seen = []
    ann = await agent_socket(alice)
    ben = await agent_socket(bob)
    budi = await visitor_socket(visitor)
    try:
        first = await budi.ok("send_message", body="Halo", client_id="v-1")
        cid = first["message"]["conversation_id"]
        seen.append(first)
        seen.append(await budi.ok("send_message", body="Ada orang?", client_id="v-2"))
        seen.append(await budi.ok("send_message", body="Tanpa client id"))
        # The first agent reply sets first_response; the second does not.
        seen.append(
            await ann.ok("send_message", conversation_id=cid, body="Hi Budi", client_id="a-1")
        )
        seen.append(await ben.ok("send_message", conversation_id=cid, body="Bob here"))
        # Repeats answer the first message and broadcast nothing.
        seen.append(await budi.ok("send_message", body="Ada orang?", client_id="v-2"))
        seen.append(
            await ann.ok("send_message", conversation_id=cid, body="again", client_id="a-1")
        )
        # Refusals are the same too.
        seen.append(await budi.error("send_message", body="   "))
        seen.append(await ann.error("send_message", conversation_id=str(uuid.uuid4()), body="x"))
        seen.append(await ann.error("send_message", conversation_id="nope", body="x"))
        seen.append(await ann.error("send_message", conversation_id=cid, body="x", client_id=""))
        # A note: the agents' counters move ahead of the visitor's, so a message is built
        # once per audience from then on.
        seen.append(await ann.ok("send_message", conversation_id=cid, body="psst", internal=True))
        seen.append(await budi.ok("send_message", body="Setelah catatan", client_id="v-3"))
        seen.append(await ann.ok("send_message", conversation_id=cid, body="Sure"))
        # Closed, then reopened by the visitor; an agent's message does not reopen.
        seen.append(
            await ann.ok("conversation:update_status", conversation_id=cid, status="closed")
        )
        seen.append(await ann.ok("send_message", conversation_id=cid, body="Bye"))
        seen.append(await budi.ok("send_message", body="Tunggu!", client_id="v-4"))
        seen.append(await budi.ok("send_message", body="Masih?", client_id="v-5"))
        for sock in (ann, ben, budi):
            seen.append(await sock.settle())
    finally:
        await close_all(ann, ben, budi)
    # Request ids count up across the test run.
    seen = [{k: v for k, v in f.items() if k != "request_id"} if "type" in f else f for f in seen]
    return seen, await rows(cid)


async def test_the_fast_path_writes_and_sends_what_the_orm_path_does(
    settings, alice, bob, sent_frames
):
    results = []
    for fast in (False, True):
        settings.FAST_SEND = fast
        sent_frames.clear()
        visitor = await database_sync_to_async(VisitorFactory)(name="Budi", email="b@example.com")
        before = sends("fast"), sends("orm")
        seen, written = await play(alice, bob, visitor)
        taken = sends("fast") - before[0], sends("orm") - before[1]
        normalize = Normalizer()
        results.append(
            {
                "seen": normalize(seen),
                "rows": normalize(written),
                "frames": normalize([(recipients, payload) for recipients, payload in sent_frames]),
            }
        )
        # Turned off, the ORM path takes all 17 sends. On, the fast path takes 8; the ORM
        # path the first message, both repeats, the unknown conversation, the note and the
        # reopening message; the three invalid ones are refused before either.
        assert taken == ((8, 6) if fast else (0, 17)), taken
        await forget(visitor)
    orm, fast = results
    assert fast["rows"]["conversation"] == orm["rows"]["conversation"]
    for orm_row, fast_row in zip(orm["rows"]["messages"], fast["rows"]["messages"], strict=True):
        assert fast_row == orm_row
    assert fast["rows"] == orm["rows"]
    assert fast["seen"] == orm["seen"]
    assert fast["frames"] == orm["frames"]
    # What the comparison covers, so it cannot pass by comparing nothing.
    assert len(orm["rows"]["messages"]) == 11
    assert len(orm["rows"]["status_changes"]) == 2
    assert [f["type"] for _r, f in orm["frames"]].count("new_message") >= 11


async def test_concurrent_sends_to_one_conversation_number_every_message_once(
    settings, alice, bob, visitor, conversation
):
    """Sends through both paths at once, without the process's turns (as from several
    processes): the row lock numbers them, each side's counters stay gap-free, and
    `created_at` follows `seq`."""
    from conversations.actors import Actor
    from messaging.services import message_send

    settings.FAST_SEND = True
    cid = str(conversation.pk)

    async def fast(actor, i):
        kwargs = {"body": f"fast {i}", "client_id": f"f-{i}", "conversation_id": cid}
        assert await fast_send.message_send(actor=actor, **kwargs) is not None

    orm = database_sync_to_async(message_send, thread_sensitive=False)
    people = [Actor.for_visitor(visitor), Actor.for_agent(alice), Actor.for_agent(bob)]
    await asyncio.gather(
        *(fast(people[i % 3], i) for i in range(30)),
        *(
            orm(actor=people[i % 3], body=f"orm {i}", client_id=f"o-{i}", conversation_id=cid)
            for i in range(15)
        ),
        orm(actor=Actor.for_agent(alice), body="a note", conversation_id=cid, internal=True),
    )
    written = await rows(cid)
    messages = written["messages"]  # the conversation's first message, and these 46
    assert [m["seq"] for m in messages] == list(range(1, 48))
    assert sorted(m["version"] for m in messages) == list(range(1, 48))
    shown = [m for m in messages if not m["internal"]]
    assert [m["visitor_seq"] for m in shown] == list(range(1, 47))
    assert sorted(m["visitor_version"] for m in shown) == list(range(1, 47))
    times = [m["created_at"] for m in messages]
    assert times == sorted(times)
    (row,) = written["conversation"]
    assert (row["last_seq"], row["version"]) == (47, 47)
    assert (row["visitor_last_seq"], row["visitor_version"]) == (46, 46)
    last_shown = max(shown, key=lambda m: m["seq"])
    assert row["last_message_id"] == last_shown["id"]
    assert row["updated_at"] == last_shown["created_at"]
    first_agent = min((m for m in messages if m["sender_type"] == "agent"), key=lambda m: m["seq"])
    assert row["first_response_at"] == first_agent["created_at"]
    assert row["first_response_by_id"] == first_agent["sender_agent_id"]


async def test_a_concurrent_twin_is_answered_with_the_first_message(alice, conversation):
    """The same agent client_id sent to two conversations at once: one message, one answer."""
    from conversations.actors import Actor

    other = await database_sync_to_async(
        lambda: Conversation.objects.create(visitor=VisitorFactory())
    )()
    agent = Actor.for_agent(alice)
    results = await asyncio.gather(
        *(
            fast_send.message_send(actor=agent, body="twin", client_id="t-1", conversation_id=c)
            for c in (str(conversation.pk), str(other.pk))
        )
    )
    # The loser writes nothing and leaves the answer to the ORM path.
    assert sorted(r is None for r in results) == [False, True]
    assert await database_sync_to_async(Message.objects.filter(client_id="t-1").count)() == 1


async def test_the_orm_path_when_turned_off(settings, alice, conversation):
    settings.FAST_SEND = False
    sock = await agent_socket(alice)
    try:
        before = sends("fast"), sends("orm")
        await sock.ok("send_message", conversation_id=str(conversation.pk), body="hi")
        assert (sends("fast") - before[0], sends("orm") - before[1]) == (0, 1)
    finally:
        await sock.close()
