"""Every change to visitors and conversations: clean the input, lock, return early on a
no-op, write and bump `version`, then one event per change on commit."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
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
from conversations.selectors import MAX_USER_ID
from livechat.errors import Forbidden, ValidationFailed
from livechat.origins import normalize_origin
from realtime import events as realtime_events
from realtime import groups
from realtime.broadcast import send_on_commit
from realtime.close_codes import CloseCode

# Writing last_seen on every request would turn reads into writes.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)

UNSET = object()


def page_location(url: str) -> str:
    """The origin and path of the host page, nothing else: its query string and fragment
    may carry the host site's secrets (reset links, order numbers, tracking ids), and a
    `user:password@` part certainly does."""
    try:
        parts = urlsplit((url or "").strip())
        origin = normalize_origin(url or "")
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not origin:
        return ""
    return origin + parts.path


def clean_language(language) -> str:
    """One of settings.LANGUAGES (`id-ID` counts as `id`), or blank for anything else: a
    language we do not speak only means the default one, never a refused session."""
    if not isinstance(language, str):
        return ""
    code = language.strip().lower().replace("_", "-").split("-")[0]
    return code if code in dict(settings.LANGUAGES) else ""


def visitor_create(
    *,
    name: str = "",
    email: str | None = None,
    page_url: str = "",
    user_agent: str = "",
    language: str = "",
) -> tuple[Visitor, str]:
    """Create a visitor; returns it with its bearer token (shown once, stored hashed)."""
    visitor = Visitor(
        name=(name or "").strip()[:100],
        email=email or None,
        page_url=page_location(page_url),
        user_agent=(user_agent or "")[:500],
        language=clean_language(language),
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
        conversation.updated_at = now
        conversation.save(update_fields=[*fields, "version", "updated_at"])
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
        seq = min(seq, conversation.last_seq)
        if seq <= getattr(conversation, f"{side}_last_read_seq"):
            return conversation
        now = timezone.now()
        setattr(conversation, f"{side}_last_read_seq", seq)
        setattr(conversation, f"{side}_read_at", now)
        conversation.save(update_fields=[f"{side}_last_read_seq", f"{side}_read_at"])
        send_on_commit(
            events.conversation_read(conversation, reader=actor.as_sender(), seq=seq, read_at=now)
        )
        return conversation
