"""The conversation figures of a report, computed one of two ways with the same result:
`postgres.conversation_figures` (two queries with GROUPING SETS: one pass over the
conversations created in the range, one over those closed in it) on PostgreSQL, and
`orm_conversation_figures` (one portable query per figure) on other databases."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce, ExtractHour, TruncDate

from conversations.models import Conversation, ConversationStatus
from messaging.models import Message, SenderType
from reports.sql import Percentile, Seconds


@dataclass
class ConversationFigures:
    """Totals, days and hours cover the agent's conversations when the report is for one
    agent; the per-agent dictionaries always cover everyone (an agent's row is the same
    with or without the filter)."""

    created: int = 0
    first_responses: int = 0
    first_response_median: float | None = None
    first_response_p90: float | None = None
    ai_answered: int = 0
    created_by_day: dict[date, tuple[int, float | None]] = field(default_factory=dict)
    created_by_hour: dict[int, int] = field(default_factory=dict)
    closed: int = 0
    resolution_median: float | None = None
    resolution_p90: float | None = None
    closed_by_day: dict[date, int] = field(default_factory=dict)
    owned: dict[int, int] = field(default_factory=dict)
    first_response_median_by_agent: dict[int, float] = field(default_factory=dict)
    resolution_median_by_owner: dict[int, float] = field(default_factory=dict)


FIRST_RESPONSE = Seconds("first_response_at", "created_at")
RESOLUTION = Seconds("closed_at", "created_at")
OWNER = Coalesce("assignee_id", "first_response_by_id")


def owned_by(agent_id: int) -> Q:
    """An agent owns the conversations assigned to them, and, while nobody is assigned,
    those they answered first."""
    return Q(assignee_id=agent_id) | Q(assignee__isnull=True, first_response_by_id=agent_id)


def orm_conversation_figures(period, agent_id: int | None) -> ConversationFigures:
    everyone = Conversation.objects.order_by()
    all_created = everyone.filter(created_at__gte=period.start, created_at__lt=period.end)
    all_closed = everyone.filter(
        status=ConversationStatus.CLOSED, closed_at__gte=period.start, closed_at__lt=period.end
    )
    created, closed = all_created, all_closed
    if agent_id is not None:
        created, closed = created.filter(owned_by(agent_id)), closed.filter(owned_by(agent_id))
    figures = ConversationFigures()

    # Answered by the AI alone: an AI message and no agent reply (yet).
    ai_replied = Message.objects.filter(conversation=OuterRef("pk"), sender_type=SenderType.AI)
    totals = created.aggregate(
        created=Count("pk"),
        fr_count=Count("first_response_at"),
        fr_median=Percentile(FIRST_RESPONSE, 0.5),
        fr_p90=Percentile(FIRST_RESPONSE, 0.9),
        ai_answered=Count("pk", filter=Q(first_response_at__isnull=True) & Q(Exists(ai_replied))),
    )
    figures.created, figures.first_responses = totals["created"], totals["fr_count"]
    figures.first_response_median, figures.first_response_p90 = (
        totals["fr_median"],
        totals["fr_p90"],
    )
    figures.ai_answered = totals["ai_answered"]
    figures.created_by_day = {
        row["day"]: (row["n"], row["median"])
        for row in created.annotate(day=TruncDate("created_at", tzinfo=period.tz))
        .values("day")
        .annotate(n=Count("pk"), median=Percentile(FIRST_RESPONSE, 0.5))
    }
    figures.created_by_hour = dict(
        created.annotate(hour=ExtractHour("created_at", tzinfo=period.tz))
        .values("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    )

    closing = closed.aggregate(
        n=Count("pk"), median=Percentile(RESOLUTION, 0.5), p90=Percentile(RESOLUTION, 0.9)
    )
    figures.closed = closing["n"]
    figures.resolution_median, figures.resolution_p90 = closing["median"], closing["p90"]
    figures.closed_by_day = dict(
        closed.annotate(day=TruncDate("closed_at", tzinfo=period.tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )

    figures.owned = dict(
        all_created.annotate(owner=OWNER)
        .filter(owner__isnull=False)
        .values("owner")
        .annotate(n=Count("pk"))
        .values_list("owner", "n")
    )
    figures.first_response_median_by_agent = dict(
        all_created.filter(first_response_by__isnull=False)
        .values("first_response_by")
        .annotate(median=Percentile(FIRST_RESPONSE, 0.5))
        .values_list("first_response_by", "median")
    )
    figures.resolution_median_by_owner = dict(
        all_closed.annotate(owner=OWNER)
        .filter(owner__isnull=False)
        .values("owner")
        .annotate(median=Percentile(RESOLUTION, 0.5))
        .values_list("owner", "median")
    )
    return figures
