"""Process-local fan-out for a group that every socket of a kind joins (`agents`).

With every agent socket its own member of the channel-layer group, each broadcast went
through the layer once per socket: a queue per channel, a consumer task woken up, Channels'
dispatch, for each agent socket of the process. Here the process joins the group once, with
one channel, and writes each frame to its local sockets itself. Membership is refreshed on
the members' heartbeats, like any other group, so it survives `group_expiry` and a Redis
restart.
"""

import asyncio
import contextlib
import logging
import time
import weakref

from django.conf import settings

from livechat import metrics
from realtime.broadcast import FRAME_EVENT

logger = logging.getLogger(__name__)


class LocalGroup:
    def __init__(self, layer, group: str):
        self.layer = layer
        self.group = group
        self.members: dict[str, object] = {}  # channel name -> consumer
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.refreshed = 0.0
        self.lock = asyncio.Lock()

    async def add(self, consumer) -> None:
        async with self.lock:
            if self.channel is None:
                # Only a channel that made it into the group counts: if Redis refuses the
                # join, the socket's connect fails, and the next one tries again.
                channel = await self.layer.new_channel()
                await self.layer.group_add(self.group, channel)
                self.channel, self.refreshed = channel, time.monotonic()
                self.task = asyncio.create_task(self._forward(channel))
            self.members[consumer.channel_name] = consumer

    async def discard(self, consumer) -> None:
        async with self.lock:
            self.members.pop(consumer.channel_name, None)
            if self.members or self.channel is None:
                return
            channel, self.channel = self.channel, None
            self.task.cancel()
            self.task = None
            await self.layer.group_discard(self.group, channel)

    async def refresh(self) -> None:
        """Re-join (refreshes `group_expiry`, repairs a Redis that lost its data), at most
        once per heartbeat interval whatever the number of local members."""
        now = time.monotonic()
        if (
            self.channel is None
            or now - self.refreshed < float(settings.LIVECHAT["HEARTBEAT_INTERVAL"]) / 2
        ):
            return
        await self.layer.group_add(self.group, self.channel)
        # Only a join that went through counts: while Redis is down, every heartbeat retries.
        self.refreshed = now

    async def _forward(self, channel: str) -> None:
        while True:
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Redis trouble: broadcasts meanwhile are lost (clients repair with `sync`).
                metrics.channel_layer_errors("receive").inc()
                logger.exception("receiving for the local %s group failed", self.group)
                channel = await self._rejoin()
                continue
            if event.get("type") != FRAME_EVENT:
                continue
            text, exclude = event["text"], event.get("exclude")
            forwarded = 0
            for name, consumer in list(self.members.items()):
                if name == exclude:
                    continue
                try:
                    await consumer.forward(text)
                    forwarded += 1
                except Exception:
                    logger.exception("forwarding a %s frame failed", self.group)
            metrics.frames_out(event.get("frame", "")).inc(forwarded)

    async def _rejoin(self) -> str:
        """After a receive error, join again on a fresh channel as soon as Redis answers.

        A restarted Redis has forgotten the group, and the old channel may hold a
        half-finished receive; waiting for the next heartbeat would leave this process's
        sockets deaf to the other processes meanwhile.
        """
        while True:
            await asyncio.sleep(0.5)
            try:
                channel = await self.layer.new_channel()
                await self.layer.group_add(self.group, channel)
            except Exception as exc:
                logger.debug("rejoining the local %s group: %r", self.group, exc)
                continue
            old, self.channel, self.refreshed = self.channel, channel, time.monotonic()
            if old is not None and old != channel:
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(self.group, old)
            return channel


# event loop -> {(layer id, group): LocalGroup}: tests run a loop (and a layer) per test.
_groups: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def local_group(layer, group: str) -> LocalGroup:
    loop = asyncio.get_running_loop()
    per_loop = _groups.setdefault(loop, {})
    key = (id(layer), group)
    found = per_loop.get(key)
    if found is None or found.layer is not layer:
        found = per_loop[key] = LocalGroup(layer, group)
    return found
