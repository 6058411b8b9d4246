"""`/ws/agent/`: a logged-in agent's socket (session cookie, same-site Origin)."""

from channels.db import database_sync_to_async

from conversations.actors import Actor, user_display_name
from realtime import events, frames, groups, presence, service_calls, session_watch
from realtime.base import LivechatConsumer
from realtime.turns import turn_key

MAX_CACHED_TARGETS = 1000


class AgentConsumer(LivechatConsumer):
    role = "agent"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # requested conversation id -> (conversation id, visitor id); never changes.
        self._targets: dict[str, tuple[str, str]] = {}

    async def connect(self) -> None:
        user = self.scope.get("user")
        user = getattr(user, "_wrapped", user)  # channels' lazy user, resolved by then
        session = await database_sync_to_async(service_calls.agent_session)(
            user, self.scope.get("session")
        )
        if session is None:
            await self.close()  # before accept: the handshake is refused with HTTP 403
            return
        self.actor = Actor.for_agent(user)
        self.agent_id = str(user.pk)
        self.agent_name = user_display_name(user)
        # `(user id, session key, session auth hash)`: checked every heartbeat interval.
        self.agent_session = (self.agent_id, *session)
        await self.accept()
        # Closed with 4401 when the agent's access ends (accounts/revocation.py); told of
        # mentions in notes.
        await self.join(groups.agent_group(self.agent_id))
        session_watch.watch(self)
        await self.join(groups.AGENTS)
        await self.start_session()
        await presence.agent_connected(self.agent_id, self.agent_name, self.channel_name)
        await self.send_frame(
            events.agent_hello(
                user={"id": self.agent_id, "name": self.agent_name},
                presence=await presence.snapshot(),
            )
        )

    async def heartbeat(self) -> None:
        await super().heartbeat()
        if not self.closed:  # disconnect() ran meanwhile: its goodbye is final
            await presence.agent_heartbeat(self.agent_id, self.agent_name, self.channel_name)

    async def on_disconnect(self) -> None:
        if self.actor is not None:
            session_watch.unwatch(self)
            await presence.agent_disconnected(self.agent_id, self.channel_name)

    async def conversation_id_of(self, frame: dict) -> str:
        return frames.required_id(frame, "conversation_id")

    async def target(self, frame: dict) -> tuple[str, str]:
        """`(conversation id, visitor id)` of the frame's conversation; NotFound if none."""
        requested = await self.conversation_id_of(frame)
        target = self._targets.get(requested)
        if target is None:
            target = await self.call(
                service_calls.access_conversation_target, conversation_id=requested
            )
            if len(self._targets) >= MAX_CACHED_TARGETS:
                self._targets.clear()
            self._targets[requested] = target
        return target

    async def send_target(self, frame: dict) -> tuple[str, str]:
        conversation_id = await self.conversation_id_of(frame)
        return conversation_id, turn_key(conversation_id)

    async def typing_target(self, frame: dict) -> tuple[str, list[str]]:
        conversation_id, visitor_id = await self.target(frame)
        # Only the visitor sees an agent typing.
        return conversation_id, [groups.visitor_group(visitor_id)]
