"""Typing indicators: relayed to the other side, never stored.

One `TypingRelay` per socket. The server sends `typing:stop` itself when a typist goes
quiet (TYPING_TIMEOUT after the last `typing:start`) or disconnects, so an indicator can
never stick; repeated `typing:start` is relayed at most once per TYPING_THROTTLE.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field

from realtime import events
from realtime.broadcast import asend

logger = logging.getLogger(__name__)


@dataclass
class _Typing:
    groups: list[str]
    last_sent: float
    timer: asyncio.Task | None = field(default=None, repr=False)


class TypingRelay:
    def __init__(self, *, sender: dict, channel_name: str, timeout: float, throttle: float):
        self.sender = sender
        self.channel_name = channel_name
        self.timeout = timeout
        self.throttle = throttle
        self._active: dict[str, _Typing] = {}

    async def start(self, conversation_id: str, groups: list[str]) -> None:
        now = time.monotonic()
        state = self._active.get(conversation_id)
        if state is None or now - state.last_sent >= self.throttle:
            if state is None:
                state = self._active[conversation_id] = _Typing(groups=groups, last_sent=now)
            state.last_sent = now
            await self._send(events.typing_started, conversation_id, groups)
        self._restart_timer(conversation_id, state)

    async def stop(self, conversation_id: str) -> None:
        state = self._active.pop(conversation_id, None)
        if state is None:
            return
        self._cancel(state)
        await self._send(events.typing_stopped, conversation_id, state.groups)

    async def stop_all(self) -> None:
        for conversation_id in list(self._active):
            await self.stop(conversation_id)

    def _restart_timer(self, conversation_id: str, state: _Typing) -> None:
        self._cancel(state)
        state.timer = asyncio.create_task(self._expire(conversation_id, state))

    @staticmethod
    def _cancel(state: _Typing) -> None:
        if state.timer is not None and state.timer is not asyncio.current_task():
            state.timer.cancel()
        state.timer = None

    async def _expire(self, conversation_id: str, state: _Typing) -> None:
        await asyncio.sleep(self.timeout)
        if self._active.get(conversation_id) is state:
            try:
                await self.stop(conversation_id)
            except Exception:
                logger.exception("automatic typing:stop failed")

    async def _send(self, build, conversation_id: str, groups: list[str]) -> None:
        event = build(conversation_id=conversation_id, sender=self.sender, recipients=groups)
        await asend(event, exclude_channel=self.channel_name)
