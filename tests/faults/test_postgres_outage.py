"""PostgreSQL is briefly unreachable (a TCP proxy between daphne and PostgreSQL is cut).

While it is down every request gets a clear, prompt answer: `/healthz` 503 with
`database: down`, REST a 5xx JSON error, WebSocket frames an `error` frame on a socket that
stays open (ping still answers), a visitor who connects is closed (4503) so it retries.
Once the link is back the same process recovers on its own, without a restart: within a
few seconds health is 200, writes are acked and persisted, reads work.
"""

import asyncio
import contextlib
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import pytest
import websockets
from channels.db import database_sync_to_async

from messaging.models import Message
from realtime.client import Closed, LiveSocket, http
from tests.support.auth import api_token, session_cookie
from tests.support.factories import AgentFactory, VisitorFactory
from tests.support.tcpproxy import TcpProxy

PROMPT = 7.0  # every answer during the outage, however negative, comes within this
OUTAGE = 8.0  # long enough for psycopg_pool's reconnect backoff to reach 4 s
RECOVERY = 4.0  # from the link being back to a write acked


def through(proxy: TcpProxy, database_url: str) -> str:
    parts = urlsplit(database_url)
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{userinfo}127.0.0.1:{proxy.port}"))


@database_sync_to_async
def in_db(client_id: str) -> int:
    return Message.objects.filter(client_id=client_id).count()


async def timed(coro):
    started = time.monotonic()
    result = await coro
    return result, time.monotonic() - started


def header_of(url: str, name: str, headers: dict) -> str | None:
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.headers.get(name)
    except urllib.error.HTTPError as exc:
        return exc.headers.get(name)


async def test_postgres_outage_gives_clear_errors_and_recovers_without_restart(
    make_livestack, live_config
):
    alice = await database_sync_to_async(AgentFactory)(username="alice", first_name="Alice")
    budi = await database_sync_to_async(VisitorFactory)(name="Budi")
    sari = await database_sync_to_async(VisitorFactory)(name="Sari")
    cookie = await database_sync_to_async(session_cookie)(alice)
    token = await database_sync_to_async(api_token)(alice)
    rest = {"Authorization": f"Token {token}"}

    proxy = TcpProxy(("127.0.0.1", urlsplit(live_config["database_url"]).port or 5432)).start()
    try:
        stack = await asyncio.to_thread(
            make_livestack, 1, DATABASE_URL=through(proxy, live_config["database_url"])
        )
        server = stack.servers[0]
        agent = await LiveSocket.agent(server.url, cookie, name="alice")
        visitor = await LiveSocket.visitor(server.url, budi.token, name="budi")
        first = (await visitor.request("send_message", body="Halo", client_id="before"))["message"]
        conversation_id = first["conversation_id"]
        api = f"{server.url}/api/v1/conversations/{conversation_id}/messages/"

        await asyncio.to_thread(proxy.cut)
        cut_at = time.monotonic()

        async def newcomer():
            try:
                await LiveSocket.visitor(server.url, sari.token, name="sari")
            except Closed as exc:
                return str(exc)
            return "connected"

        # Everything at once, as real traffic would: each gets a prompt, clear answer.
        results = await asyncio.gather(
            timed(asyncio.to_thread(http, "GET", f"{server.url}/healthz", timeout=30)),
            timed(visitor.call("send_message", body="Halo?", client_id="during", timeout=30)),
            timed(agent.call("sync", conversation_id=conversation_id, since_version=0)),
            timed(asyncio.to_thread(http, "GET", api, headers=rest, timeout=30)),
            timed(
                asyncio.to_thread(http, "POST", api, body={"body": "R"}, headers=rest, timeout=30)
            ),
            timed(newcomer()),
        )
        for _result, took in results:
            assert took < PROMPT, results
        health, ws_send, ws_sync, rest_get, rest_post, newcomer_outcome = (r for r, _t in results)
        assert health[:2] == (503, {"database": "down", "channel_layer": "ok"}), health
        # Said as what it is: briefly unavailable, try again (not a server bug).
        for reply in (ws_send, ws_sync):
            assert reply["type"] == "error" and reply["code"] == "unavailable", reply
        for status, body, _elapsed in (rest_get, rest_post):
            assert (status, body.get("code")) == (503, "unavailable"), (status, body)
        retry_after = await asyncio.to_thread(header_of, api, "Retry-After", rest)
        assert retry_after == "5"
        page = await asyncio.to_thread(
            http, "GET", f"{server.url}/dashboard/", headers={"Cookie": cookie}, timeout=30
        )
        assert page[0] == 503, page
        assert "(4503)" in newcomer_outcome, newcomer_outcome
        # The sockets that were open stay open.
        for sock in (agent, visitor):
            assert (await sock.call("ping", timeout=5))["type"] == "pong"
        # An agent's handshake needs the session from the database: refused, not hung.
        with refused_within(PROMPT):
            await LiveSocket.agent(server.url, cookie, name="alice-2")

        await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - cut_at)))
        assert server.running
        await asyncio.to_thread(proxy.restore)
        restored = time.monotonic()

        # Recovery without a restart: retry as a client would until a write is acked.
        attempt = 0
        while True:
            attempt += 1
            reply = await visitor.call(
                "send_message", body="Sudah?", client_id=f"after-{attempt}", timeout=10
            )
            if reply["type"] == "ack":
                break
            assert time.monotonic() - restored < RECOVERY, reply
            await asyncio.sleep(0.25)
        recovered = time.monotonic() - restored
        assert recovered < RECOVERY, recovered
        assert await in_db(f"after-{attempt}") == 1
        assert await in_db("during") == 0  # refused, so not persisted: nothing silently lost

        # And it stays recovered: reads and writes on every path.
        for i in range(3):
            await visitor.request("send_message", body=f"Lagi {i}", client_id=f"more-{i}")
        synced = await agent.request("sync", conversation_id=conversation_id, since_version=0)
        assert {m["client_id"] for m in synced["messages"]} >= {"before", "more-2"}
        status, body, _elapsed = await asyncio.to_thread(http, "GET", api, headers=rest)
        assert status == 200, body
        status, body, _elapsed = await asyncio.to_thread(http, "GET", f"{server.url}/healthz")
        assert (status, body) == (200, {"database": "ok", "channel_layer": "ok"})
        newcomer_sock = await LiveSocket.visitor(server.url, sari.token, name="sari")
        await newcomer_sock.close()
        await agent.close()
        await visitor.close()
    finally:
        proxy.close()


@contextlib.contextmanager
def refused_within(seconds: float):
    """The block fails (a refused or broken handshake), and within `seconds`."""
    started = time.monotonic()
    with pytest.raises((Closed, websockets.InvalidHandshake, OSError)):
        yield
    took = time.monotonic() - started
    assert took < seconds, took
