"""Every change to messages: send, edit, delete. Each in the same order: clean the input,
lock, return early on a no-op, write and bump `version`, one event per change on commit."""

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from conversations import events as conversation_events
from conversations.access import access_conversation, access_message_author, parse_id
from conversations.actors import Actor, user_is_agent
from conversations.models import Conversation, ConversationStatus, Visitor
from conversations.selectors import visitor_conversation
from conversations.services import status_change_record
from livechat.errors import Conflict, Forbidden, NotFound, ValidationFailed
from livechat.text import clean_text
from messaging import events, signals
from messaging.attachments import (
    attachments_attach,
    attachments_claim,
    attachments_remove,
    clean_attachment_ids,
)
from messaging.models import MAX_BODY_LENGTH, MAX_CLIENT_ID_LENGTH, EditKind, Message, MessageEdit
from realtime.broadcast import send_on_commit

# `@bob` (Django usernames: letters, digits and . + - _), not the `@` inside an email address.
MAX_MENTIONS = 20
MENTION_RE = re.compile(r"(?<![\w.+-])@([\w.+-]*\w)")


def clean_body(body, *, allow_empty: bool = False) -> str:
    """The one definition of a valid body (PROTOCOL section 2), for REST and WebSocket.
    `allow_empty`: a message with attachments needs no text."""
    return clean_text(
        "body",
        body,
        max_length=MAX_BODY_LENGTH,
        allow_blank=allow_empty,
        missing_is_blank=allow_empty,
    )


def clean_client_id(client_id) -> str | None:
    if client_id is None:
        return None
    if not isinstance(client_id, str) or not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH:
        raise ValidationFailed.field(
            "client_id", f"Must be a string of 1 to {MAX_CLIENT_ID_LENGTH} characters."
        )
    return client_id


def _existing_by_client_id(actor: Actor, client_id: str | None) -> Message | None:
    if client_id is None:
        return None
    if actor.is_agent:
        mine = Message.objects.filter(sender_agent=actor.user, client_id=client_id)
    elif actor.is_visitor:
        mine = Message.objects.filter(sender_visitor_id=actor.visitor.pk, client_id=client_id)
    else:
        return None
    # Checked on every send and almost never found: ask for the id only (a small query
    # to build and run), and load the message with its sender only for a repeat.
    pk = next(iter(mine.order_by().values_list("pk", flat=True)[:1]), None)
    if pk is None:
        return None
    return Message.objects.select_related("sender_agent", "sender_visitor").get(pk=pk)


def _as_list(event) -> list:
    return event if isinstance(event, list) else [event]


def _lock_visitor_conversation(visitor: Visitor) -> tuple[Conversation, bool]:
    locked = Conversation.objects.select_for_update()
    conversation = visitor_conversation(visitor, queryset=locked)
    if conversation is None:
        # The visitor row serializes a visitor's first messages, so exactly one creates
        # the conversation; every later message only needs the conversation's lock.
        Visitor.objects.select_for_update().filter(pk=visitor.pk).first()
        conversation = visitor_conversation(visitor, queryset=locked)
        if conversation is None:
            return Conversation.objects.create(visitor=visitor), True
    conversation.visitor = visitor
    return conversation, False


def clean_internal(actor: Actor, internal) -> bool:
    if internal is None or internal is False:
        return False
    if internal is not True:
        raise ValidationFailed.field("internal", "Must be true or false.")
    if not actor.is_agent:
        raise Forbidden("Only agents can write private notes.")
    return True


def clean_send(
    *, actor: Actor, body, client_id, attachments, internal
) -> tuple[list, str, str | None, bool]:
    """`(attachment ids, body, client_id, internal)` of a send, or the first error in them:
    the one validation of both ways to send (this module, `messaging.fast_send`)."""
    attachment_ids = clean_attachment_ids(attachments)
    body = clean_body(body, allow_empty=bool(attachment_ids))
    client_id = clean_client_id(client_id)
    internal = clean_internal(actor, internal)
    return attachment_ids, body, client_id, internal


def message_send(
    *,
    actor: Actor,
    body=None,
    client_id=None,
    conversation_id=None,
    attachments=None,
    internal=None,
) -> tuple[Message, bool]:
    """Send a message, or (`internal`, agents) a private note; returns `(message, created)`.

    Idempotent by `client_id`: a repeat returns the first message and broadcasts nothing.
    `seq` and `version` are allocated under the conversation's row lock; a note takes the
    agents' next numbers and leaves the visitor's alone. `attachments`: ids of the sender's
    unused uploads, which become the message's. `@username` in a note notifies that agent;
    naming anyone else is refused.
    """
    attachment_ids, body, client_id, internal = clean_send(
        actor=actor, body=body, client_id=client_id, attachments=attachments, internal=internal
    )
    mentioned = mentioned_agents(body) if internal else []
    try:
        return _message_send(
            actor=actor,
            body=body,
            client_id=client_id,
            conversation_id=conversation_id,
            attachment_ids=attachment_ids,
            internal=internal,
            mentioned=mentioned,
        )
    except IntegrityError:
        # A concurrent twin with the same client_id won the race (an agent may reuse a
        # client_id across conversations); the first one is the answer.
        existing = _existing_by_client_id(actor, client_id)
        if existing is None:
            raise
        return existing, False


def _message_send(
    *, actor, body, client_id, conversation_id, attachment_ids, internal, mentioned
) -> tuple[Message, bool]:
    with transaction.atomic():
        created_conversation = False
        if actor.is_visitor:
            conversation, created_conversation = _lock_visitor_conversation(actor.visitor)
        else:
            conversation = access_conversation(
                actor=actor,
                conversation_id=conversation_id,
                queryset=Conversation.objects.select_for_update(of=("self",)).select_related(
                    "visitor"
                ),
            )
        # A visitor whose conversation is being created has sent nothing yet (their
        # messages are in their one conversation, and go with it): no repeat to look for.
        existing = None if created_conversation else _existing_by_client_id(actor, client_id)
        if existing is not None:
            return existing, False
        claimed = (
            attachments_claim(actor=actor, conversation=conversation, ids=attachment_ids)
            if attachment_ids
            else []
        )

        now = timezone.now()
        if internal:
            return _note_send(
                actor=actor,
                conversation=conversation,
                body=body,
                client_id=client_id,
                now=now,
                mentioned=mentioned,
                claimed=claimed,
            ), True
        reopened = actor.is_visitor and conversation.status == ConversationStatus.CLOSED
        conversation.last_seq += 1
        conversation.version += 1
        conversation.visitor_last_seq += 1
        conversation.visitor_version += 1
        message = Message.objects.create(
            conversation=conversation,
            seq=conversation.last_seq,
            version=conversation.version,
            visitor_seq=conversation.visitor_last_seq,
            visitor_version=conversation.visitor_version,
            client_id=client_id,
            sender_type=actor.type,
            sender_agent=actor.user if actor.is_agent else None,
            sender_visitor=actor.visitor if actor.is_visitor else None,
            body=body,
            attachments_data=[a.to_data() for a in claimed],
            created_at=now,
        )
        if claimed:
            attachments_attach(claimed, message=message)
        conversation.last_message = message
        conversation.updated_at = now
        fields = [
            "last_seq",
            "version",
            "visitor_last_seq",
            "visitor_version",
            "last_message",
            "updated_at",
        ]
        if reopened:
            status_change_record(
                conversation, to_status=ConversationStatus.OPEN, actor=actor, at=now
            )
            conversation.status = ConversationStatus.OPEN
            conversation.closed_at = None
            fields += ["status", "closed_at"]
        if actor.is_agent and conversation.first_response_at is None:
            conversation.first_response_at = now
            conversation.first_response_by = actor.user
            fields += ["first_response_at", "first_response_by"]
        conversation.save(update_fields=fields)

        # One hand-over to the loop after the commit, in this order.
        announced = []
        if created_conversation:
            announced += _as_list(conversation_events.new_conversation(conversation))
        announced += events.new_message(message)
        if reopened:
            announced += _as_list(conversation_events.conversation_updated(conversation))
        send_on_commit(announced)
        transaction.on_commit(
            lambda: signals.message_sent.send(sender=Message, message=message), robust=True
        )
        return message, True


def mentioned_agents(body: str) -> list:
    """The agents a note names with `@username`, each once; an unknown name is refused,
    so nobody believes a colleague was told when nobody was."""
    names = list(dict.fromkeys(n.lower() for n in MENTION_RE.findall(body)))
    if not names:
        return []
    if len(names) > MAX_MENTIONS:
        raise ValidationFailed.field("body", f"A note can mention at most {MAX_MENTIONS} agents.")
    named = Q()
    for name in names:
        named |= Q(username__iexact=name)
    users = {
        u.get_username().lower(): u
        for u in get_user_model().objects.filter(named, is_active=True)
        if user_is_agent(u)
    }
    unknown = [n for n in names if n.lower() not in users]
    if unknown:
        raise ValidationFailed.field(
            "body", f"No agent is called {', '.join('@' + n for n in unknown)}."
        )
    return [users[n] for n in names]


def _note_send(*, actor, conversation, body, client_id, now, mentioned, claimed) -> Message:
    """A private note: the agents' next numbers only; nothing the visitor sees changes (not
    the visitor's counters, not `last_message`, `updated_at` or the status)."""
    conversation.last_seq += 1
    conversation.version += 1
    message = Message.objects.create(
        conversation=conversation,
        seq=conversation.last_seq,
        version=conversation.version,
        client_id=client_id,
        sender_type=actor.type,
        sender_agent=actor.user,
        body=body,
        attachments_data=[a.to_data() for a in claimed],
        internal=True,
        created_at=now,
    )
    if claimed:
        attachments_attach(claimed, message=message)
    conversation.save(update_fields=["last_seq", "version"])
    send_on_commit(events.new_message(message))
    for user in mentioned:
        if user.pk != actor.user.pk:
            send_on_commit(events.mention(message, user=user, by=actor))
    transaction.on_commit(
        lambda: signals.message_sent.send(sender=Message, message=message), robust=True
    )
    return message


def _lock_message(*, actor: Actor, message_id) -> tuple[Message, Conversation]:
    """Lock the conversation (always first, like `message_send`) and then the message."""
    pk = parse_id(message_id, what="Message")
    conversation_id = (
        Message.objects.filter(pk=pk).values_list("conversation_id", flat=True).first()
    )
    if conversation_id is None:
        raise NotFound("Message not found.")
    conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("sender_agent", "sender_visitor")
        .get(pk=pk)
    )
    message.conversation = conversation
    return message, conversation


def _record_edit(*, actor: Actor, message: Message, kind: str) -> None:
    MessageEdit.objects.create(
        message=message,
        kind=kind,
        previous_body=message.body,
        changed_by_type=actor.type,
        changed_by_agent=actor.user if actor.is_agent else None,
    )


def _bump(conversation: Conversation, message: Message) -> None:
    """The next version on each side that sees `message` (agents only, for a note)."""
    conversation.version += 1
    message.version = conversation.version
    fields = ["version"]
    if not message.internal:
        conversation.visitor_version += 1
        message.visitor_version = conversation.visitor_version
        fields.append("visitor_version")
    conversation.save(update_fields=fields)


def message_edit(*, actor: Actor, message_id, body) -> Message:
    body = clean_body(body)
    with transaction.atomic():
        message, conversation = _lock_message(actor=actor, message_id=message_id)
        access_message_author(actor=actor, message=message)
        if message.deleted:
            raise Conflict("This message was deleted and can no longer be edited.")
        if message.body == body:
            return message
        _record_edit(actor=actor, message=message, kind=EditKind.EDIT)
        message.body = body
        message.edited_at = timezone.now()
        _bump(conversation, message)
        message.save(update_fields=["body", "edited_at", "version", "visitor_version"])
        send_on_commit(events.message_updated(message))
        return message


def message_delete(*, actor: Actor, message_id) -> Message:
    """Soft delete: the row stays as a tombstone; its text moves to the edit history."""
    with transaction.atomic():
        message, conversation = _lock_message(actor=actor, message_id=message_id)
        access_message_author(actor=actor, message=message, allow_supervisor=True)
        if message.deleted:
            return message
        _record_edit(actor=actor, message=message, kind=EditKind.DELETE)
        message.body = ""
        message.deleted_at = timezone.now()
        _bump(conversation, message)
        fields = ["body", "deleted_at", "version", "visitor_version"]
        if message.attachments_data:
            attachments_remove(message=message)
            fields.append("attachments_data")
        message.save(update_fields=fields)
        send_on_commit(events.message_deleted(message))
        return message
