"""Every change to visitors and conversations: clean the input, lock, return early on a
no-op, write and bump `version`, then one event per change on commit."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from conversations import events
from conversations.access import access_conversation, parse_id
from conversations.actors import Actor, user_is_agent
from conversations.models import (
    Conversation,
    ConversationStatus,
    ConversationStatusChange,
    Visitor,
)
from conversations.selectors import MAX_USER_ID, agent_seq_of, visitor_seq_of
from conversations.visitor_context import (
    clean_language,
    clean_time_zone,
    page_origin_and_path,
    visitor_detail,
)
from livechat.errors import Forbidden, NotFound, ValidationFailed
from livechat.text import clean_text
from realtime import events as realtime_events
from realtime import groups
from realtime.broadcast import send_on_commit
from realtime.close_codes import CloseCode

# Writing last_seen on every request would turn reads into writes.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)

UNSET = object()
MAX_VISITOR_NAME_LENGTH = 100


def visitor_create(
    *,
    name: str = "",
    email: str | None = None,
    page_url: str = "",
    user_agent: str = "",
    language: str = "",
    time_zone: str = "",
) -> tuple[Visitor, str]:
    """Create a visitor; returns it with its bearer token (shown once, stored hashed)."""
    visitor = Visitor(
        name=(name or "").strip()[:100],
        email=email or None,
        page_url=page_origin_and_path(page_url),
        user_agent=(user_agent or "")[:500],
        language=clean_language(language),
        time_zone=clean_time_zone(time_zone),
    )
    token = visitor.issue_token()
    visitor.save()
    return visitor, token


def visitor_authenticate(*, token) -> Visitor | None:
    """The visitor a bearer token belongs to, or None. Constant-time on the secret."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 200:
        return None
    visitor_id, secret = token.split(".")
    try:
        pk = parse_id(visitor_id, what="Visitor")
    except Exception:
        return None
    visitor = Visitor.objects.filter(pk=pk).first()
    if visitor is None or not visitor.token_matches(secret):
        return None
    now = timezone.now()
    if now - visitor.last_seen_at > LAST_SEEN_RESOLUTION:
        Visitor.objects.filter(pk=pk).update(last_seen_at=now)
        visitor.last_seen_at = now
    return visitor


def visitor_revoke_token(*, visitor: Visitor) -> None:
    """Refuse the token from now on, and close the sockets already open with it (4401)."""
    visitor.token_revoked_at = timezone.now()
    visitor.save(update_fields=["token_revoked_at"])
    send_on_commit(
        realtime_events.session_revoked(
            groups.visitor_group(visitor.pk), code=CloseCode.UNAUTHENTICATED
        )
    )


def clean_visitor_name(name) -> str:
    name = clean_text("name", name, max_length=MAX_VISITOR_NAME_LENGTH, allow_blank=True)
    return " ".join(name.split())


def clean_email(email) -> str | None:
    """A valid address (lower-cased domain), None for null or blank."""
    if email is None or (isinstance(email, str) and not email.strip()):
        return None
    if not isinstance(email, str):
        raise ValidationFailed.field("email", "Must be a string.")
    email = email.strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed.field("email", "Enter a valid email address.") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _access_visitor(actor: Actor, visitor_id) -> Visitor:
    if actor.is_visitor:
        return Visitor.objects.select_for_update().get(pk=actor.visitor.pk)
    if not actor.is_agent:
        raise Forbidden("Not allowed.")
    pk = parse_id(visitor_id, what="Visitor")
    visitor = Visitor.objects.select_for_update().filter(pk=pk).first()
    if visitor is None:
        raise NotFound("Visitor not found.")
    return visitor


def visitor_update(*, actor: Actor, visitor_id=None, name=UNSET, email=UNSET) -> Visitor:
    """An agent corrects a visitor's name or email, or a visitor leaves an email (the
    widget's offline form). Agents see the change live (`visitor:updated`)."""
    changes = {}
    if name is not UNSET:
        changes["name"] = clean_visitor_name(name)
    if email is not UNSET:
        changes["email"] = clean_email(email)
    with transaction.atomic():
        visitor = _access_visitor(actor, visitor_id)
        changes = {k: v for k, v in changes.items() if getattr(visitor, k) != v}
        if not changes:
            return visitor
        for field, value in changes.items():
            setattr(visitor, field, value)
        visitor.save(update_fields=list(changes))
        send_on_commit(events.visitor_updated(visitor, detail=visitor_detail(visitor)))
        return visitor


def visitor_set_page(*, actor: Actor, page_url=None, time_zone=None) -> Visitor:
    """The widget reports the page its visitor is on now (origin and path only) and its
    time zone; agents see them live."""
    if not actor.is_visitor:
        raise Forbidden("Only the widget reports its page.")
    page = page_origin_and_path(page_url)
    if page_url not in (None, "") and not page:
        raise ValidationFailed.field("page_url", "Must be an http(s) URL.")
    changes = {"page_url": page} if page else {}
    zone = clean_time_zone(time_zone)
    if zone:
        changes["time_zone"] = zone
    visitor = actor.visitor
    if all(getattr(visitor, k) == v for k, v in changes.items()):
        return visitor
    with transaction.atomic():
        visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
        changes = {k: v for k, v in changes.items() if getattr(visitor, k) != v}
        if not changes:
            return visitor
        for field, value in changes.items():
            setattr(visitor, field, value)
        visitor.save(update_fields=list(changes))
        send_on_commit(events.visitor_updated(visitor, detail=visitor_detail(visitor)))
    # The socket's visitor stays current, so a repeat is a no-op without a query.
    for field in changes:
        setattr(actor.visitor, field, getattr(visitor, field))
    return visitor


def _clean_assignee(assignee_id):
    """The agent an `assignee_id` (a user id, as a number or a string of digits) names."""
    if assignee_id is None:
        return None
    text = str(assignee_id) if isinstance(assignee_id, int | str) else ""
    pk = int(text) if text.isascii() and text.isdigit() and not isinstance(assignee_id, bool) else 0
    user = get_user_model().objects.filter(pk=pk).first() if 0 < pk <= MAX_USER_ID else None
    if user is None or not user_is_agent(user):
        raise ValidationFailed.field("assignee_id", "No such agent.")
    return user


def conversation_update(
    *, actor: Actor, conversation_id, status=UNSET, assignee_id=UNSET, ai_enabled=UNSET
) -> Conversation:
    """Change status, assignee and/or the AI flag in one transaction.

    Broadcasts `conversation:updated` when status or assignee changed and
    `ai_status_changed` when the AI flag did; a no-op changes and sends nothing.
    """
    if not (actor.is_agent or actor.is_automatic):
        raise Forbidden("Only agents can change conversations.")
    if status is not UNSET and status not in ConversationStatus.values:
        raise ValidationFailed.field(
            "status", f"Must be one of {', '.join(ConversationStatus.values)}."
        )
    if ai_enabled is not UNSET and not isinstance(ai_enabled, bool):
        raise ValidationFailed.field("enabled", "Must be true or false.")
    assignee = UNSET if assignee_id is UNSET else _clean_assignee(assignee_id)

    with transaction.atomic():
        conversation = access_conversation(
            actor=actor,
            conversation_id=conversation_id,
            queryset=Conversation.objects.select_for_update(of=("self",)).select_related(
                "visitor", "assignee"
            ),
        )
        fields: list[str] = []
        now = timezone.now()
        if status is not UNSET and status != conversation.status:
            status_change_record(conversation, to_status=status, actor=actor, at=now)
            conversation.status = status
            conversation.closed_at = now if status == ConversationStatus.CLOSED else None
            fields += ["status", "closed_at"]
        if assignee is not UNSET and assignee != conversation.assignee:
            conversation.assignee = assignee
            fields.append("assignee")
        ai_changed = ai_enabled is not UNSET and ai_enabled != conversation.ai_enabled
        if ai_changed:
            conversation.ai_enabled = ai_enabled
            fields.append("ai_enabled")
        if not fields:
            return conversation

        conversation.version += 1
        conversation.visitor_version += 1  # both sides see it
        conversation.updated_at = now
        conversation.save(update_fields=[*fields, "version", "visitor_version", "updated_at"])
        if set(fields) - {"ai_enabled"}:
            send_on_commit(events.conversation_updated(conversation))
        if ai_changed:
            send_on_commit(events.ai_status_changed(conversation, changed_by=actor.as_sender()))
        return conversation


def status_change_record(
    conversation: Conversation, *, to_status: str, actor: Actor, at
) -> ConversationStatusChange:
    """Keep a status change for the reports (reopened conversations). Every service that
    changes a status calls it, inside its transaction and before it sets the new status."""
    return ConversationStatusChange.objects.create(
        conversation=conversation,
        from_status=conversation.status,
        to_status=to_status,
        changed_by_type=actor.type,
        changed_by_agent=actor.user if actor.is_agent else None,
        changed_at=at,
    )


def conversation_mark_read(*, actor: Actor, conversation_id, seq) -> Conversation:
    """Move the reader's side's read mark forward to `seq` and tell the other side.

    Read marks only move forward and never past the last message; they are not part of
    the message change counter, so they do not bump `version`.
    """
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValidationFailed.field("seq", "Must be a non-negative integer.")
    if not (actor.is_agent or actor.is_visitor):
        raise Forbidden("Not allowed.")
    side = "visitor" if actor.is_visitor else "agent"
    with transaction.atomic():
        conversation = access_conversation(
            actor=actor,
            conversation_id=conversation_id,
            queryset=Conversation.objects.select_for_update(),
        )
        # Each side's mark is in its own numbering (they differ once a note was written).
        last = conversation.visitor_last_seq if actor.is_visitor else conversation.last_seq
        seq = min(seq, last)
        if seq <= getattr(conversation, f"{side}_last_read_seq"):
            return conversation
        now = timezone.now()
        setattr(conversation, f"{side}_last_read_seq", seq)
        setattr(conversation, f"{side}_read_at", now)
        conversation.save(update_fields=[f"{side}_last_read_seq", f"{side}_read_at"])
        other_side_seq = (
            agent_seq_of(conversation, seq)
            if actor.is_visitor
            else visitor_seq_of(conversation, seq)
        )
        send_on_commit(
            events.conversation_read(
                conversation, reader=actor.as_sender(), seq=other_side_seq, read_at=now
            )
        )
        return conversation
