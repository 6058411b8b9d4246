"""What agent and visitor sockets share: limits, decoding, dispatch, replies, broadcasts.

Each client frame gets exactly one answer when it carries a `request_id` (an `ack`, an
`error`, or `pong` for `ping`); errors are reported even without one. Nothing a client
sends can make the consumer raise: unexpected exceptions are logged and answered with
`internal_error`, and the socket stays open.
"""

import asyncio
import logging
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError

from conversations.actors import Actor
from livechat import metrics
from livechat.errors import DATABASE_UNAVAILABLE, LivechatError, Unavailable
from livechat.wire import encode_json
from realtime import bus, frames, presence
from realtime.close_codes import CloseCode
from realtime.handlers import CLIENT_FRAMES, Reply
from realtime.ratelimit import ALLOW, FLOOD, FrameLimiter
from realtime.typing import TypingRelay

logger = logging.getLogger(__name__)

# Frames over MAX_FRAME_BYTES get `too_large`; past this many times that we do not even
# parse them for their request_id, and close with 1009 (daphne itself stops at 1 MiB).
HARD_LIMIT_FACTOR = 16


# The scope key under which `realtime.routing.KeepServerSend` keeps the server's `send`.
SERVER_SEND = "livechat.server_send"


def limit(name: str):
    return settings.LIVECHAT[name]


# Client frame types as metric labels: the contract's, never whatever a client made up.
FRAME_LABELS = frozenset(CLIENT_FRAMES) | {"auth"}


def frame_label(frame: dict | None) -> str:
    if frame is None:
        return "rejected"
    kind = frame.get("type")
    return kind if isinstance(kind, str) and kind in FRAME_LABELS else "unknown"


class LivechatConsumer(AsyncWebsocketConsumer):
    role = ""
    # Whether each socket runs `heartbeat()` every HEARTBEAT_INTERVAL (agents: presence,
    # session checks). Visitor sockets need none of their own: their liveness is refreshed
    # per process (`realtime.visitor_sockets`), so an idle socket wakes nothing up.
    socket_heartbeat = True
    # No layer by this name: Channels then gives a socket no channel of its own and no
    # task reading it (`AsyncConsumer.__call__`). Broadcasts reach sockets through the
    # process's router (`realtime.bus`), which joins the channel layer once per process.
    channel_layer_alias = "livechat.sockets-have-no-channel"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Unique across processes: presence, the visitor socket cap and typing's `exclude`
        # know a socket by it.
        self.channel_name = bus.socket_id()
        self.actor: Actor | None = None
        self.closed = False
        self.joined: set[str] = set()
        self.limiter = FrameLimiter(
            rate=float(limit("RATE_PER_SECOND")),
            burst=float(limit("RATE_BURST")),
            flood_factor=float(limit("FLOOD_FACTOR")),
        )
        self.typing: TypingRelay | None = None
        self._heartbeat: asyncio.Task | None = None
        self._session_started = False
        self._counted_as: str | None = None  # the role this socket counts as (metrics)
        self._received_at = 0.0  # when the frame being handled arrived

    def _count_as(self, role: str | None) -> None:
        if self._counted_as is not None:
            metrics.open_sockets(self._counted_as).dec()
        if role is not None:
            metrics.open_sockets(role).inc()
        self._counted_as = role

    # --- lifecycle -------------------------------------------------------------------------

    async def accept(self, subprotocol=None, headers=None) -> None:
        await super().accept(subprotocol, headers)
        # A visitor socket is accepted before it authenticates.
        self._count_as(self.role if self.actor is not None else "unauthenticated")

    async def start_session(self) -> None:
        """Once authenticated: typing relay, heartbeats, and this process's presence sweep."""
        self.typing = TypingRelay(
            sender=self.actor.as_sender(),
            channel_name=self.channel_name,
            timeout=float(limit("TYPING_TIMEOUT")),
            throttle=float(limit("TYPING_THROTTLE")),
        )
        presence.acquire_process()
        self._session_started = True
        self._count_as(self.role)
        if self.socket_heartbeat:
            self._heartbeat = asyncio.create_task(self._heartbeat_loop())

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(float(limit("HEARTBEAT_INTERVAL")))
            try:
                await self.heartbeat()
            except Exception:
                metrics.channel_layer_errors("heartbeat").inc()
                logger.exception("heartbeat failed")

    async def heartbeat(self) -> None:
        """Role-specific liveness (presence, the visitor socket cap). Groups need none: they
        are the router's memory, and the router refreshes the process's bus membership."""

    async def disconnect(self, code) -> None:
        self.closed = True
        self._count_as(None)
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
            # A plain int: autobahn (under daphne) refuses an IntEnum member.
            await self.close(code=int(code))

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
        await bus.router().join(group, self)
        self.joined.add(group)

    async def leave(self, group: str) -> None:
        self.joined.discard(group)
        await bus.router().leave(group, self)

    async def write_text(self, text: str) -> None:
        """One text frame to the client, through the server's own `send` when the stack
        kept it (`realtime.routing.KeepServerSend`): Channels' session wrapper and its two
        `send` layers only pass a `websocket.send` on, at a cost paid for every frame."""
        await self.scope.get(SERVER_SEND, self.base_send)({"type": "websocket.send", "text": text})

    async def send_frame(self, frame: dict) -> None:
        if not self.closed:
            await self.write_text(encode_json(frame))
            metrics.frame_sent(frame)

    async def forward(self, text: str) -> None:
        """A broadcast frame from the router (`realtime.bus`, which counts it), already
        encoded, sent verbatim."""
        if not self.closed:
            await self.write_text(text)

    # --- incoming frames ------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.closed:
            return
        self._received_at = time.perf_counter()
        frame = None
        try:
            frame = await self.admit(text_data if text_data is not None else bytes_data or b"")
            metrics.frames_in(self.role, frame_label(frame)).inc()
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
            await self.close_with(CloseCode.RATE_LIMITED)
            return None
        size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
        max_bytes = int(limit("MAX_FRAME_BYTES"))
        if size > max_bytes * HARD_LIMIT_FACTOR:
            await self.close_with(CloseCode.TOO_LARGE)
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
        except DATABASE_UNAVAILABLE as exc:
            logger.warning("database unavailable for a %s frame: %r", self.role, exc)
            unavailable = Unavailable()
            await self.send_frame(frames.error(rid, unavailable.code, unavailable.message))
            return
        if isinstance(result, Reply):
            reply = dict(result.frame)
            if rid is not None:
                reply["request_id"] = rid
            await self.send_frame(reply)
        elif rid is not None and not self.closed:
            text = encode_json(frames.ack(rid, result))
            self.charge_for(text)
            await self.write_text(text)
            metrics.frames_out("ack").inc()
            if kind == "sync":
                metrics.sync_answered(len(result["messages"]), text)
        else:
            return  # nothing answered, nothing to time (e.g. typing without a request_id)
        metrics.frame_seconds(kind).observe(time.perf_counter() - self._received_at)

    def charge_for(self, text: str) -> None:
        """A big answer (a `sync` of long messages) costs what it costs to build and send:
        it counts as several frames against the rate limit."""
        unit = int(limit("REPLY_BYTES_PER_FRAME"))
        if len(text) * 4 >= unit:  # at most 4 bytes a character: only then count bytes
            self.limiter.charge(len(text.encode()) // unit)

    async def dispatch_frame(self, kind: str, frame: dict):
        spec = CLIENT_FRAMES.get(kind)
        if spec is None:
            if kind == "auth":
                raise frames.invalid("Already authenticated.")
            raise frames.FrameError("unknown_type", f"Unknown frame type: {kind[:64]}.")
        if self.role not in spec.roles:
            who = "agents" if "agent" in spec.roles else "visitors"
            raise frames.FrameError("forbidden", f"Only {who} can send {kind}.")
        return await spec.handler(self, frame)

    # --- what handlers ask of a socket ----------------------------------------------------------

    async def call(self, func, *, thread_sensitive: bool = True, **kwargs):
        """`func(actor=…, **kwargs)` from `realtime.service_calls`, off the event loop."""
        try:
            return await database_sync_to_async(func, thread_sensitive=thread_sensitive)(
                actor=self.actor, **kwargs
            )
        except DatabaseError as exc:
            metrics.database_error_seen(exc, where="websocket")
            raise

    async def call_async(self, func, **kwargs):
        """`await func(actor=…, **kwargs)`: a coroutine that does its database work on the
        event loop (`messaging.fast_send`), its errors counted as `call`'s are."""
        try:
            return await func(actor=self.actor, **kwargs)
        except DatabaseError as exc:
            metrics.database_error_seen(exc, where="websocket")
            raise

    async def conversation_id_of(self, frame: dict) -> str | None:
        """The conversation a frame is about; None when a visitor has none yet."""
        raise NotImplementedError

    async def send_target(self, frame: dict) -> tuple[str | None, str]:
        """`(conversation id for message_send, the key of its sending turn)`."""
        raise NotImplementedError

    def sent_message(self, message: dict) -> None:
        """This socket's message was sent (a visitor's first one creates its conversation)."""

    async def typing_target(self, frame: dict) -> tuple[str, list[str]] | None:
        """`(conversation id, groups that see this socket's typing)`, None for nobody."""
        raise NotImplementedError
