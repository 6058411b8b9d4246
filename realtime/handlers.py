"""Client frames: one table row per frame type (its handler, who may send it, what it calls).

Both consumers dispatch through `CLIENT_FRAMES`; adding a frame is one row and one handler.
A handler parses the frame's fields (`realtime.frames`), calls one service through
`realtime.service_calls` (or the typing relay, or presence) and returns the ack's fields,
or a `Reply` for an answer that is not an ack. What differs between agents and visitors
(which conversation a frame is about, who sees the typing) is asked of the socket.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from livechat import metrics
from messaging import fast_send
from realtime import events, frames, groups, presence, service_calls
from realtime.turns import conversation_turn
from realtime.typing import TypingRelay


class Reply:
    """A handler's answer that is not an `ack` (e.g. `pong`)."""

    def __init__(self, frame: dict):
        self.frame = frame


async def on_ping(sock, frame: dict) -> Reply:
    return Reply(events.pong())


async def on_send_message(sock, frame: dict) -> dict:
    conversation_id, turn = await sock.send_target(frame)
    fields = {
        "body": frame.get("body"),
        "client_id": frame.get("client_id"),
        "conversation_id": conversation_id,
        "attachments": frame.get("attachments"),
        "internal": frame.get("internal"),
    }
    # Taking turns per conversation orders the broadcasts, on either path.
    async with conversation_turn(turn):
        # The common send, in one statement from this loop; None: the ORM path's to do.
        message = await sock.call_async(fast_send.message_send, **fields)
        if message is not None:
            metrics.ws_sends("fast").inc()
            result = {"message": message.to_wire(for_visitor=sock.actor.is_visitor)}
        else:
            metrics.ws_sends("orm").inc()
            # A thread of the pool (not the one `database_sync_to_async` shares by
            # default) lets other conversations' sends run meanwhile.
            result = await sock.call(service_calls.message_send, thread_sensitive=False, **fields)
    sock.sent_message(result["message"])
    return result


async def on_edit_message(sock, frame: dict) -> dict:
    return await sock.call(
        service_calls.message_edit,
        message_id=frames.required_id(frame, "message_id"),
        body=frame.get("body"),
    )


async def on_delete_message(sock, frame: dict) -> dict:
    return await sock.call(
        service_calls.message_delete, message_id=frames.required_id(frame, "message_id")
    )


async def on_typing_start(sock, frame: dict) -> dict:
    target = await sock.typing_target(frame)
    if target is not None:
        await sock.typing.start(*target)
    return {}


async def on_typing_stop(sock, frame: dict) -> dict:
    target = await sock.typing_target(frame)
    if target is not None:
        await sock.typing.stop(target[0])
    return {}


async def on_message_read(sock, frame: dict) -> dict:
    seq = frames.required_int(frame, "seq")
    return await sock.call(
        service_calls.conversation_mark_read,
        conversation_id=await sock.conversation_id_of(frame),
        seq=seq,
    )


async def on_sync(sock, frame: dict) -> dict:
    since_version = frames.optional_int(frame, "since_version", 0)
    return await sock.call(
        service_calls.message_page_since,
        conversation_id=await sock.conversation_id_of(frame),
        since_version=since_version,
    )


async def on_update_status(sock, frame: dict) -> dict:
    conversation_id = await sock.conversation_id_of(frame)
    status = frame.get("status")
    if not isinstance(status, str):
        raise frames.invalid("status: This field is required and must be a string.")
    return await sock.call(
        service_calls.conversation_update, conversation_id=conversation_id, status=status
    )


async def on_ai_toggle(sock, frame: dict) -> dict:
    conversation_id = await sock.conversation_id_of(frame)
    enabled = frames.required_bool(frame, "enabled")
    return await sock.call(
        service_calls.conversation_update, conversation_id=conversation_id, ai_enabled=enabled
    )


async def on_join(sock, frame: dict) -> dict:
    conversation_id, _visitor_id = await sock.target(frame)
    await sock.join(groups.conversation_group(conversation_id))
    return {"conversation_id": conversation_id}


async def on_leave(sock, frame: dict) -> dict:
    conversation_id, _visitor_id = await sock.target(frame)
    await sock.leave(groups.conversation_group(conversation_id))
    return {"conversation_id": conversation_id}


async def on_visitor_page(sock, frame: dict) -> dict:
    page_url = frame.get("page_url")
    time_zone = frame.get("time_zone")
    if not isinstance(page_url, str) or (time_zone is not None and not isinstance(time_zone, str)):
        raise frames.invalid("page_url must be a string (and time_zone, when given).")
    await sock.call(service_calls.visitor_set_page, page_url=page_url, time_zone=time_zone)
    return {}


async def on_presence_set(sock, frame: dict) -> dict:
    status = frames.required_choice(frame, "status", frames.PRESENCE_STATUSES)
    await presence.agent_set_status(sock.agent_id, status)
    return {"status": status}


AGENT = frozenset({"agent"})
VISITOR = frozenset({"visitor"})
BOTH = frozenset({"agent", "visitor"})


@dataclass(frozen=True)
class ClientFrame:
    handler: Callable[..., Awaitable[dict | Reply]]
    roles: frozenset[str]
    # What the handler calls to do the work (None: the socket itself does it).
    calls: Callable | None


CLIENT_FRAMES: dict[str, ClientFrame] = {
    "ping": ClientFrame(on_ping, BOTH, None),
    "send_message": ClientFrame(on_send_message, BOTH, service_calls.message_send),
    "edit_message": ClientFrame(on_edit_message, BOTH, service_calls.message_edit),
    "delete_message": ClientFrame(on_delete_message, BOTH, service_calls.message_delete),
    "typing:start": ClientFrame(on_typing_start, BOTH, TypingRelay.start),
    "typing:stop": ClientFrame(on_typing_stop, BOTH, TypingRelay.stop),
    "message:read": ClientFrame(on_message_read, BOTH, service_calls.conversation_mark_read),
    "sync": ClientFrame(on_sync, BOTH, service_calls.message_page_since),
    "conversation:update_status": ClientFrame(
        on_update_status, AGENT, service_calls.conversation_update
    ),
    "conversation:join": ClientFrame(on_join, AGENT, None),
    "conversation:leave": ClientFrame(on_leave, AGENT, None),
    "ai:toggle": ClientFrame(on_ai_toggle, AGENT, service_calls.conversation_update),
    "presence:set": ClientFrame(on_presence_set, AGENT, presence.agent_set_status),
    "visitor:page": ClientFrame(on_visitor_page, VISITOR, service_calls.visitor_set_page),
}

# A visitor sending one of these gets `forbidden`, not `unknown_type`.
AGENT_ONLY = frozenset(kind for kind, spec in CLIENT_FRAMES.items() if spec.roles == AGENT)
