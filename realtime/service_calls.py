"""The consumers' synchronous side: one service or selector call each, its result
serialized for the socket. Every function is named after what it calls.

Everything here runs in `database_sync_to_async`, serialization included, so no lazy
query ever runs on the event loop.
"""

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY

from accounts import revocation
from conversations import services as conversation_services
from conversations.access import access_conversation
from conversations.actors import Actor, user_is_agent
from conversations.models import Conversation, Visitor
from conversations.selectors import conversation_queryset, visitor_conversation
from conversations.wire import serialize_conversation, serialize_visitor
from livechat.errors import NotFound
from messaging import services as message_services
from messaging.selectors import message_page


def agent_session(user, session) -> tuple[str, str] | None:
    """`(session key, session auth hash)` of an agent's socket, None if not an agent's."""
    if user is None or session is None or not user_is_agent(user):
        return None
    return session.session_key, session.get(HASH_SESSION_KEY)


def agent_sessions_valid(
    sessions: set[revocation.AgentSession],
) -> set[revocation.AgentSession]:
    return revocation.agent_sessions_valid(sessions)


def visitor_session(visitor: Visitor) -> tuple[dict, dict | None]:
    """The visitor and its conversation (None before the first message), serialized."""
    conversation = visitor_conversation(visitor)
    return serialize_visitor(visitor), (
        serialize_conversation(conversation, for_visitor=True) if conversation else None
    )


def visitor_conversation_id(visitor: Visitor) -> str | None:
    conversation = visitor_conversation(visitor, queryset=Conversation.objects.only("pk"))
    return str(conversation.pk) if conversation else None


def access_conversation_target(*, actor: Actor, conversation_id) -> tuple[str, str]:
    """`(conversation id, visitor id)` of a conversation the actor may use, or NotFound."""
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    return str(conversation.pk), str(conversation.visitor_id)


def message_send(
    *, actor: Actor, body, client_id, conversation_id, attachments=None, internal=None
) -> dict:
    message, _created = message_services.message_send(
        actor=actor,
        body=body,
        client_id=client_id,
        conversation_id=conversation_id,
        attachments=attachments,
        internal=internal,
    )
    return {"message": message.to_wire(for_visitor=actor.is_visitor)}


def message_edit(*, actor: Actor, message_id, body) -> dict:
    message = message_services.message_edit(actor=actor, message_id=message_id, body=body)
    return {"message": message.to_wire(for_visitor=actor.is_visitor)}


def message_delete(*, actor: Actor, message_id) -> dict:
    message = message_services.message_delete(actor=actor, message_id=message_id)
    return {"message": message.to_wire(for_visitor=actor.is_visitor)}


def conversation_update(*, actor: Actor, conversation_id, **changes) -> dict:
    conversation = conversation_services.conversation_update(
        actor=actor, conversation_id=conversation_id, **changes
    )
    fresh = conversation_queryset().get(pk=conversation.pk)
    return {"conversation": serialize_conversation(fresh, for_visitor=actor.is_visitor)}


def conversation_mark_read(*, actor: Actor, conversation_id, seq: int) -> dict:
    conversation = conversation_services.conversation_mark_read(
        actor=actor, conversation_id=conversation_id, seq=seq
    )
    side = "visitor" if actor.is_visitor else "agent"
    return {
        "conversation_id": str(conversation.pk),
        "seq": getattr(conversation, f"{side}_last_read_seq"),
    }


def visitor_set_page(*, actor: Actor, page_url, time_zone) -> None:
    conversation_services.visitor_set_page(actor=actor, page_url=page_url, time_zone=time_zone)


def message_page_since(*, actor: Actor, conversation_id, since_version: int) -> dict:
    """`sync`: what REST `since_version` gives, bounded the same way (`has_more`)."""
    try:
        conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    except NotFound:
        if actor.is_visitor:  # before the first message: nothing to catch up on
            return {"messages": [], "version": 0, "has_more": False}
        raise
    page = message_page(
        conversation=conversation,
        since_version=since_version,
        limit=int(settings.LIVECHAT["SYNC_MAX_MESSAGES"]),
        for_visitor=actor.is_visitor,
    )
    return {"messages": page.messages, "version": page.version, "has_more": page.has_more}
