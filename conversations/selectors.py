"""Reads of conversations for agents' lists and detail pages."""

from django.db.models import Q, QuerySet

from conversations.models import Conversation, ConversationStatus
from livechat.errors import ValidationFailed


def conversation_queryset() -> QuerySet[Conversation]:
    """Everything a serialized Conversation touches, in one query."""
    return Conversation.objects.select_related(
        "visitor",
        "assignee",
        "last_message__sender_agent",
        "last_message__sender_visitor",
    )


def conversation_list(
    *, user, status: str | None = None, assignee: str | None = None, q: str | None = None
) -> QuerySet[Conversation]:
    """Newest activity first, filtered as the dashboard's tabs and search box ask."""
    qs = conversation_queryset().order_by("-updated_at", "-pk")
    if status:
        if status not in ConversationStatus.values:
            raise ValidationFailed(
                f"status: Must be one of {', '.join(ConversationStatus.values)}.",
                errors={"status": ["invalid"]},
            )
        qs = qs.filter(status=status)
    if assignee:
        if assignee == "me":
            qs = qs.filter(assignee=user)
        elif assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        elif assignee.isdigit():
            qs = qs.filter(assignee_id=int(assignee))
        else:
            raise ValidationFailed(
                "assignee: Use me, none or an agent id.", errors={"assignee": ["invalid"]}
            )
    if q:
        q = q.strip()[:200]
        # Deleted messages have an empty body, so their old text is never matched.
        matching = Q(visitor__name__icontains=q) | Q(visitor__email__icontains=q)
        matching |= Q(pk__in=_conversations_mentioning(q))
        qs = qs.filter(matching)
    return qs


def _conversations_mentioning(q: str):
    from messaging.models import Message

    return Message.objects.filter(body__icontains=q, deleted_at__isnull=True).values(
        "conversation_id"
    )
