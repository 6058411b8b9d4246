"""What an outage looks like in `/metrics`: database and channel-layer errors are counted,
and the metrics stay readable while PostgreSQL or Redis is down."""

import asyncio
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from channels.db import database_sync_to_async

from realtime.client import LiveSocket, http
from tests.support.auth import api_token, session_cookie
from tests.support.factories import AgentFactory, VisitorFactory
from tests.support.metrics import scrape
from tests.support.redisproc import RedisProcess, redis_available
from tests.support.tcpproxy import TcpProxy


@database_sync_to_async
def people() -> tuple[object, str, str]:
    """Budi (a visitor), Alice's session cookie and her API token."""
    alice = AgentFactory(username="alice", first_name="Alice")
    return VisitorFactory(name="Budi"), session_cookie(alice), api_token(alice)


def through(proxy: TcpProxy, database_url: str) -> str:
    parts = urlsplit(database_url)
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{userinfo}127.0.0.1:{proxy.port}"))


def timed_scrape(url: str):
    started = time.monotonic()
    result = scrape(url)
    return result, time.monotonic() - started


async def test_database_errors_are_counted_and_metrics_answer_during_the_outage(
    make_livestack, live_config
):
    budi, cookie, token = await people()
    proxy = TcpProxy(("127.0.0.1", urlsplit(live_config["database_url"]).port or 5432)).start()
    try:
        stack = await asyncio.to_thread(
            make_livestack, 1, DATABASE_URL=through(proxy, live_config["database_url"])
        )
        url = stack.servers[0].url
        visitor = await LiveSocket.visitor(url, budi.token)
        agent = await LiveSocket.agent(url, cookie)
        first = (await visitor.request("send_message", body="Halo", client_id="m1"))["message"]
        before = await asyncio.to_thread(scrape, url)

        await asyncio.to_thread(proxy.cut)
        reply = await visitor.call("send_message", body="Halo?", client_id="m2", timeout=30)
        assert reply["type"] == "error", reply
        api = f"{url}/api/v1/conversations/{first['conversation_id']}/messages/"
        status, _body, _elapsed = await asyncio.to_thread(
            http, "GET", api, headers={"Authorization": f"Token {token}"}, timeout=30
        )
        assert status >= 500
        during, took = await asyncio.to_thread(timed_scrape, url)
        assert took < 2.0  # never waits for the database

        def delta(where: str) -> float:
            name = "livechat_database_errors_total"
            return during.value(name, where=where) - before.value(name, where=where)

        assert delta("websocket") == 1
        assert delta("http") >= 1  # the token check may fail on the database first
        assert during.value("livechat_ws_open_sockets", role="agent") == 1
        await agent.close()
        await visitor.close()
    finally:
        proxy.close()


@pytest.mark.skipif(not redis_available(), reason="needs redis-server")
async def test_channel_layer_errors_are_counted_when_redis_is_down(make_livestack):
    budi, _cookie, token = await people()
    redis = await asyncio.to_thread(RedisProcess().start)
    try:
        stack = await asyncio.to_thread(make_livestack, 1, REDIS_URL=redis.url)
        url = stack.servers[0].url
        visitor = await LiveSocket.visitor(url, budi.token)
        first = (await visitor.request("send_message", body="Halo", client_id="m1"))["message"]
        before = await asyncio.to_thread(scrape, url)

        await asyncio.to_thread(redis.stop)
        # A REST write is committed; its broadcast cannot leave (clients repair with sync).
        api = f"{url}/api/v1/conversations/{first['conversation_id']}/messages/"
        status, body, _elapsed = await asyncio.to_thread(
            http, "POST", api, body={"body": "Ada"}, headers={"Authorization": f"Token {token}"}
        )
        assert status == 201, body
        after = await asyncio.to_thread(scrape, url)

        def delta(name: str, **labels: str) -> float:
            return after.value(name, **labels) - before.value(name, **labels)

        assert delta("livechat_broadcast_errors_total", reason="channel_layer") >= 1
        assert delta("livechat_channel_layer_errors_total", operation="group_send") >= 1
        assert delta("livechat_messages_sent_total", sender="agent") == 1
        await visitor.close()
    finally:
        redis.close()
