"""Permission checks: each returns the object or raises NotFound / Forbidden.

A visitor asking for anything outside its own conversation gets NotFound, never
Forbidden, so ids of other visitors' data cannot be probed.
"""

import uuid

from django.db.models import QuerySet

from conversations.actors import Actor
from conversations.models import Conversation, Visitor
from conversations.selectors import visitor_conversation
from livechat.errors import Forbidden, NotFound


def parse_id(value, *, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise NotFound(f"{what} not found.") from None


def access_conversation(
    *, actor: Actor, conversation_id=None, queryset: QuerySet | None = None
) -> Conversation:
    """The conversation `actor` may act on: only its own for a visitor, any for the others."""
    qs = queryset if queryset is not None else Conversation.objects.all()
    if actor.is_visitor:
        conversation = visitor_conversation(actor.visitor, queryset=qs)
    elif actor.is_agent or actor.is_automatic:
        pk = parse_id(conversation_id, what="Conversation")
        conversation = qs.filter(pk=pk).first()
    else:
        raise Forbidden("Not allowed.")
    if conversation is None:
        raise NotFound("Conversation not found.")
    return conversation


def access_message_author(*, actor: Actor, message, allow_supervisor: bool = False) -> None:
    """Only a message's author may change it (and, for deletes, a supervisor)."""
    if actor.is_visitor:
        # A note does not exist for the visitor, not even as a refusal.
        if message.conversation.visitor_id != actor.visitor.pk or message.internal:
            raise NotFound("Message not found.")
        if message.sender_visitor_id != actor.visitor.pk:
            raise Forbidden("You can only change your own messages.")
        return
    if actor.is_agent:
        if message.sender_agent_id == actor.user.pk:
            return
        if allow_supervisor and actor.is_supervisor:
            return
        raise Forbidden("You can only change your own messages.")
    raise Forbidden("Not allowed.")


def access_visitor(*, actor: Actor, visitor_id) -> Visitor:
    """Any visitor, for agents; a visitor only ever reaches itself."""
    if actor.is_visitor:
        return actor.visitor
    if not actor.is_agent:
        raise Forbidden("Not allowed.")
    visitor = Visitor.objects.filter(pk=parse_id(visitor_id, what="Visitor")).first()
    if visitor is None:
        raise NotFound("Visitor not found.")
    return visitor
