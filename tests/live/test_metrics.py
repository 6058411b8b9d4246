"""The metrics of a real daphne process move with real sockets; its logs can be JSON."""

import asyncio
import json
import re
import time
from pathlib import Path

import pytest

from realtime.client import LiveSocket, http
from tests.support.auth import session_cookie
from tests.support.metrics import Scrape, scrape

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

ACCESS_LOG_LINE = re.compile(r'^\S+ - - \[[^\]]+\] "')


async def scraped(url: str) -> Scrape:
    return await asyncio.to_thread(scrape, url)


async def until(url: str, condition, timeout: float = 5.0) -> Scrape:
    """The first scrape that satisfies `condition` (sockets close asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        now = await scraped(url)
        if condition(now) or time.monotonic() > deadline:
            return now
        await asyncio.sleep(0.1)


async def test_metrics_move_when_real_sockets_send_and_receive(livestack, alice, visitor):
    server = livestack.servers[0]
    url = server.url
    cookie = await asyncio.to_thread(session_cookie, alice)
    before = await scraped(url)

    def delta(now: Scrape, name: str, **labels: str) -> float:
        return now.value(name, **labels) - before.value(name, **labels)

    agent = await LiveSocket.agent(url, cookie)
    budi = await LiveSocket.visitor(url, visitor.token)
    try:
        opened = await scraped(url)
        assert delta(opened, "livechat_ws_open_sockets", role="agent") == 1
        assert delta(opened, "livechat_ws_open_sockets", role="visitor") == 1
        assert delta(opened, "livechat_ws_frames_out_total", type="hello") == 2

        first = (await budi.request("send_message", body="Halo", client_id="m1"))["message"]
        conversation_id = first["conversation_id"]
        await agent.expect("new_message")
        await agent.request(
            "send_message", conversation_id=conversation_id, body="Hi Budi", client_id="m2"
        )
        await budi.expect("new_message", where=lambda f: f["message"]["client_id"] == "m2")
        synced = await budi.request("sync", since_version=0)
        assert len(synced["messages"]) == 2
        await budi.send("not json")
        assert (await budi.expect("error"))["code"] == "invalid_json"

        now = await scraped(url)
        frames_in = "livechat_ws_frames_in_total"
        assert delta(now, frames_in, role="visitor", type="send_message") == 1
        assert delta(now, frames_in, role="agent", type="send_message") == 1
        assert delta(now, frames_in, role="visitor", type="sync") == 1
        assert delta(now, frames_in, role="visitor", type="rejected") == 1
        assert delta(now, "livechat_ws_frames_out_total", type="ack") >= 3
        # Budi's message reaches the agent; Alice's reaches Budi (and the agent socket);
        # the visitor's own tabs get its message too.
        assert delta(now, "livechat_ws_frames_out_total", type="new_message") >= 3
        assert delta(now, "livechat_ws_frames_out_total", type="new_conversation") == 1
        assert delta(now, "livechat_ws_error_frames_total", code="invalid_json") == 1
        assert delta(now, "livechat_messages_sent_total", sender="visitor") == 1
        assert delta(now, "livechat_messages_sent_total", sender="agent") == 1
        assert delta(now, "livechat_broadcasts_total", type="new_message") == 2
        sends = delta(now, "livechat_ws_frame_seconds_count", type="send_message")
        assert sends == 2
        assert 0 < delta(now, "livechat_ws_frame_seconds_sum", type="send_message") < 10
        assert delta(now, "livechat_sync_messages_count") == 1
        assert delta(now, "livechat_sync_messages_sum") == 2
        assert delta(now, "livechat_sync_bytes_sum") > 200
    finally:
        await agent.close()
        await budi.close()

    closed = await until(
        url,
        lambda now: delta(now, "livechat_ws_open_sockets") == 0,
    )
    assert delta(closed, "livechat_ws_open_sockets", role="agent") == 0
    assert delta(closed, "livechat_ws_open_sockets", role="visitor") == 0
    assert delta(closed, "livechat_broadcast_errors_total") == 0
    assert delta(closed, "livechat_database_errors_total") == 0


async def test_a_socket_that_never_authenticates_counts_as_unauthenticated(livestack):
    server = livestack.servers[1]
    before = await scraped(server.url)
    sock = await LiveSocket.connect(f"{server.ws_url}/ws/visitor/", origin=server.origin)
    try:
        now = await until(
            server.url,
            lambda s: (
                s.value("livechat_ws_open_sockets", role="unauthenticated")
                > before.value("livechat_ws_open_sockets", role="unauthenticated")
            ),
        )
        pending = now.value("livechat_ws_open_sockets", role="unauthenticated")
        assert pending == before.value("livechat_ws_open_sockets", role="unauthenticated") + 1
    finally:
        await sock.close()


def test_a_production_process_logs_json_lines(make_livestack):
    stack = make_livestack(1, LOG_FORMAT="json", LOG_LEVEL="INFO")
    server = stack.servers[0]
    status, _body, _elapsed = http("GET", f"{server.url}/api/v1/no-such-endpoint/")
    assert status == 404
    stack.stop(0)  # flushes, and logs the shutdown too
    lines = [line for line in Path(server.log_path).read_text().splitlines() if line.strip()]
    # daphne writes its access log itself, not through logging (docs/deployment.md: `-v 0`
    # turns it off, `--access-log FILE` moves it); every other line is one JSON object.
    access_log = [line for line in lines if ACCESS_LOG_LINE.match(line)]
    assert access_log, lines
    entries = [json.loads(line) for line in lines if line not in access_log]
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    assert any(
        entry["logger"] == "django.request" and "/api/v1/no-such-endpoint/" in entry["message"]
        for entry in entries
    ), lines
