"""The per-process router (realtime/bus.py): one channel-layer member per process, every
event delivered to the process's own sockets of its groups, each once, in order.

Sockets here are stand-ins that record what the router hands them; the consumers' use of
it is covered by every other WebSocket test. The layer is the suite's (Redis with
REDIS_URL, in-memory otherwise); the Redis restart test runs its own `redis-server`.
"""

import asyncio
import contextlib
import copy

import pytest
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings as django_settings

from realtime import bus
from realtime.broadcast import Close, asend, close_sockets, layer_message
from realtime.bus import BUS_GROUP
from tests.support.redisproc import RedisProcess, redis_available

pytestmark = pytest.mark.asyncio


class FakeSocket:
    def __init__(self, name: str):
        self.name = name
        self.channel_name = bus.socket_id()
        self.texts: list[str] = []
        self.closed_with: int | None = None

    async def forward(self, text: str) -> None:
        self.texts.append(text)

    async def close_with(self, code: int) -> None:
        self.closed_with = code


async def until(check, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def frame(n: int) -> dict:
    return {"type": "new_message", "n": n}


def numbers(sock: FakeSocket) -> list[int]:
    import json

    return [json.loads(text)["n"] for text in sock.texts]


async def joined(router: bus.Router, group: str, *socks: FakeSocket) -> None:
    for sock in socks:
        await router.join(group, sock)


async def test_an_event_reaches_each_socket_of_its_groups_once_in_order():
    router = bus.router()
    agent, visitor, both, other = (FakeSocket(n) for n in ("agent", "visitor", "both", "other"))
    await joined(router, "agents", agent, both)
    await joined(router, "visitor.1", visitor, both)
    await joined(router, "visitor.2", other)
    try:
        for n in range(50):
            await asend((["agents", "visitor.1"], frame(n)))
        await until(lambda: len(agent.texts) == len(visitor.texts) == len(both.texts) == 50)
        await asyncio.sleep(0.2)  # nothing more arrives
        assert numbers(agent) == numbers(visitor) == numbers(both) == list(range(50))
        assert other.texts == []
    finally:
        for sock in (agent, visitor, both, other):
            for group in ("agents", "visitor.1", "visitor.2"):
                await router.leave(group, sock)


async def test_the_excluded_socket_is_skipped():
    router = bus.router()
    typist, watcher = FakeSocket("typist"), FakeSocket("watcher")
    await joined(router, "conversation.1", typist, watcher)
    await joined(router, "agents", typist)
    try:
        await asend((["conversation.1", "agents"], frame(1)), exclude_channel=typist.channel_name)
        await asend((["conversation.1"], frame(2)))
        await until(lambda: len(watcher.texts) == 2)
        await until(lambda: len(typist.texts) == 1)
        assert numbers(typist) == [2]
    finally:
        for group in ("conversation.1", "agents"):
            for sock in (typist, watcher):
                await router.leave(group, sock)


async def test_a_process_without_members_of_a_group_ignores_its_events():
    router = bus.router()
    sock = FakeSocket("agent")
    await router.join("agents", sock)
    try:
        await asend((["visitor.99", "conversation.5"], frame(1)))
        await asend((["agents"], frame(2)))
        await until(lambda: sock.texts)
        await asyncio.sleep(0.2)
        assert numbers(sock) == [2]
    finally:
        await router.leave("agents", sock)


async def test_close_events_close_exactly_the_targeted_sockets():
    router = bus.router()
    alice1, alice2, bob, visitor, superseded = (FakeSocket(n) for n in "abcde")
    await joined(router, "agent.alice", alice1, alice2)
    await joined(router, "agent.bob", bob)
    await joined(router, "visitor.1", visitor, superseded)
    try:
        await asend((["agent.alice"], Close(4401)))
        await close_sockets([superseded.channel_name], 4409)
        await until(lambda: superseded.closed_with is not None)
        assert (alice1.closed_with, alice2.closed_with, superseded.closed_with) == (
            4401,
            4401,
            4409,
        )
        assert bob.closed_with is None and visitor.closed_with is None
    finally:
        for group, socks in (
            ("agent.alice", (alice1, alice2)),
            ("agent.bob", (bob,)),
            ("visitor.1", (visitor, superseded)),
        ):
            for sock in socks:
                await router.leave(group, sock)


async def test_the_process_leaves_the_bus_with_its_last_socket():
    router = bus.router()
    sock = FakeSocket("agent")
    await router.join("agents", sock)
    assert router.channel is not None and len(router.tasks) == 2
    await router.leave("agents", sock)
    assert router.channel is None and router.tasks == []
    # and comes back with the next one
    await router.join("agents", sock)
    try:
        await asend((["agents"], frame(7)))
        await until(lambda: sock.texts)
    finally:
        await router.leave("agents", sock)


def _redis_layer() -> RedisChannelLayer:
    config = django_settings.CHANNEL_LAYERS["default"]
    if "RedisChannelLayer" not in config["BACKEND"]:
        pytest.skip("needs the core Redis channel layer (REDIS_URL)")
    return get_channel_layer()


async def test_two_processes_each_deliver_only_to_their_own_sockets():
    layer = _redis_layer()
    # Another process: its own layer instance (its own client prefix and connections) on
    # the same Redis and prefix.
    other_layer = RedisChannelLayer(**{**layer_config(), "prefix": layer.prefix})
    here, there = bus.Router(layer), bus.Router(other_layer)
    mine, theirs, their_visitor = FakeSocket("mine"), FakeSocket("theirs"), FakeSocket("v")
    await here.join("agents", mine)
    await there.join("agents", theirs)
    await there.join("visitor.1", their_visitor)
    try:
        await layer.group_send(BUS_GROUP, layer_message(frame(1), groups=["agents"]))
        await other_layer.group_send(
            BUS_GROUP, layer_message(frame(2), groups=["agents", "visitor.1"])
        )
        await until(lambda: len(mine.texts) == 2 and len(theirs.texts) == 2)
        await until(lambda: len(their_visitor.texts) == 1)
        await asyncio.sleep(0.2)
        assert numbers(mine) == numbers(theirs) == [1, 2]
        assert numbers(their_visitor) == [2]
    finally:
        await here.leave("agents", mine)
        await there.leave("agents", theirs)
        await there.leave("visitor.1", their_visitor)
        await other_layer.close_pools()


async def test_the_one_round_trip_publish_is_group_send_to_the_letter():
    """`CorePublisher` (one script) against channels-redis' `group_send` (four round trips):
    the same delivery to live members, in order with the layer's own sends; an expired
    member dropped from the group and given nothing; a full channel given nothing more."""
    layer = _redis_layer()
    if not bus.CorePublisher.usable(layer):
        pytest.skip("the core layer on one Redis")
    publisher = bus.CorePublisher(layer)
    router = bus.Router(layer)
    sock = FakeSocket("agent")
    await router.join("agents", sock)
    connection = layer.connection(0)
    group_key = layer._group_key(BUS_GROUP)
    stale, full = f"{bus.BUS_CHANNEL_PREFIX}stale", f"{bus.BUS_CHANNEL_PREFIX}full"
    # A member that stopped refreshing long ago, and a live one whose channel is full.
    await connection.zadd(group_key, {stale: 1})
    await layer.group_add(BUS_GROUP, full)
    full_key = layer.prefix + full
    try:
        for n in range(3):
            await layer.send(full, {"type": "filler", "n": n})
        publisher.capacity = 3
        await publisher.publish(layer_message(frame(1), groups=["agents"]))
        await layer.group_send(BUS_GROUP, layer_message(frame(2), groups=["agents"]))
        await publisher.publish(layer_message(frame(3), groups=["agents"]))
        await until(lambda: len(sock.texts) == 3)
        assert numbers(sock) == [1, 2, 3]
        members = {m.decode() for m in await connection.zrange(group_key, 0, -1)}
        assert stale not in members and full in members
        assert not await connection.exists(layer.prefix + stale)
        # The fillers and `group_send`'s frame 2 (the layer's own capacity is the setting's).
        assert await connection.zcard(full_key) == 4
    finally:
        await router.leave("agents", sock)
        await layer.group_discard(BUS_GROUP, full)
        await connection.delete(full_key)


def layer_config() -> dict:
    config = copy.deepcopy(django_settings.CHANNEL_LAYERS["default"]["CONFIG"])
    return config


@pytest.mark.skipif(not redis_available(), reason="needs redis-server")
async def test_the_bus_membership_survives_a_flush_and_a_restart_of_redis(settings):
    settings.LIVECHAT = {**django_settings.LIVECHAT, "HEARTBEAT_INTERVAL": 0.3}
    with RedisProcess() as redis_server:
        layer = RedisChannelLayer(
            hosts=[{"address": redis_server.url, "socket_timeout": 15}],
            prefix="lcbustest",
            channel_capacity={"lcbus.*": 100_000},
        )
        router = bus.Router(layer)
        sock = FakeSocket("agent")
        await router.join("agents", sock)

        async def delivered(n: int, timeout: float = 10.0) -> None:
            # Broadcasts sent while the membership is gone are lost (clients `sync`);
            # keep sending until one arrives.
            deadline = asyncio.get_running_loop().time() + timeout
            while n not in numbers(sock):
                assert asyncio.get_running_loop().time() < deadline, numbers(sock)
                with contextlib.suppress(Exception):  # Redis still down
                    await layer.group_send(BUS_GROUP, layer_message(frame(n), groups=["agents"]))
                await asyncio.sleep(0.1)

        try:
            await delivered(1)
            connection = layer.connection(0)
            await connection.flushall()
            await delivered(2)  # re-joined by the next refresh
            redis_server.stop()
            await asyncio.sleep(0.5)
            redis_server.start()
            await delivered(3)  # re-joined after the receive error
            # It may have missed broadcasts meanwhile: told to reconnect (and `sync`).
            assert sock.closed_with == 4503
        finally:
            await router.leave("agents", sock)
            await layer.close_pools()


async def test_a_socket_gets_only_what_reaches_the_bus_after_it_joined():
    router = bus.router()
    first, late = FakeSocket("first"), FakeSocket("late")
    await router.join("visitors", first)
    try:
        # Still on its way when `late` joins: a channel-layer member that joined after it
        # was sent would never have seen it.
        await asend((["visitors"], frame(1)))
        await router.join("visitors", late)
        await asend((["visitors"], frame(2)))
        await until(lambda: len(first.texts) == 2 and late.texts)
        await asyncio.sleep(0.2)
        assert numbers(first) == [1, 2] and numbers(late) == [2]
    finally:
        await router.leave("visitors", first)
        await router.leave("visitors", late)
