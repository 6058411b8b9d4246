"""Reads of conversations: agents' lists and detail pages, and a visitor's own one."""

from django.db.models import Q, QuerySet

from conversations.models import Conversation, ConversationStatus, Visitor
from livechat.errors import ValidationFailed

# auth.User's primary key is a 32-bit integer; a larger id would overflow the query.
MAX_USER_ID = 2**31 - 1


def conversation_queryset() -> QuerySet[Conversation]:
    """Everything a serialized Conversation touches, in one query."""
    return Conversation.objects.select_related(
        "visitor",
        "assignee",
        "last_message__sender_agent",
        "last_message__sender_visitor",
    )


def visitor_conversation(
    visitor: Visitor, *, queryset: QuerySet[Conversation] | None = None
) -> Conversation | None:
    """The visitor's one conversation, or None before its first message."""
    qs = queryset if queryset is not None else conversation_queryset()
    return qs.filter(visitor_id=visitor.pk).first()


def conversation_list(
    *, user, status: str | None = None, assignee: str | None = None, q: str | None = None
) -> QuerySet[Conversation]:
    """Newest activity first, filtered as the dashboard's tabs and search box ask."""
    qs = conversation_queryset().order_by("-updated_at", "-pk")
    if status:
        if status not in ConversationStatus.values:
            raise ValidationFailed.field(
                "status", f"Must be one of {', '.join(ConversationStatus.values)}."
            )
        qs = qs.filter(status=status)
    if assignee:
        if assignee == "me":
            qs = qs.filter(assignee=user)
        elif assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        elif assignee.isascii() and assignee.isdigit():
            # isdigit() alone accepts "²", which int() does not. An id past any the
            # database can hold is nobody's: no conversations, as for any unknown id.
            agent_id = int(assignee)
            qs = qs.filter(assignee_id=agent_id) if agent_id <= MAX_USER_ID else qs.none()
        else:
            raise ValidationFailed.field("assignee", "Use me, none or an agent id.")
    if q:
        if "\x00" in q:  # PostgreSQL text cannot hold NUL: refuse it, not fail on it
            raise ValidationFailed.field("q", "Must not contain NUL characters.")
        q = q.strip()[:200]
        # Deleted messages have an empty body, so their old text is never matched.
        mentioning = Conversation.objects.filter(
            messages__body__icontains=q, messages__deleted_at__isnull=True
        ).values("pk")
        qs = qs.filter(
            Q(visitor__name__icontains=q) | Q(visitor__email__icontains=q) | Q(pk__in=mentioning)
        )
    return qs


def agent_seq_of(conversation: Conversation, visitor_seq: int) -> int:
    """A position in the visitor's numbering, in the agents' (the same without notes)."""
    if conversation.visitor_last_seq == conversation.last_seq or visitor_seq <= 0:
        return visitor_seq
    found = (
        conversation.messages.filter(internal=False, visitor_seq__lte=visitor_seq)
        .order_by("-visitor_seq")
        .values_list("seq", flat=True)
        .first()
    )
    return found or 0


def visitor_seq_of(conversation: Conversation, seq: int) -> int:
    """A position in the agents' numbering, in the visitor's: the last message the visitor
    sees at or before it (the same without notes)."""
    if conversation.visitor_last_seq == conversation.last_seq or seq <= 0:
        return seq
    found = (
        conversation.messages.filter(internal=False, seq__lte=seq)
        .order_by("-seq")
        .values_list("visitor_seq", flat=True)
        .first()
    )
    return found or 0
