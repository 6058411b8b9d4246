"""The reports overview (PROTOCOL section 9), aggregated in the database.

Which conversations each figure counts (docs/protocol.md, "Reports"):
- `created`, first response, `per_hour`, `ai_answered`: conversations created in the range;
- `closed` and resolution: conversations whose last close falls in the range (a reopened
  conversation is not closed until it is closed again);
- `reopened`: conversations reopened at least once in the range;
- `messages`: messages sent in the range.

Times are conversation and message timestamps, bucketed by day and hour in the requested
time zone. An agent "owns" a conversation when assigned to it, or, while nobody is
assigned, when the agent gave its first response; the agent filter and `per_agent` count
owned conversations, except first responses, which are credited to the agent who gave them.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count

from conversations.actors import user_display_name
from conversations.models import Conversation, ConversationStatus, ConversationStatusChange
from messaging.models import Message, SenderType
from reports import postgres
from reports.figures import ConversationFigures, orm_conversation_figures, owned_by

MAX_DAYS = 366


@dataclass(frozen=True)
class ReportRange:
    """`date_from`..`date_to` inclusive, in `tz`."""

    date_from: date
    date_to: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """The first moment after the range (midnight ending `date_to`)."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=self.tz)

    def days(self) -> list[date]:
        count = (self.date_to - self.date_from).days + 1
        return [self.date_from + timedelta(days=i) for i in range(count)]


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def conversation_figures(period: ReportRange, agent_id: int | None) -> ConversationFigures:
    if connection.vendor == "postgresql":
        return postgres.conversation_figures(period, agent_id)
    return orm_conversation_figures(period, agent_id)


def report_overview(*, period: ReportRange, agent_id: int | None = None) -> dict:
    """The whole overview in a fixed number of queries, whatever the range holds."""
    figures = conversation_figures(period, agent_id)
    owned = Conversation.objects.order_by()
    if agent_id is not None:
        owned = owned.filter(owned_by(agent_id))
    reopened = (
        ConversationStatusChange.objects.filter(
            from_status=ConversationStatus.CLOSED,
            changed_at__gte=period.start,
            changed_at__lt=period.end,
        )
        .filter(**({} if agent_id is None else {"conversation__in": owned.values("pk")}))
        .values("conversation_id")
        .distinct()
        .count()
    )
    # Private notes are talk among agents, not replies to anyone.
    sent = Message.objects.order_by().filter(
        created_at__gte=period.start, created_at__lt=period.end, internal=False
    )
    by_sender = Counter()
    replies = {}
    for kind, agent, n in sent.values_list("sender_type", "sender_agent").annotate(n=Count("pk")):
        by_sender[kind] += n
        if kind == SenderType.AGENT:
            replies[agent] = n
    if agent_id is not None:
        by_sender = Counter(
            dict(
                sent.filter(conversation__in=owned.values("pk"))
                .values_list("sender_type")
                .annotate(n=Count("pk"))
                .values_list("sender_type", "n")
            )
        )
    return {
        "conversations": {
            "created": figures.created,
            "closed": figures.closed,
            "reopened": reopened,
            "ai_answered": figures.ai_answered,
        },
        "first_response_seconds": {
            "median": _seconds(figures.first_response_median),
            "p90": _seconds(figures.first_response_p90),
            "count": figures.first_responses,
        },
        "resolution_seconds": {
            "median": _seconds(figures.resolution_median),
            "p90": _seconds(figures.resolution_p90),
            "count": figures.closed,
        },
        "messages": {
            "visitor": by_sender[SenderType.VISITOR],
            "agent": by_sender[SenderType.AGENT],
            "ai": by_sender[SenderType.AI],
        },
        "per_day": _per_day(period, figures),
        "per_agent": _per_agent(figures, replies, agent_id=agent_id),
        "per_hour": [figures.created_by_hour.get(hour, 0) for hour in range(24)],
    }


def _per_day(period: ReportRange, figures: ConversationFigures) -> list[dict]:
    days = []
    for day in period.days():
        created, median = figures.created_by_day.get(day, (0, None))
        days.append(
            {
                "date": day.isoformat(),
                "created": created,
                "closed": figures.closed_by_day.get(day, 0),
                "first_response_median": _seconds(median),
            }
        )
    return days


def _per_agent(figures: ConversationFigures, replies: dict, *, agent_id: int | None) -> list[dict]:
    """Owned conversations and their resolution, first responses given, and replies sent
    anywhere (so an agent's replies in colleagues' conversations count too)."""
    ids = (
        set(figures.owned)
        | set(figures.first_response_median_by_agent)
        | set(figures.resolution_median_by_owner)
        | set(replies)
    )
    if agent_id is not None:
        ids &= {agent_id}
    rows = [
        {
            "agent": {"id": str(user.pk), "name": user_display_name(user)},
            "conversations": figures.owned.get(user.pk, 0),
            "replies": replies.get(user.pk, 0),
            "first_response_median": _seconds(figures.first_response_median_by_agent.get(user.pk)),
            "resolution_median": _seconds(figures.resolution_median_by_owner.get(user.pk)),
        }
        for user in get_user_model().objects.filter(pk__in=ids)
    ]
    rows.sort(key=lambda row: (-row["conversations"], -row["replies"], row["agent"]["name"]))
    return rows
