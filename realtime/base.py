"""What agent and visitor sockets share: limits, decoding, dispatch, replies, broadcasts.

Each client frame gets exactly one answer when it carries a `request_id` (an `ack`, an
`error`, or `pong` for `ping`); errors are reported even without one. Nothing a client
sends can make the consumer raise: unexpected exceptions are logged and answered with
`internal_error`, and the socket stays open.
"""

import asyncio
import contextlib
import logging
import uuid

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from conversations.actors import Actor
from livechat.errors import LivechatError
from realtime import actions, frames, groups, presence
from realtime.broadcast import encode_frame
from realtime.config import setting
from realtime.fanout import local_group
from realtime.ratelimit import ALLOW, FLOOD, FrameLimiter
from realtime.typing import TypingRelay

logger = logging.getLogger(__name__)

CLOSE_TOO_LARGE = 1009
CLOSE_RATE_LIMITED = 4429
# Frames over MAX_FRAME_BYTES get `too_large`; past this many times that we do not even
# parse them for their request_id, and close with 1009 (daphne itself stops at 1 MiB).
HARD_LIMIT_FACTOR = 16


# Groups that every socket of a kind joins: one channel-layer member per process.
LOCAL_GROUPS = frozenset({groups.AGENTS})

# conversation -> [lock, users]: this process's sends to one conversation, one at a time.
_turns: dict[str, list] = {}


@contextlib.asynccontextmanager
async def conversation_turn(key: str):
    """Sends to one conversation in turn, so they are broadcast in `seq` order, while sends
    to different conversations run side by side."""
    entry = _turns.get(key)
    if entry is None:
        entry = _turns[key] = [asyncio.Lock(), 0]
    entry[1] += 1
    try:
        async with entry[0]:
            yield
    finally:
        entry[1] -= 1
        if not entry[1]:
            del _turns[key]


def turn_key(conversation_id) -> str:
    try:
        return str(uuid.UUID(str(conversation_id)))
    except ValueError:
        return str(conversation_id)


class Reply:
    """A handler's answer that is not an `ack` (e.g. `pong`)."""

    def __init__(self, frame: dict):
        self.frame = frame


class LivechatConsumer(AsyncWebsocketConsumer):
    role = ""
    # frame type -> handler method name; filled by the subclasses.
    handlers: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor: Actor | None = None
        self.closed = False
        self.joined: set[str] = set()
        self.limiter = FrameLimiter(
            rate=float(setting("RATE_PER_SECOND")),
            burst=float(setting("RATE_BURST")),
            flood_factor=float(setting("FLOOD_FACTOR")),
        )
        self.typing: TypingRelay | None = None
        self._heartbeat: asyncio.Task | None = None
        self._session_started = False

    # --- lifecycle -------------------------------------------------------------------------

    async def start_session(self) -> None:
        """Once authenticated: typing relay, heartbeats, and this process's presence sweep."""
        self.typing = TypingRelay(
            sender=self.actor.as_sender(),
            channel_name=self.channel_name,
            timeout=float(setting("TYPING_TIMEOUT")),
            throttle=float(setting("TYPING_THROTTLE")),
        )
        presence.acquire_process()
        self._session_started = True
        self._heartbeat = asyncio.create_task(self._heartbeat_loop())

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(float(setting("HEARTBEAT_INTERVAL")))
            try:
                await self.heartbeat()
            except Exception:
                logger.exception("heartbeat failed")

    async def heartbeat(self) -> None:
        # Re-joining refreshes the group's expiry, so a socket open for days stays in it.
        for group in list(self.joined):
            if group in LOCAL_GROUPS:
                await local_group(self.channel_layer, group).refresh()
            else:
                await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code) -> None:
        self.closed = True
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        await self._quietly(self.on_disconnect)
        if self.typing is not None:
            await self._quietly(self.typing.stop_all)
        for group in list(self.joined):
            await self._quietly(self.leave, group)
        if self._session_started:
            self._session_started = False
            await self._quietly(presence.release_process)

    async def on_disconnect(self) -> None:
        """Role-specific cleanup, before the groups are left."""

    async def _quietly(self, func, *args) -> None:
        try:
            await func(*args)
        except Exception:
            logger.exception("cleanup step %s failed", getattr(func, "__name__", func))

    async def close_with(self, code: int) -> None:
        if not self.closed:
            self.closed = True
            await self.close(code=code)

    async def dispatch(self, message) -> None:
        """Channels' dispatch, without its `aclose_old_connections()` before every event.

        That call is a hop into the one thread every database call of the process shares,
        for each frame and each broadcast every socket receives, so a busy process queued
        broadcasts behind database work. Our handlers touch the database only through
        `database_sync_to_async`, which closes stale connections itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- groups and outgoing frames -------------------------------------------------------------

    async def join(self, group: str) -> None:
        if group in LOCAL_GROUPS:
            await local_group(self.channel_layer, group).add(self)
        else:
            await self.channel_layer.group_add(group, self.channel_name)
        self.joined.add(group)

    async def leave(self, group: str) -> None:
        self.joined.discard(group)
        if group in LOCAL_GROUPS:
            await local_group(self.channel_layer, group).discard(self)
        else:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def send_frame(self, frame: dict) -> None:
        if not self.closed:
            await self.send(text_data=encode_frame(frame))

    async def forward(self, text: str) -> None:
        """A frame of a process-local group (`realtime.fanout`), already encoded."""
        if not self.closed:
            await self.send(text_data=text)

    async def lc_frame(self, event: dict) -> None:
        """A broadcast from `realtime.broadcast`: already encoded, forwarded verbatim."""
        if self.closed or event.get("exclude") == self.channel_name:
            return
        await self.send(text_data=event["text"])

    # --- incoming frames ------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.closed:
            return
        frame = None
        try:
            frame = await self.admit(text_data if text_data is not None else bytes_data or b"")
            if frame is not None:
                await self.handle_frame(frame)
        except Exception:
            logger.exception("unexpected error handling a %s frame", self.role)
            await self._reply_internal_error(frame)

    async def _reply_internal_error(self, frame) -> None:
        try:
            await self.send_frame(
                frames.error(frames.echo_request_id(frame), "internal_error", "Internal error.")
            )
        except Exception:
            logger.exception("could not report an internal error")

    async def admit(self, raw: str | bytes) -> dict | None:
        """Apply the limits and decode; None when the frame was answered (or the socket closed)."""
        verdict = self.limiter.check()
        if verdict == FLOOD:
            await self.close_with(CLOSE_RATE_LIMITED)
            return None
        size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
        max_bytes = int(setting("MAX_FRAME_BYTES"))
        if size > max_bytes * HARD_LIMIT_FACTOR:
            await self.close_with(CLOSE_TOO_LARGE)
            return None
        try:
            frame = frames.decode(raw)
        except frames.FrameError as exc:
            frame, decode_error = None, exc
        else:
            decode_error = None
        rid = frames.echo_request_id(frame)
        if verdict != ALLOW:
            await self.send_frame(frames.error(rid, "rate_limited", "Too many frames; slow down."))
            return None
        if size > max_bytes:
            message = f"Frames are limited to {max_bytes} bytes."
            await self.send_frame(frames.error(rid, "too_large", message))
            return None
        if decode_error is not None:
            await self.send_frame(frames.error(rid, decode_error.code, decode_error.message))
            return None
        return frame

    async def handle_frame(self, frame: dict) -> None:
        rid = frames.echo_request_id(frame)
        try:
            rid = frames.request_id(frame)
            kind = frames.frame_type(frame)
            result = await self.dispatch_frame(kind, frame)
        except (frames.FrameError, LivechatError) as exc:
            await self.send_frame(frames.error(rid, exc.code, exc.message))
            return
        if isinstance(result, Reply):
            reply = dict(result.frame)
            if rid is not None:
                reply["request_id"] = rid
            await self.send_frame(reply)
        elif rid is not None:
            await self.send_frame(frames.ack(rid, result))

    async def dispatch_frame(self, kind: str, frame: dict):
        method = self.handlers.get(kind)
        if method is None:
            if kind == "auth":
                raise frames.invalid("Already authenticated.")
            if kind in frames.AGENT_ONLY:
                raise frames.FrameError("forbidden", f"Only agents can send {kind}.")
            raise frames.FrameError("unknown_type", f"Unknown frame type: {kind[:64]}.")
        return await getattr(self, method)(frame)

    # --- what the conversation of a frame is (role-specific) -------------------------------------

    async def frame_conversation_id(self, frame: dict) -> str | None:
        """The conversation a frame is about; None when a visitor has none yet."""
        raise NotImplementedError

    # --- handlers both roles share ------------------------------------------------------------

    async def send_in_turn(self, key: str, **kwargs) -> dict:
        """`actions.send_message` in its conversation's turn, on a thread of the pool.

        Not the one thread that `database_sync_to_async` shares by default: there every
        send of the process waited for the previous one's round trips to PostgreSQL and
        Redis. The conversation row lock still orders writes; the turn orders broadcasts.
        """
        async with conversation_turn(key):
            return await database_sync_to_async(actions.send_message, thread_sensitive=False)(
                actor=self.actor, **kwargs
            )

    async def on_ping(self, frame: dict) -> Reply:
        return Reply({"type": "pong"})

    async def on_edit_message(self, frame: dict) -> dict:
        return await database_sync_to_async(actions.edit_message)(
            actor=self.actor,
            message_id=frames.required_id(frame, "message_id"),
            body=frame.get("body"),
        )

    async def on_delete_message(self, frame: dict) -> dict:
        return await database_sync_to_async(actions.delete_message)(
            actor=self.actor, message_id=frames.required_id(frame, "message_id")
        )

    async def on_message_read(self, frame: dict) -> dict:
        seq = frames.required_int(frame, "seq")
        conversation_id = await self.frame_conversation_id(frame)
        return await database_sync_to_async(actions.mark_read)(
            actor=self.actor, conversation_id=conversation_id, seq=seq
        )

    async def on_sync(self, frame: dict) -> dict:
        since_version = frames.optional_int(frame, "since_version", 0)
        conversation_id = await self.frame_conversation_id(frame)
        return await database_sync_to_async(actions.sync)(
            actor=self.actor, conversation_id=conversation_id, since_version=since_version
        )

    async def on_typing_start(self, frame: dict) -> dict:
        target = await self.typing_target(frame)
        if target is not None:
            await self.typing.start(*target)
        return {}

    async def on_typing_stop(self, frame: dict) -> dict:
        target = await self.typing_target(frame)
        if target is not None:
            await self.typing.stop(target[0])
        return {}

    async def typing_target(self, frame: dict) -> tuple[str, list[str]] | None:
        """`(conversation id, groups that see this socket's typing)`, None for nobody."""
        raise NotImplementedError


COMMON_HANDLERS = {
    "ping": "on_ping",
    "send_message": "on_send_message",
    "edit_message": "on_edit_message",
    "delete_message": "on_delete_message",
    "typing:start": "on_typing_start",
    "typing:stop": "on_typing_stop",
    "message:read": "on_message_read",
    "sync": "on_sync",
}
