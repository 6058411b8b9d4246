"""Every change to visitors and conversations. Writes, version bump, broadcast on commit."""

from datetime import timedelta

from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from conversations.access import access_conversation, parse_id
from conversations.actors import Actor, user_is_agent
from conversations.models import Conversation, ConversationStatus, Visitor
from conversations.serializers import serialize_conversation
from livechat.errors import Forbidden, ValidationFailed
from realtime import groups
from realtime.broadcast import agroup_send, broadcast_on_commit

# Writing last_seen on every request would turn reads into writes.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)

UNSET = object()


def visitor_create(
    *, name: str = "", email: str | None = None, page_url: str = "", user_agent: str = ""
) -> tuple[Visitor, str]:
    """Create a visitor; returns it with its bearer token (shown once, stored hashed)."""
    visitor = Visitor(
        name=(name or "").strip()[:100],
        email=email or None,
        page_url=page_url or "",
        user_agent=(user_agent or "")[:500],
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
    group = groups.visitor_group(visitor.pk)
    transaction.on_commit(
        lambda: async_to_sync(agroup_send)([group], {"type": "lc.revoked"}), robust=True
    )


def conversation_recipients(conversation: Conversation) -> list[str]:
    return [groups.AGENTS, groups.visitor_group(conversation.visitor_id)]


def _require_agent(actor: Actor) -> None:
    if not (actor.is_agent or actor.type == "system"):
        raise Forbidden("Only agents can change conversations.")


def _locked(actor: Actor, conversation_id) -> Conversation:
    return access_conversation(
        actor=actor,
        conversation_id=conversation_id,
        queryset=Conversation.objects.select_for_update(of=("self",)).select_related(
            "visitor", "assignee"
        ),
    )


def _resolve_assignee(assignee_id):
    if assignee_id is None:
        return None
    User = get_user_model()
    try:
        user = User.objects.filter(pk=int(str(assignee_id))).first()
    except ValueError:
        user = None
    if user is None or not user_is_agent(user):
        raise ValidationFailed(
            "assignee_id: No such agent.", errors={"assignee_id": ["No such agent."]}
        )
    return user


def conversation_update(
    *, actor: Actor, conversation_id, status=UNSET, assignee_id=UNSET, ai_enabled=UNSET
) -> Conversation:
    """Change status, assignee and/or the AI flag in one transaction.

    Broadcasts `conversation:updated` when status or assignee changed and
    `ai_status_changed` when the AI flag did; a no-op changes and sends nothing.
    """
    _require_agent(actor)
    if status is not UNSET and status not in ConversationStatus.values:
        raise ValidationFailed(
            f"status: Must be one of {', '.join(ConversationStatus.values)}.",
            errors={"status": ["invalid"]},
        )
    if ai_enabled is not UNSET and not isinstance(ai_enabled, bool):
        raise ValidationFailed("enabled: Must be true or false.", errors={"enabled": ["invalid"]})
    assignee = UNSET if assignee_id is UNSET else _resolve_assignee(assignee_id)

    with transaction.atomic():
        conversation = _locked(actor, conversation_id)
        fields: list[str] = []
        if status is not UNSET and status != conversation.status:
            conversation.status = status
            conversation.closed_at = timezone.now() if status == ConversationStatus.CLOSED else None
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
        conversation.updated_at = timezone.now()
        conversation.save(update_fields=[*fields, "version", "updated_at"])
        recipients = conversation_recipients(conversation)
        if set(fields) - {"ai_enabled"}:
            broadcast_on_commit(
                recipients,
                {
                    "type": "conversation:updated",
                    "conversation": serialize_conversation(conversation),
                },
            )
        if ai_changed:
            broadcast_on_commit(
                recipients,
                {
                    "type": "ai_status_changed",
                    "conversation_id": str(conversation.pk),
                    "ai_enabled": conversation.ai_enabled,
                    "changed_by": actor.as_sender(),
                },
            )
        return conversation


def conversation_set_status(*, actor: Actor, conversation_id, status: str) -> Conversation:
    return conversation_update(actor=actor, conversation_id=conversation_id, status=status)


def conversation_assign(*, actor: Actor, conversation_id, assignee_id) -> Conversation:
    return conversation_update(
        actor=actor, conversation_id=conversation_id, assignee_id=assignee_id
    )


def conversation_set_ai(*, actor: Actor, conversation_id, enabled: bool) -> Conversation:
    return conversation_update(actor=actor, conversation_id=conversation_id, ai_enabled=enabled)


def conversation_mark_read(*, actor: Actor, conversation_id, seq) -> Conversation:
    """Move the reader's side's read mark forward to `seq` and tell the other side.

    Read marks only move forward and never past the last message; they are not part of
    the message change counter, so they do not bump `version`.
    """
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValidationFailed("seq: Must be a non-negative integer.", errors={"seq": ["invalid"]})
    if not (actor.is_agent or actor.is_visitor):
        raise Forbidden("Not allowed.")
    with transaction.atomic():
        conversation = _locked(actor, conversation_id)
        seq = min(seq, conversation.last_seq)
        now = timezone.now()
        side = "visitor" if actor.is_visitor else "agent"
        current = getattr(conversation, f"{side}_last_read_seq")
        if seq <= current:
            return conversation
        setattr(conversation, f"{side}_last_read_seq", seq)
        setattr(conversation, f"{side}_read_at", now)
        conversation.save(update_fields=[f"{side}_last_read_seq", f"{side}_read_at"])
        other_side = (
            [groups.AGENTS] if actor.is_visitor else [groups.visitor_group(conversation.visitor_id)]
        )
        broadcast_on_commit(
            other_side,
            {
                "type": "conversation:read",
                "conversation_id": str(conversation.pk),
                "reader": actor.as_sender(),
                "seq": seq,
                "read_at": now.isoformat().replace("+00:00", "Z"),
            },
        )
        return conversation
