"""What the consumers ask of the database: one service or selector call each, serialized.

Everything here is synchronous and runs in `database_sync_to_async`, serialization
included, so no lazy query ever runs on the event loop.
"""

from conversations import services as conversation_services
from conversations.access import access_conversation
from conversations.actors import Actor
from conversations.models import Visitor
from conversations.selectors import conversation_queryset
from conversations.serializers import serialize_conversation, serialize_visitor
from livechat.errors import NotFound
from messaging import services as message_services
from messaging.selectors import MAX_LIMIT, message_page
from messaging.serializers import serialize_message
from realtime.config import setting


def visitor_hello(visitor: Visitor) -> tuple[dict, str | None]:
    """The visitor part of `hello`, and the id of its conversation (None before one)."""
    conversation = conversation_queryset().filter(visitor_id=visitor.pk).first()
    payload = {
        "visitor": serialize_visitor(visitor),
        "conversation": serialize_conversation(conversation) if conversation else None,
    }
    return payload, str(conversation.pk) if conversation else None


def visitor_conversation_id(visitor: Visitor) -> str | None:
    pk = conversation_queryset().filter(visitor_id=visitor.pk).values_list("pk", flat=True).first()
    return str(pk) if pk else None


def conversation_target(*, actor: Actor, conversation_id) -> tuple[str, str]:
    """`(conversation id, visitor id)` of a conversation the actor may use, or NotFound."""
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    return str(conversation.pk), str(conversation.visitor_id)


def send_message(*, actor: Actor, body, client_id, conversation_id) -> dict:
    message, _created = message_services.message_send(
        actor=actor, body=body, client_id=client_id, conversation_id=conversation_id
    )
    return {"message": serialize_message(message)}


def edit_message(*, actor: Actor, message_id, body) -> dict:
    message = message_services.message_edit(actor=actor, message_id=message_id, body=body)
    return {"message": serialize_message(message)}


def delete_message(*, actor: Actor, message_id) -> dict:
    message = message_services.message_delete(actor=actor, message_id=message_id)
    return {"message": serialize_message(message)}


def _conversation_result(conversation) -> dict:
    return {"conversation": serialize_conversation(conversation_queryset().get(pk=conversation.pk))}


def update_status(*, actor: Actor, conversation_id, status) -> dict:
    conversation = conversation_services.conversation_set_status(
        actor=actor, conversation_id=conversation_id, status=status
    )
    return _conversation_result(conversation)


def set_ai(*, actor: Actor, conversation_id, enabled: bool) -> dict:
    conversation = conversation_services.conversation_set_ai(
        actor=actor, conversation_id=conversation_id, enabled=enabled
    )
    return _conversation_result(conversation)


def mark_read(*, actor: Actor, conversation_id, seq: int) -> dict:
    conversation = conversation_services.conversation_mark_read(
        actor=actor, conversation_id=conversation_id, seq=seq
    )
    side = "visitor" if actor.is_visitor else "agent"
    return {
        "conversation_id": str(conversation.pk),
        "seq": getattr(conversation, f"{side}_last_read_seq"),
    }


def sync(*, actor: Actor, conversation_id, since_version: int) -> dict:
    """Every message changed after `since_version`, like REST `since_version`, page by page.

    Stops after SYNC_MAX_MESSAGES with `has_more: true`; `version` is then the last change
    returned, so the client continues from it.
    """
    try:
        conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    except NotFound:
        if actor.is_visitor:  # before the first message: nothing to catch up on
            return {"messages": [], "version": 0, "has_more": False}
        raise
    cap = int(setting("SYNC_MAX_MESSAGES"))
    messages: list[dict] = []
    version = since_version
    while True:
        page = message_page(
            conversation=conversation,
            since_version=version,
            limit=min(MAX_LIMIT, cap - len(messages)),
        )
        messages += [serialize_message(m) for m in page.results]
        version = page.version
        if not page.has_more or len(messages) >= cap:
            break
    messages.sort(key=lambda m: m["seq"])
    return {"messages": messages, "version": version, "has_more": page.has_more}
