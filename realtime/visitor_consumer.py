"""`/ws/visitor/`: the widget's socket. Authenticated by its first frame, never by the URL."""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async

from conversations.actors import Actor
from conversations.services import visitor_authenticate
from realtime import events, frames, groups, presence, service_calls, visitor_sockets
from realtime.base import LivechatConsumer, limit
from realtime.close_codes import CloseCode

logger = logging.getLogger(__name__)

# This process's sockets still waiting for their `auth` frame (at most
# MAX_UNAUTHENTICATED_SOCKETS). Weak: a socket forgotten by some path never holds a place.
_unauthenticated: weakref.WeakSet = weakref.WeakSet()


class VisitorConsumer(LivechatConsumer):
    role = "visitor"
    socket_heartbeat = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.visitor = None
        self.conversation_id: str | None = None
        self._auth_deadline: asyncio.Task | None = None
        self._first_frame_seen = False
        self._counted = False  # in visitor_sockets, the per-token cap

    async def connect(self) -> None:
        # The origin was checked by the router; the visitor proves who it is in its first
        # frame, and joins no group before that.
        await self.accept()
        if len(_unauthenticated) >= int(limit("MAX_UNAUTHENTICATED_SOCKETS")):
            # Accepted so that the close code can say "try again" (a refused handshake is
            # an HTTP 403, which a client cannot tell from a forbidden origin).
            await self.close_with(CloseCode.TRY_AGAIN)
            return
        _unauthenticated.add(self)
        self._auth_deadline = asyncio.create_task(self._close_if_silent())

    async def _close_if_silent(self) -> None:
        await asyncio.sleep(float(limit("AUTH_TIMEOUT")))
        if not self._first_frame_seen:
            await self.close_with(CloseCode.AUTH_TIMEOUT)

    async def on_disconnect(self) -> None:
        _unauthenticated.discard(self)
        if self._auth_deadline is not None:
            self._auth_deadline.cancel()
        if self._counted:
            self._counted = False
            await visitor_sockets.closed(str(self.visitor.pk), self.channel_name)

    async def handle_frame(self, frame: dict) -> None:
        if self.visitor is None:
            try:
                await self.authenticate(frame)
            except Exception:
                # Left open, the socket would never get its `hello` and the widget would
                # wait for nothing; closed, it reconnects.
                logger.exception("visitor session setup failed")
                await self.close_with(CloseCode.TRY_AGAIN)
        else:
            await super().handle_frame(frame)

    async def admit(self, raw):
        if self.visitor is not None:
            return await super().admit(raw)
        self._first_frame_seen = True
        if self._auth_deadline is not None:
            self._auth_deadline.cancel()
        try:
            if len(raw) > int(limit("MAX_FRAME_BYTES")):
                raise frames.FrameError("too_large", "The auth frame is too large.")
            return frames.decode(raw)
        except frames.FrameError:
            await self.refuse(None)
            return None

    async def refuse(self, frame) -> None:
        await self.send_frame(
            frames.error(
                frames.echo_request_id(frame),
                "forbidden",
                'The first frame must be {"type": "auth", "token": "<visitor token>"}.',
            )
        )
        await self.close_with(CloseCode.UNAUTHENTICATED)

    async def authenticate(self, frame: dict) -> None:
        if frame.get("type") != "auth":
            await self.refuse(frame)
            return
        visitor = await database_sync_to_async(visitor_authenticate)(token=frame.get("token"))
        if visitor is None:
            await self.refuse(frame)
            return
        self.visitor = visitor
        self.actor = Actor.for_visitor(visitor)
        _unauthenticated.discard(self)
        await self.join(groups.visitor_group(visitor.pk))
        await self.join(groups.VISITORS)
        self._counted = True
        await visitor_sockets.opened(str(visitor.pk), self.channel_name)
        await self.start_session()
        visitor_data, conversation = await database_sync_to_async(service_calls.visitor_session)(
            visitor
        )
        self.conversation_id = conversation["id"] if conversation else None
        await self.send_frame(events.visitor_hello(visitor=visitor_data, conversation=conversation))
        rid = frames.echo_request_id(frame)
        if isinstance(rid, str):
            await self.send_frame(frames.ack(rid))
        await self.send_frame(events.agents_availability(await presence.agents_available())[1])

    async def own_conversation_id(self) -> str | None:
        if self.conversation_id is None:
            # The visitor's first message (maybe from another tab) creates it.
            self.conversation_id = await database_sync_to_async(
                service_calls.visitor_conversation_id
            )(self.visitor)
        return self.conversation_id

    async def conversation_id_of(self, frame: dict) -> str | None:
        # Whatever the frame says, a visitor only ever acts on its own conversation.
        return await self.own_conversation_id()

    async def send_target(self, frame: dict) -> tuple[None, str]:
        # Before its conversation exists, a visitor's first sends still take turns.
        return None, self.conversation_id or f"visitor.{self.visitor.pk}"

    def sent_message(self, message: dict) -> None:
        self.conversation_id = message["conversation_id"]

    async def typing_target(self, frame: dict) -> tuple[str, list[str]] | None:
        conversation_id = await self.own_conversation_id()
        if conversation_id is None:
            return None  # nobody can watch a conversation that does not exist yet
        # Agents who joined the conversation; the visitor's own tabs are not in that group.
        return conversation_id, [groups.conversation_group(conversation_id)]
