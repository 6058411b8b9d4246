"""Redis (the channel layer and cache) dies mid-conversation and comes back empty.

The database is the truth and Redis only the fast path, so during the outage every write
is either persisted (acked: then it is in the database) or refused to its sender with an
error, never silently dropped; no server process crashes; sockets stay open or can
reconnect once Redis is back; `/healthz` says 503 while it is down; and after recovery
every client has every message (live, or through `sync`) and live delivery works again.
"""

import asyncio
import time

import pytest
import websockets
from channels.db import database_sync_to_async

from messaging.models import Message
from realtime.client import Closed, LiveSocket, http, new_message
from tests.support.auth import api_token, session_cookie
from tests.support.factories import AgentFactory, VisitorFactory
from tests.support.redisproc import RedisProcess, redis_available

pytestmark = pytest.mark.skipif(not redis_available(), reason="needs redis-server")

OUTAGE_WRITES = 3
# From Redis being back to every client reconnected and caught up. A socket left waiting
# for a `hello` that never comes would cost the client its whole 10 s hello timeout.
RECOVERY_TIMEOUT = 8.0


@database_sync_to_async
def db_messages(conversation_id) -> dict[str, tuple[int, int, str]]:
    rows = Message.objects.filter(conversation_id=conversation_id)
    return {str(m.pk): (m.seq, m.version, m.body) for m in rows}


@database_sync_to_async
def in_db(client_id: str) -> int:
    return Message.objects.filter(client_id=client_id).count()


async def live_round(sender, receiver, stack, deadline: float, **fields) -> None:
    """`sender` sends; the `new_message` reaches `receiver`'s open socket, live.

    A socket that drops meanwhile (a last stale Redis connection) reconnects and the round
    is played again; a socket that stays open but never gets the frame fails at once.
    """
    for attempt in range(3):
        try:
            client_id = f"live-{sender.name}-{receiver.name}-{attempt}"
            sent = await sender.sock.request("send_message", client_id=client_id, **fields)
            await receiver.sock.wait_for(new_message(sent["message"]["id"]), timeout=10)
            return
        except Closed:
            for client in (sender, receiver):
                await client.recover(deadline)
        except TimeoutError as exc:
            logs = "\n".join(f"--- {s.name}\n{s.log_tail(60)}" for s in stack.servers)
            raise AssertionError(f"{receiver.name}'s open socket is deaf: {exc}\n{logs}") from None
    raise AssertionError(f"{sender.name} -> {receiver.name}: the sockets keep dropping")


class Client:
    """One person's chat client: reconnects (to its server) and resends by client_id."""

    def __init__(self, name, connect):
        self.name = name
        self.connect = connect
        self.sock = None
        self.sockets = []
        self.outcomes: dict[str, str] = {}  # client_id -> "acked" | error code
        self.synced: dict[str, int] = {}  # conversation id -> version caught up to
        self.drops = 0  # sockets lost after Redis came back

    async def start(self):
        self.sock = await self.connect()
        self.sockets.append(self.sock)
        return self

    async def reconnect(self, deadline: float) -> None:
        last = None
        while time.monotonic() < deadline:
            try:
                self.sock = await self.connect()
                self.sockets.append(self.sock)
                return
            except Exception as exc:  # refused handshake, reset, timeout: try again
                last = exc
                await asyncio.sleep(0.3)
        raise AssertionError(f"{self.name} could not reconnect: {last!r}")

    async def recover(self, deadline: float) -> None:
        """Reconnect if the socket is gone, then catch up; again if it drops meanwhile."""
        while True:
            try:
                if (
                    not self.sock.open
                    or (await self.sock.call("ping", timeout=5))["type"] != "pong"
                ):
                    await self.reconnect(deadline)
                await self.catch_up()
                return
            except Closed:
                self.drops += 1
                assert time.monotonic() < deadline, f"{self.name} keeps dropping"

    async def send_until_acked(self, client_id: str, deadline: float, **fields) -> None:
        while (outcome := await self.send(client_id, **fields)) == "closed":
            await self.recover(deadline)
        assert outcome == "acked", (client_id, outcome)

    async def send(self, client_id: str, **fields) -> str:
        """One attempt: "acked", an error code, or "closed" (the socket went away)."""
        if not self.sock.open:
            return "closed"
        try:
            reply = await self.sock.call("send_message", client_id=client_id, timeout=10, **fields)
        except Closed:
            return "closed"
        outcome = "acked" if reply["type"] == "ack" else reply["code"]
        self.outcomes[client_id] = outcome
        return outcome

    def messages(self, conversation_id: str) -> dict[str, tuple[int, int, str]]:
        seen: dict[str, dict] = {}
        for sock in self.sockets:
            for mid, m in sock.messages().items():
                if m["conversation_id"] == conversation_id and (
                    mid not in seen or seen[mid]["version"] <= m["version"]
                ):
                    seen[mid] = m
        return {mid: (m["seq"], m["version"], m["body"]) for mid, m in seen.items()}

    def version(self, conversation_id: str) -> int:
        return max((v for _s, v, _b in self.messages(conversation_id).values()), default=0)

    def hold(self, *conversations: str) -> None:
        """Everything up to now was seen: later catch-ups start from here."""
        self.synced = {conv: self.version(conv) for conv in conversations}

    async def catch_up(self) -> None:
        """`sync` from the last complete version, as a client does after reconnecting."""
        for conv, since in self.synced.items():
            fields = {"conversation_id": conv} if self.name == "alice" else {}
            ack = await self.sock.request("sync", since_version=since, **fields)
            assert not ack.get("has_more")
            self.synced[conv] = ack["version"]


async def test_redis_outage_loses_nothing_and_recovers(make_livestack):
    alice = await database_sync_to_async(AgentFactory)(username="alice", first_name="Alice")
    budi = await database_sync_to_async(VisitorFactory)(name="Budi")
    sari = await database_sync_to_async(VisitorFactory)(name="Sari")
    alice_cookie = await database_sync_to_async(session_cookie)(alice)
    alice_token = await database_sync_to_async(api_token)(alice)

    redis_proc = await asyncio.to_thread(RedisProcess().start)
    try:
        stack = await asyncio.to_thread(make_livestack, 2, REDIS_URL=redis_proc.url)
        s0, s1 = stack.servers
        agent = await Client(
            "alice", lambda: LiveSocket.agent(s0.url, alice_cookie, name="alice")
        ).start()
        v1 = await Client(
            "budi", lambda: LiveSocket.visitor(s0.url, budi.token, name="budi")
        ).start()
        v2 = await Client(
            "sari", lambda: LiveSocket.visitor(s1.url, sari.token, name="sari")
        ).start()

        assert await v1.send("b-0", body="Halo") == "acked"
        assert await v2.send("s-0", body="Hai") == "acked"
        conv1 = v1.sock.of_type("ack")[0]["message"]["conversation_id"]
        conv2 = v2.sock.of_type("ack")[0]["message"]["conversation_id"]
        await agent.sock.wait_for(
            lambda f: f.get("type") == "new_message" and f["message"]["conversation_id"] == conv2
        )

        agent.hold(conv1, conv2)
        v1.hold(conv1)
        v2.hold(conv2)
        await asyncio.to_thread(redis_proc.stop)
        outage_started = time.monotonic()

        # Every write during the outage: acked (then persisted) or refused, never lost.
        # Sockets cannot live without the channel layer: they close, and reconnecting is
        # refused until Redis is back; the client keeps what was not acked for later.
        attempts: dict[str, str] = {}
        for i in range(OUTAGE_WRITES):
            attempts[f"b-{i + 1}"] = await v1.send(f"b-{i + 1}", body=f"Budi {i}")
            attempts[f"s-{i + 1}"] = await v2.send(f"s-{i + 1}", body=f"Sari {i}")
            attempts[f"a-{i + 1}"] = await agent.send(
                f"a-{i + 1}", conversation_id=conv1, body=f"Alice {i}"
            )
        for client in (agent, v1, v2):
            await asyncio.wait_for(client.sock._reader, 10)
            # Connecting again is refused or closed at once (perhaps right after `hello`):
            # never a socket left open, deaf to broadcasts or waiting for a `hello`.
            started = time.monotonic()
            try:
                sock = await client.connect()
            except (Closed, websockets.InvalidStatus):
                pass
            else:
                await asyncio.wait_for(sock._reader, 5)
            assert time.monotonic() - started < 5, client.name
        # REST needs no channel layer: agents' writes are persisted (the broadcast is lost,
        # `sync` repairs it) and the widget can still read its history.
        headers = {"Authorization": f"Token {alice_token}"}
        for i in range(OUTAGE_WRITES):
            client_id = f"rest-{i}"
            status, body, elapsed = await asyncio.to_thread(
                http, "POST", f"{s1.url}/api/v1/conversations/{conv2}/messages/",
                body={"body": f"REST {i}", "client_id": client_id}, headers=headers,
            )  # fmt: skip
            assert (status, elapsed < 5) == (201, True), (status, body, elapsed)
            attempts[client_id] = "acked"
        status, body, _ = await asyncio.to_thread(
            http, "GET", f"{s0.url}/api/v1/widget/messages/",
            headers={"Authorization": f"Visitor {budi.token}"},
        )  # fmt: skip
        assert status == 200, body
        assert {m["id"] for m in body["results"]} == set(await db_messages(conv1)), body
        for server in (s0, s1):
            status, body, elapsed = await asyncio.to_thread(http, "GET", f"{server.url}/healthz")
            assert (status, body) == (503, {"database": "ok", "channel_layer": "down"}), body
            assert elapsed < 5, elapsed
        for client_id, outcome in attempts.items():
            if outcome == "acked":
                assert await in_db(client_id) == 1, client_id
        assert s0.running and s1.running, "a server process crashed with Redis down"
        outage = time.monotonic() - outage_started

        await asyncio.to_thread(redis_proc.start)
        deadline = time.monotonic() + RECOVERY_TIMEOUT
        for server in (s0, s1):
            await asyncio.to_thread(server.wait_ready, timeout=RECOVERY_TIMEOUT)

        # Sockets that dropped reconnect and catch up; writes that were not acked are
        # retried with the same client_id.
        for client in (agent, v1, v2):
            await client.recover(deadline)
        assert time.monotonic() < deadline, "recovery took too long"
        for client_id, outcome in attempts.items():
            if outcome != "acked" and not client_id.startswith("rest"):
                client = {"b": v1, "s": v2, "a": agent}[client_id[0]]
                fields = {"conversation_id": conv1} if client is agent else {}
                await client.send_until_acked(
                    client_id, deadline + 10, body=f"retry {client_id}", **fields
                )
        for client_id in attempts:
            assert await in_db(client_id) == 1, client_id

        # Live delivery works again on every socket, within a process and across them.
        live_until = time.monotonic() + 30
        await live_round(v2, agent, stack, live_until, body="Halo lagi")  # s1 -> s0
        await live_round(v1, agent, stack, live_until, body="Sudah normal?")  # s0 -> s0
        await live_round(agent, v2, stack, live_until, conversation_id=conv2, body="Ya")

        # After `sync`, every client has every message of its conversations.
        for client in (agent, v1, v2):
            await client.recover(live_until)
        truth1, truth2 = await db_messages(conv1), await db_messages(conv2)
        assert len(truth1) >= 1 + 2 * OUTAGE_WRITES + 1
        assert len(truth2) >= 1 + 2 * OUTAGE_WRITES + 2
        assert v1.messages(conv1) == truth1
        assert v2.messages(conv2) == truth2
        assert agent.messages(conv1) == truth1
        assert agent.messages(conv2) == truth2
        assert s0.running and s1.running
        assert outage < 15
        for client in (agent, v1, v2):
            await client.sock.close()
    finally:
        await asyncio.to_thread(redis_proc.close)
