"""`/ws/agent/`: a logged-in agent's socket (session cookie, same-site Origin)."""

from channels.db import database_sync_to_async

from conversations.actors import Actor, user_display_name, user_is_agent
from realtime import actions, frames, groups, presence
from realtime.base import COMMON_HANDLERS, LivechatConsumer, turn_key

MAX_CACHED_TARGETS = 1000


class AgentConsumer(LivechatConsumer):
    role = "agent"
    handlers = {
        **COMMON_HANDLERS,
        "conversation:update_status": "on_update_status",
        "conversation:join": "on_join",
        "conversation:leave": "on_leave",
        "ai:toggle": "on_ai_toggle",
        "presence:set": "on_presence_set",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # requested conversation id -> (conversation id, visitor id); never changes.
        self._targets: dict[str, tuple[str, str]] = {}

    async def connect(self) -> None:
        user = self.scope.get("user")
        user = getattr(user, "_wrapped", user)  # channels' lazy user, resolved by then
        if user is None or not await database_sync_to_async(user_is_agent)(user):
            await self.close()  # before accept: the handshake is refused with HTTP 403
            return
        self.actor = Actor.for_agent(user)
        self.agent_id = str(user.pk)
        self.agent_name = user_display_name(user)
        await self.accept()
        await self.join(groups.AGENTS)
        await self.start_session()
        await presence.agent_connected(self.agent_id, self.agent_name, self.channel_name)
        await self.send_frame(
            {
                "type": "hello",
                "role": "agent",
                "user": {"id": self.agent_id, "name": self.agent_name},
                "presence": await presence.snapshot(),
            }
        )

    async def heartbeat(self) -> None:
        await super().heartbeat()
        await presence.agent_heartbeat(self.agent_id, self.agent_name, self.channel_name)

    async def on_disconnect(self) -> None:
        if self.actor is not None:
            await presence.agent_disconnected(self.agent_id, self.channel_name)

    async def frame_conversation_id(self, frame: dict) -> str:
        return frames.required_id(frame, "conversation_id")

    async def _target(self, frame: dict) -> tuple[str, str]:
        """`(conversation id, visitor id)` of the frame's conversation; NotFound if none."""
        requested = await self.frame_conversation_id(frame)
        target = self._targets.get(requested)
        if target is None:
            target = await database_sync_to_async(actions.conversation_target)(
                actor=self.actor, conversation_id=requested
            )
            if len(self._targets) >= MAX_CACHED_TARGETS:
                self._targets.clear()
            self._targets[requested] = target
        return target

    async def typing_target(self, frame: dict) -> tuple[str, list[str]]:
        conversation_id, visitor_id = await self._target(frame)
        # Only the visitor sees an agent typing.
        return conversation_id, [groups.visitor_group(visitor_id)]

    async def on_send_message(self, frame: dict) -> dict:
        conversation_id = await self.frame_conversation_id(frame)
        return await self.send_in_turn(
            turn_key(conversation_id),
            body=frame.get("body"),
            client_id=frame.get("client_id"),
            conversation_id=conversation_id,
        )

    async def on_update_status(self, frame: dict) -> dict:
        conversation_id = await self.frame_conversation_id(frame)
        status = frame.get("status")
        if not isinstance(status, str):
            raise frames.invalid("status: This field is required and must be a string.")
        return await database_sync_to_async(actions.update_status)(
            actor=self.actor, conversation_id=conversation_id, status=status
        )

    async def on_ai_toggle(self, frame: dict) -> dict:
        conversation_id = await self.frame_conversation_id(frame)
        enabled = frames.required_bool(frame, "enabled")
        return await database_sync_to_async(actions.set_ai)(
            actor=self.actor, conversation_id=conversation_id, enabled=enabled
        )

    async def on_join(self, frame: dict) -> dict:
        conversation_id, _visitor_id = await self._target(frame)
        await self.join(groups.conversation_group(conversation_id))
        return {"conversation_id": conversation_id}

    async def on_leave(self, frame: dict) -> dict:
        conversation_id, _visitor_id = await self._target(frame)
        await self.leave(groups.conversation_group(conversation_id))
        return {"conversation_id": conversation_id}

    async def on_presence_set(self, frame: dict) -> dict:
        status = frames.required_choice(frame, "status", frames.PRESENCE_STATUSES)
        await presence.agent_set_status(self.agent_id, status)
        return {"status": status}
