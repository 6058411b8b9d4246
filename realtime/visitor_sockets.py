"""At most MAX_SOCKETS_PER_VISITOR sockets per visitor token, over every process
(PROTOCOL section 5): when one more authenticates, the oldest are closed with 4409.

With REDIS_URL each visitor's sockets are two sorted sets, `opened` (socket name -> when it
authenticated, which decides the oldest) and `seen` (socket name -> its last heartbeat).
A process that dies runs no disconnect handler, so a socket not seen for PRESENCE_TTL is
forgotten before counting: the sockets of a dead process never close live ones. One Lua
script per change keeps counting and choosing atomic across processes. Without Redis (one
process) a dict does the same.

Liveness is refreshed per process, not per socket: every HEARTBEAT_INTERVAL one script
call marks all of the process's visitor sockets seen (in batches), so 2,000 idle sockets
cost one Redis round trip per interval instead of 2,000 wake-ups and 2,000 round trips.

The rest is a hint, like presence: if Redis fails, the cap is skipped and chatting goes on.
"""

import asyncio
import logging
import weakref
from collections import OrderedDict

import redis.asyncio as aioredis
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from livechat.redis_options import redis_connection_options
from realtime.broadcast import close_sockets
from realtime.close_codes import CloseCode

logger = logging.getLogger(__name__)


class MemoryStore:
    def __init__(self):
        self.sockets: dict[str, OrderedDict[str, None]] = {}

    async def apply(self, op: str, visitor_id: str, channel: str, limit: int) -> list[str]:
        mine = self.sockets.setdefault(visitor_id, OrderedDict())
        if op == "close":
            mine.pop(channel, None)
            if not mine:
                del self.sockets[visitor_id]
            return []
        mine[channel] = None
        victims = list(mine)[: max(0, len(mine) - limit)]
        for victim in victims:
            del mine[victim]
        return victims

    async def heartbeat_many(self, sockets: list[tuple[str, str]]) -> None:
        return None

    async def close(self) -> None:
        return None


# ARGV: prefix, op (open / close), visitor id, channel, ttl, limit.
# Returns the channels to close.
_APPLY = """
local p, op, visitor, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ttl, limit = tonumber(ARGV[5]), tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local opened = p .. ':vsockets:opened:' .. visitor
local seen = p .. ':vsockets:seen:' .. visitor

if op == 'close' then
  redis.call('ZREM', opened, channel)
  redis.call('ZREM', seen, channel)
  return {}
end

for _, dead in ipairs(redis.call('ZRANGEBYSCORE', seen, '-inf', now - ttl)) do
  redis.call('ZREM', opened, dead)
  redis.call('ZREM', seen, dead)
end
redis.call('ZADD', opened, now, channel)
redis.call('ZADD', seen, now, channel)
redis.call('EXPIRE', opened, ttl * 2)
redis.call('EXPIRE', seen, ttl * 2)
local excess = redis.call('ZCARD', opened) - limit
if excess <= 0 then return {} end
local victims = redis.call('ZRANGE', opened, 0, excess - 1)
for _, victim in ipairs(victims) do
  redis.call('ZREM', opened, victim)
  redis.call('ZREM', seen, victim)
end
return victims
"""


# ARGV: prefix, ttl, then visitor id and channel pairs: each socket still counted is seen now.
_HEARTBEAT_MANY = """
local p, ttl = ARGV[1], tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
for i = 3, #ARGV, 2 do
  local opened = p .. ':vsockets:opened:' .. ARGV[i]
  local seen = p .. ':vsockets:seen:' .. ARGV[i]
  if redis.call('ZSCORE', opened, ARGV[i + 1]) then
    redis.call('ZADD', seen, now, ARGV[i + 1])
    redis.call('EXPIRE', opened, ttl * 2)
    redis.call('EXPIRE', seen, ttl * 2)
  end
end
return 0
"""
# Sockets per script call: each call blocks Redis for its length, so keep it short.
HEARTBEAT_BATCH = 500


class RedisStore:
    """Shared by every process on the same Redis and channel prefix; one client per loop."""

    def __init__(self, url: str, prefix: str):
        self.prefix = prefix
        self.client = aioredis.Redis.from_url(
            url,
            **redis_connection_options(
                max_connections=settings.REDIS_MAX_CONNECTIONS, socket_timeout=5
            ),
            decode_responses=True,
        )
        self.script = self.client.register_script(_APPLY)
        self.heartbeat_script = self.client.register_script(_HEARTBEAT_MANY)

    async def apply(self, op: str, visitor_id: str, channel: str, limit: int) -> list[str]:
        ttl = max(1, int(settings.LIVECHAT["PRESENCE_TTL"]))
        return await self.script(args=[self.prefix, op, visitor_id, channel, ttl, limit])

    async def heartbeat_many(self, sockets: list[tuple[str, str]]) -> None:
        ttl = max(1, int(settings.LIVECHAT["PRESENCE_TTL"]))
        for start in range(0, len(sockets), HEARTBEAT_BATCH):
            pairs = [x for pair in sockets[start : start + HEARTBEAT_BATCH] for x in pair]
            await self.heartbeat_script(args=[self.prefix, ttl, *pairs])

    async def close(self) -> None:
        await self.client.aclose()


class _Process:
    """This process's store (per event loop), open while it has visitor sockets."""

    def __init__(self):
        self.users = 0
        self.store = None
        self.sockets: dict[str, str] = {}  # channel -> visitor id, of sockets counted here
        self.task: asyncio.Task | None = None

    def acquire(self):
        self.users += 1
        if self.task is None:
            self.task = asyncio.create_task(self._heartbeats())
        if self.store is None:
            layer = get_channel_layer()
            if isinstance(layer, InMemoryChannelLayer) or not settings.REDIS_URL:
                self.store = MemoryStore()
            else:
                self.store = RedisStore(settings.REDIS_URL, getattr(layer, "prefix", "livechat"))
        return self.store

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(float(settings.LIVECHAT["HEARTBEAT_INTERVAL"]))
            store, sockets = self.store, [(v, c) for c, v in self.sockets.items()]
            if store is None or not sockets:
                continue
            try:
                await store.heartbeat_many(sockets)
            except Exception:
                logger.exception("visitor sockets: heartbeat failed")

    async def release(self) -> None:
        self.users -= 1
        if self.users > 0:
            return
        if self.task is not None:
            self.task.cancel()
            self.task = None
        if self.store is None:
            return
        store, self.store = self.store, None
        try:
            await store.close()
        except Exception:
            logger.warning("closing the visitor sockets' Redis connection failed", exc_info=True)


_processes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _process() -> _Process:
    loop = asyncio.get_running_loop()
    process = _processes.get(loop)
    if process is None:
        process = _processes[loop] = _Process()
    return process


async def _apply(op: str, visitor_id: str, channel: str, *, store=None) -> list[str]:
    limit = int(settings.LIVECHAT["MAX_SOCKETS_PER_VISITOR"])
    store = store or _process().store
    if store is None:
        return []
    try:
        return await store.apply(op, visitor_id, channel, limit)
    except Exception:
        logger.exception("visitor sockets: %s failed", op)
        return []


async def opened(visitor_id: str, channel: str) -> None:
    """A socket of the visitor authenticated: close the oldest beyond the limit (4409)."""
    process = _process()
    store = process.acquire()
    process.sockets[channel] = visitor_id
    victims = await _apply("open", visitor_id, channel, store=store)
    if victims:
        await close_sockets(victims, int(CloseCode.SUPERSEDED))


async def closed(visitor_id: str, channel: str) -> None:
    """A socket that `opened` closed."""
    process = _process()
    process.sockets.pop(channel, None)
    await _apply("close", visitor_id, channel)
    await process.release()
