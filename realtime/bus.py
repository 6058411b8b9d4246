"""One channel-layer member per process for every group: the bus and its router.

A broadcast is one message to the bus group (`BUS_GROUP`) carrying the groups it is for and
its frame, encoded once; on channels-redis' core layer `publish` puts it on every process's
bus channel in one round trip (`CorePublisher`), elsewhere it is the layer's `group_send`.
Every process has one channel in that group and one task reading it; the router delivers
each event to the process's sockets that joined any of its groups, each socket at most once,
in the order received. Groups are process-local dicts here, so joining and leaving cost no
Redis operation, and only the process's bus membership needs refreshing (`group_expiry`, a
Redis that lost its data).

Every process receives every event: one receive per process per broadcast, which is what a
deployment of a handful of processes wants (docs/performance.md compares the other designs).

Sockets have no channel-layer channel of their own (the consumers' `channel_layer_alias`
names no layer); `socket_id()` gives each a name unique across processes, which presence,
the visitor socket cap and typing's `exclude` use where they used the channel name.
"""

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
import weakref

from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from livechat import metrics
from realtime.close_codes import CloseCode

logger = logging.getLogger(__name__)

# The one channel-layer group: a member per process.
BUS_GROUP = "lc.bus"
# Bus message types: a frame for `groups`, or a close of `groups` and/or `sockets`.
FRAME_EVENT = "lc.frame"
CLOSE_EVENT = "lc.close"

# The bus channels' names start so: `CHANNEL_LAYERS` gives them their own capacity.
BUS_CHANNEL_PREFIX = "lcbus."

# Core layer: at most this many events popped in one round trip.
RECEIVE_BATCH = 256

# A join's marker, sent by the process to its own bus channel (`Router.join`).
JOIN_EVENT = "lc.join"
# How long a join waits for its marker before joining without it (Redis lost it).
JOIN_TIMEOUT = 5.0

_process = uuid.uuid4().hex
_numbers = itertools.count(1)


def _raise_if_cancelled() -> None:
    """redis-py can turn the cancellation of a command into another exception; a task
    being cancelled must still end, or the loop's shutdown waits for it for ever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def socket_id() -> str:
    """A name for one socket, unique across processes (it never names a channel)."""
    return f"{_process}#{next(_numbers)}"


class CoreReader:
    """Reads the bus channel of channels-redis' core layer in batches.

    The layer's own `receive` costs four round trips per message (a cleanup EVAL, BZPOPMIN,
    and a ZADD and ZPOPMIN of its in-flight backup) and pops one message at a time. The bus
    channel is a general channel (no `!`) with a Redis key of its own that only this process
    reads, so it can pop up to RECEIVE_BATCH messages with one ZPOPMIN, and block in
    BZPOPMIN only when there was nothing: one round trip per batch under load, two per
    message when idle. Without the backup, a message popped by a process that dies before
    delivering it is lost, which its sockets (gone with it) would not notice anyway.
    """

    def __init__(self, layer, channel: str):
        self.layer = layer
        self.channel = channel
        # Where `group_send` and `send` put a general channel's messages.
        self.key = layer.prefix + channel
        self.index = layer.consistent_hash(channel)

    async def receive(self) -> list[dict]:
        connection = self.layer.connection(self.index)
        popped = await connection.zpopmin(self.key, RECEIVE_BATCH)
        if not popped:
            found = await connection.bzpopmin(self.key, timeout=self.layer.brpop_timeout)
            popped = [] if found is None else [(found[1], found[2])]
        events = []
        for member, _score in popped:
            event = self.layer.deserialize(member)
            event.pop("__asgi_channel__", None)
            events.append(event)
        return events


class CorePublisher:
    """Puts a bus message on every member's channel in one round trip (a script).

    channels-redis' `group_send` takes four: it drops the group's expired members, reads the
    group, drops each channel's expired messages in a pipeline, then adds the message to
    each channel within its capacity in a script sent whole each time. The script below
    does the same, with the same keys, scores, expiries and capacity, so a process on the
    layer's own `group_send` (or `receive`) and one on this interoperate. A member with a
    process-specific name (`…!…`, never a bus channel; a test listening in) needs the
    layer's per-channel envelope: the script leaves those to `layer.send`.
    """

    SCRIPT = """
    redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1])
    local members = redis.call('ZRANGE', KEYS[1], 0, -1)
    local over, specific = 0, {}
    for i = 1, #members do
        local channel = members[i]
        if string.find(channel, '!', 1, true) then
            specific[#specific + 1] = channel
        else
            local key = ARGV[2] .. channel
            redis.call('ZREMRANGEBYSCORE', key, 0, ARGV[5])
            if redis.call('ZCARD', key) < tonumber(ARGV[4]) then
                redis.call('ZADD', key, ARGV[6], ARGV[3])
                redis.call('EXPIRE', key, ARGV[7])
            else
                over = over + 1
            end
        end
    end
    return {over, specific}
    """

    def __init__(self, layer: RedisChannelLayer):
        self.layer = layer
        self.group_key = layer._group_key(BUS_GROUP)
        self.index = layer.consistent_hash(BUS_GROUP)
        # Every bus channel has this capacity (`CHANNEL_LAYERS`' `channel_capacity`).
        self.capacity = layer.get_capacity(BUS_CHANNEL_PREFIX)
        self.script = None

    @staticmethod
    def usable(layer) -> bool:
        # With several Redis hosts a channel's key may live on another one than the group.
        return type(layer) is RedisChannelLayer and layer.ring_size == 1

    async def publish(self, message: dict) -> None:
        connection = self.layer.connection(self.index)
        if self.script is None:
            self.script = connection.register_script(self.SCRIPT)
        now = time.time()
        over, specific = await self.script(
            keys=[self.group_key],
            args=[
                int(now) - self.layer.group_expiry,
                self.layer.prefix,
                self.layer.serialize(message),
                self.capacity,
                int(now) - int(self.layer.expiry),
                now,
                self.layer.expiry,
            ],
            client=connection,
        )
        if over:
            metrics.channel_layer_errors("over_capacity").inc(over)
            logger.warning("%s bus channel(s) over capacity: a broadcast was dropped", over)
        for channel in specific:
            await self.layer.send(channel.decode(), message)


async def publish(message: dict) -> None:
    """`message` to every process's bus channel."""
    layer = get_channel_layer()
    if not CorePublisher.usable(layer):
        await layer.group_send(BUS_GROUP, message)
        return
    publisher = getattr(layer, "_livechat_publisher", None)
    if publisher is None:
        publisher = layer._livechat_publisher = CorePublisher(layer)
    await publisher.publish(message)


class LayerReader:
    """Any other layer (in-memory, pub/sub): one `receive` per event, from a local queue."""

    def __init__(self, layer, channel: str):
        self.layer = layer
        self.channel = channel

    async def receive(self) -> list[dict]:
        return [await self.layer.receive(self.channel)]


async def _bus_channel(layer) -> str:
    if isinstance(layer, RedisPubSubChannelLayer):
        # Pub/sub delivers only to channels this process subscribed with `new_channel`.
        return await layer.new_channel(prefix=BUS_CHANNEL_PREFIX)
    # A general name rather than `new_channel()`'s `specific.<client>!…`: on the core layer
    # those share one Redis key and one receive lock with every other specific channel of
    # the process (the health check's), which would block our batched pops or race them.
    return f"{BUS_CHANNEL_PREFIX}{uuid.uuid4().hex}"


class Router:
    """This process's sockets by group, and the task that delivers the bus's events."""

    def __init__(self, layer):
        self.layer = layer
        self.groups: dict[str, dict[str, object]] = {}  # group -> {socket id: consumer}
        self.memberships: dict[str, set[str]] = {}  # socket id -> its groups
        self.sockets: dict[str, object] = {}  # socket id -> consumer, while in a group
        self.channel: str | None = None
        self.tasks: list[asyncio.Task] = []
        self.lock = asyncio.Lock()
        self.pending: dict[int, tuple[str, object, asyncio.Future]] = {}  # joins in flight
        self._tokens = itertools.count(1)

    # --- membership (in memory) --------------------------------------------------------

    async def join(self, group: str, sock) -> None:
        """Join from the bus's point of view "now": the socket gets exactly the events of
        `group` that reach the bus after its marker, as it would have from a channel-layer
        `group_add`. Joining at once instead would hand it events published before it
        joined that were still on their way (say an `agents:availability` older than the
        one its `hello` just read), so the marker goes round through Redis, and the receive
        loop adds the socket when it meets it, in order with the events."""
        async with self.lock:
            if self.channel is None:
                await self._start()
            token = next(self._tokens)
            done = asyncio.get_running_loop().create_future()
            self.pending[token] = (group, sock, done)
            channel = self.channel
        try:
            await self.layer.send(channel, {"type": JOIN_EVENT, "token": token})
        except Exception:
            self.pending.pop(token, None)
            metrics.channel_layer_errors("group_add").inc()
            await self._stop_if_unused()
            raise
        try:
            await asyncio.wait_for(asyncio.shield(done), JOIN_TIMEOUT)
        except TimeoutError:
            logger.warning("a join's marker did not come back; joining without it")
            self._joined(token)

    def _joined(self, token: int) -> None:
        found = self.pending.pop(token, None)
        if found is None:
            return
        group, sock, done = found
        sid = sock.channel_name
        self.groups.setdefault(group, {})[sid] = sock
        self.memberships.setdefault(sid, set()).add(group)
        self.sockets[sid] = sock
        if not done.done():
            done.set_result(None)

    async def leave(self, group: str, sock) -> None:
        sid = sock.channel_name
        members = self.groups.get(group)
        if members is not None:
            members.pop(sid, None)
            if not members:
                del self.groups[group]
        joined = self.memberships.get(sid)
        if joined is not None:
            joined.discard(group)
            if not joined:
                del self.memberships[sid]
                del self.sockets[sid]
        await self._stop_if_unused()

    async def _stop_if_unused(self) -> None:
        if not self.memberships and not self.pending and self.channel is not None:
            async with self.lock:
                if not self.memberships and not self.pending and self.channel is not None:
                    await self._stop()

    # --- the bus membership ------------------------------------------------------------

    async def _start(self) -> None:
        # Only a channel that made it into the group counts: if Redis refuses the join, the
        # socket's connect fails, and the next one tries again.
        channel = await _bus_channel(self.layer)
        try:
            await self.layer.group_add(BUS_GROUP, channel)
        except Exception:
            metrics.channel_layer_errors("group_add").inc()
            raise
        self.channel = channel
        reader = (CoreReader if isinstance(self.layer, RedisChannelLayer) else LayerReader)(
            self.layer, channel
        )
        self.tasks = [
            asyncio.create_task(self._receive_loop(reader)),
            asyncio.create_task(self._refresh_loop()),
        ]

    async def _stop(self) -> None:
        channel, self.channel = self.channel, None
        for task in self.tasks:
            task.cancel()
        self.tasks = []
        with contextlib.suppress(Exception):
            await self.layer.group_discard(BUS_GROUP, channel)

    async def _refresh_loop(self) -> None:
        """Re-join every HEARTBEAT_INTERVAL: refreshes `group_expiry`, and puts the process
        back in a group that a restarted (or flushed) Redis forgot."""
        while True:
            await asyncio.sleep(float(settings.LIVECHAT["HEARTBEAT_INTERVAL"]))
            await self.refresh()

    async def refresh(self) -> None:
        if self.channel is None:
            return
        try:
            await self.layer.group_add(BUS_GROUP, self.channel)
        except Exception as exc:
            _raise_if_cancelled()
            # Redis is away; the receive loop notices too, and the next refresh retries.
            metrics.channel_layer_errors("group_add").inc()
            logger.warning("refreshing the bus membership failed: %r", exc)

    async def _receive_loop(self, reader) -> None:
        while True:
            try:
                events = await reader.receive()
            except asyncio.CancelledError:
                raise
            except Exception:
                _raise_if_cancelled()
                metrics.channel_layer_errors("receive").inc()
                logger.exception("receiving from the bus failed")
                # Redis trouble: broadcasts meanwhile are lost. An open socket would not
                # know it had missed any, so they all close (4503: reconnect with backoff),
                # and reconnect, and `sync`, once Redis answers. (With a socket channel
                # each, they closed when their own receive failed.)
                await self._close_all(CloseCode.TRY_AGAIN)
                if self.channel is None:
                    return  # the last socket's leave stopped the router
                # A restarted Redis has forgotten the group: join again as soon as it answers
                # rather than at the next refresh.
                await self._rejoin()
                continue
            for event in events:
                try:
                    await self.deliver(event)
                except Exception:
                    logger.exception("delivering a bus event failed")

    async def _close_all(self, code: int) -> None:
        for sock in list(self.sockets.values()):
            with contextlib.suppress(Exception):
                await sock.close_with(int(code))

    async def _rejoin(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            try:
                await self.layer.group_add(BUS_GROUP, self.channel)
                return
            except Exception as exc:
                _raise_if_cancelled()
                logger.debug("rejoining the bus: %r", exc)

    # --- delivery ----------------------------------------------------------------------

    def targets(self, event: dict) -> list:
        """The local sockets an event is for, each once, in a stable order."""
        found: dict[str, object] = {}
        exclude = event.get("exclude")
        for group in event.get("groups", ()):
            for sid, sock in self.groups.get(group, {}).items():
                if sid != exclude:
                    found.setdefault(sid, sock)
        for sid in event.get("sockets", ()):
            sock = self.sockets.get(sid)
            if sock is not None:
                found.setdefault(sid, sock)
        return list(found.values())

    async def deliver(self, event: dict) -> None:
        kind = event.get("type")
        if kind == FRAME_EVENT:
            text = event["text"]
            forwarded = 0
            for sock in self.targets(event):
                try:
                    await sock.forward(text)
                    forwarded += 1
                except Exception:
                    logger.exception("forwarding a frame failed")
            if forwarded:
                metrics.frames_out(event.get("frame", "")).inc(forwarded)
        elif kind == JOIN_EVENT:
            self._joined(event["token"])
        elif kind == CLOSE_EVENT:
            for sock in self.targets(event):
                with contextlib.suppress(Exception):
                    await sock.close_with(int(event["code"]))


# event loop -> Router: tests run a loop (and a layer) per test; a process runs one loop.
_routers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def router() -> Router:
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    found = _routers.get(loop)
    if found is None or found.layer is not layer:
        found = _routers[loop] = Router(layer)
    return found
