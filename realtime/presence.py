"""Agent presence: online while at least one socket is open, in any process.

Each agent socket is an entry `channel name -> last heartbeat` in a per-agent sorted set;
an entry older than PRESENCE_TTL is dead. Every socket heartbeats every HEARTBEAT_INTERVAL,
and every process sweeps every HEARTBEAT_INTERVAL, so when a process dies without running
a single disconnect handler its entries expire and a surviving process reports the agent
offline. An agent is `away` after `presence:set away` (until `online`, or until its last
socket closes); the widget's `agents:availability` is true while any agent is `online`.

Status transitions are decided atomically by the store (a Lua script in Redis), so exactly
one process sees each change and broadcasts it once. Without REDIS_URL (one process) a
dict does the same job.
"""

import asyncio
import logging
import weakref
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from livechat.redis_options import redis_connection_options
from realtime import events
from realtime.broadcast import asend

logger = logging.getLogger(__name__)

ONLINE, AWAY, OFFLINE = "online", "away", "offline"


@dataclass(frozen=True)
class Change:
    agent_id: str
    name: str
    status: str


@dataclass
class Outcome:
    changes: list[Change] = field(default_factory=list)
    available: bool | None = None  # the new availability when it flipped, else None


class MemoryPresenceStore:
    """One process: no expiry needed, a process that dies takes every socket with it."""

    def __init__(self):
        self.sockets: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}
        self.away: set[str] = set()
        self.status: dict[str, str] = {}
        self.available = False

    async def apply(self, op: str, agent_id: str = "", channel: str = "", name: str = ""):
        # (One process: a socket's heartbeat cannot overtake its own disconnect here, the
        # consumer checks that it is still open right before.)
        if op in ("connect", "heartbeat"):
            self.sockets.setdefault(agent_id, set()).add(channel)
            self.names[agent_id] = name
        elif op == "disconnect":
            self.sockets.get(agent_id, set()).discard(channel)
        elif op == AWAY:
            if self.sockets.get(agent_id):
                self.away.add(agent_id)
        elif op == ONLINE:
            self.away.discard(agent_id)
        agents = list(self.sockets) if op == "sweep" else [agent_id]
        outcome = Outcome()
        for agent in agents:
            live = self.sockets.get(agent)
            new = OFFLINE if not live else (AWAY if agent in self.away else ONLINE)
            old = self.status.get(agent, OFFLINE)
            if new == old:
                continue
            outcome.changes.append(Change(agent, self.names.get(agent, ""), new))
            if new == OFFLINE:
                self.status.pop(agent, None)
                self.sockets.pop(agent, None)
                self.away.discard(agent)
            else:
                self.status[agent] = new
        available = ONLINE in self.status.values()
        if available != self.available:
            self.available = outcome.available = available
        return outcome

    async def snapshot(self) -> list[Change]:
        return [Change(a, self.names.get(a, ""), s) for a, s in sorted(self.status.items())]

    async def is_available(self) -> bool:
        return self.available

    async def close_loop_resources(self) -> None:
        return None


# ARGV: prefix, op, ttl, agent id, channel name, agent name.
# Returns {availability flip ("" / "0" / "1"), agent, name, status, agent, name, status, ...}.
_APPLY = """
local p, op, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local agent, channel, name = ARGV[4], ARGV[5], ARGV[6]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local index, names = p .. ':presence:agents', p .. ':presence:names'
local away, status = p .. ':presence:away', p .. ':presence:status'
local avail = p .. ':presence:available'
local function sockets(a) return p .. ':presence:sockets:' .. a end

-- A socket that said goodbye stays gone: a heartbeat of it that was already on its way
-- (or that raced its disconnect) must not bring its agent back online.
local gone = p .. ':presence:gone:' .. channel
if op == 'connect' or (op == 'heartbeat' and redis.call('EXISTS', gone) == 0) then
  redis.call('ZADD', sockets(agent), now, channel)
  redis.call('EXPIRE', sockets(agent), ttl * 2)
  redis.call('SADD', index, agent)
  redis.call('HSET', names, agent, name)
elseif op == 'disconnect' then
  redis.call('ZREM', sockets(agent), channel)
  redis.call('SET', gone, '1', 'EX', ttl * 2)
elseif op == 'away' then
  if redis.call('ZCARD', sockets(agent)) > 0 then redis.call('SADD', away, agent) end
elseif op == 'online' then
  redis.call('SREM', away, agent)
end

local agents
if op == 'sweep' then agents = redis.call('SMEMBERS', index) else agents = {agent} end
local out = {''}
for _, a in ipairs(agents) do
  redis.call('ZREMRANGEBYSCORE', sockets(a), '-inf', now - ttl)
  local new = 'offline'
  if redis.call('ZCARD', sockets(a)) > 0 then
    if redis.call('SISMEMBER', away, a) == 1 then new = 'away' else new = 'online' end
  end
  local old = redis.call('HGET', status, a) or 'offline'
  if new ~= old then
    table.insert(out, a)
    table.insert(out, redis.call('HGET', names, a) or '')
    table.insert(out, new)
    if new == 'offline' then
      redis.call('HDEL', status, a)
      redis.call('SREM', away, a)
      redis.call('SREM', index, a)
      redis.call('DEL', sockets(a))
    else
      redis.call('HSET', status, a, new)
    end
  end
end

local any = '0'
for _, s in ipairs(redis.call('HVALS', status)) do
  if s == 'online' then any = '1' break end
end
if (redis.call('GET', avail) or '0') ~= any then
  redis.call('SET', avail, any)
  out[1] = any
end
return out
"""


class RedisPresenceStore:
    """Shared by every process on the same Redis and channel prefix."""

    def __init__(self, url: str, prefix: str):
        self.url = url
        self.prefix = prefix
        # redis.asyncio connections belong to the event loop that opened them.
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _client(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        entry = self._clients.get(loop)
        if entry is None:
            client = aioredis.Redis.from_url(
                self.url,
                **redis_connection_options(
                    max_connections=settings.REDIS_MAX_CONNECTIONS, socket_timeout=5
                ),
                decode_responses=True,
            )
            entry = (client, client.register_script(_APPLY))
            self._clients[loop] = entry
        return entry

    async def apply(self, op: str, agent_id: str = "", channel: str = "", name: str = ""):
        ttl = max(1, int(settings.LIVECHAT["PRESENCE_TTL"]))
        _client, script = self._client()
        result = await script(args=[self.prefix, op, ttl, agent_id, channel, name])
        flip, rest = result[0], result[1:]
        changes = [Change(rest[i], rest[i + 1], rest[i + 2]) for i in range(0, len(rest), 3)]
        return Outcome(changes=changes, available=None if flip == "" else flip == "1")

    async def snapshot(self) -> list[Change]:
        client, _script = self._client()
        statuses = await client.hgetall(f"{self.prefix}:presence:status")
        if not statuses:
            return []
        names = await client.hmget(f"{self.prefix}:presence:names", list(statuses))
        return [
            Change(agent, name or "", status)
            for (agent, status), name in sorted(zip(statuses.items(), names, strict=True))
        ]

    async def is_available(self) -> bool:
        client, _script = self._client()
        return await client.get(f"{self.prefix}:presence:available") == "1"

    async def close_loop_resources(self) -> None:
        entry = self._clients.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await entry[0].aclose()


# One store per channel layer: tests that swap the layer (a fresh prefix) get a fresh store.
_stores: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def get_store():
    layer = get_channel_layer()
    store = _stores.get(layer)
    if store is None:
        if isinstance(layer, InMemoryChannelLayer) or not settings.REDIS_URL:
            store = MemoryPresenceStore()
        else:
            store = RedisPresenceStore(settings.REDIS_URL, getattr(layer, "prefix", "livechat"))
        _stores[layer] = store
    return store


async def publish(outcome: Outcome, *, exclude: str | None = None) -> None:
    for change in outcome.changes:
        event = events.presence_update(
            agent_id=change.agent_id, name=change.name, status=change.status
        )
        await asend(event, exclude_channel=exclude)
    if outcome.available is not None:
        await asend(events.agents_availability(outcome.available))


async def _apply(op: str, *, agent_id: str = "", channel: str = "", name: str = "") -> Outcome:
    try:
        return await get_store().apply(op, agent_id, channel, name)
    except Exception:
        # Presence is a hint; a Redis hiccup must not break chatting. The next heartbeat
        # or sweep puts it right.
        logger.exception("presence %s failed", op)
        return Outcome()


async def agent_connected(agent_id: str, name: str, channel: str) -> None:
    # The connecting socket learns its own status from `hello`.
    outcome = await _apply("connect", agent_id=agent_id, channel=channel, name=name)
    await publish(outcome, exclude=channel)


async def agent_heartbeat(agent_id: str, name: str, channel: str) -> None:
    await publish(await _apply("heartbeat", agent_id=agent_id, channel=channel, name=name))


async def agent_disconnected(agent_id: str, channel: str) -> None:
    await publish(await _apply("disconnect", agent_id=agent_id, channel=channel))


async def agent_set_status(agent_id: str, status: str) -> None:
    await publish(await _apply(status, agent_id=agent_id))


async def sweep() -> None:
    await publish(await _apply("sweep"))


async def snapshot() -> list[dict]:
    try:
        changes = await get_store().snapshot()
    except Exception:
        logger.exception("presence snapshot failed")
        return []
    return [{"agent": {"id": c.agent_id, "name": c.name}, "status": c.status} for c in changes]


async def agents_available() -> bool:
    try:
        return await get_store().is_available()
    except Exception:
        logger.exception("presence availability failed")
        return False


class _Sweeper:
    """Runs `sweep()` every HEARTBEAT_INTERVAL while this process has sockets open."""

    def __init__(self):
        self.users = 0
        self.task: asyncio.Task | None = None
        self.store = None

    def acquire(self) -> None:
        self.users += 1
        if self.task is None:
            self.store = get_store()
            self.task = asyncio.create_task(self._run())

    async def release(self) -> None:
        self.users -= 1
        if self.users > 0 or self.task is None:
            return
        task, self.task = self.task, None
        task.cancel()
        store, self.store = self.store, None
        try:
            await store.close_loop_resources()
        except Exception:
            logger.warning("closing the presence connection failed", exc_info=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(float(settings.LIVECHAT["HEARTBEAT_INTERVAL"]))
            try:
                await sweep()
            except Exception:
                logger.exception("presence sweep failed")


_sweepers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _sweeper() -> _Sweeper:
    loop = asyncio.get_running_loop()
    sweeper = _sweepers.get(loop)
    if sweeper is None:
        sweeper = _sweepers[loop] = _Sweeper()
    return sweeper


def acquire_process() -> None:
    """A socket opened in this process (agent or visitor): keep sweeping."""
    _sweeper().acquire()


async def release_process() -> None:
    await _sweeper().release()
