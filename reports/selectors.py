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

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, ExtractHour, TruncDate

from conversations.actors import user_display_name
from conversations.models import Conversation, ConversationStatus, ConversationStatusChange
from messaging.models import Message, SenderType
from reports.sql import Percentile, Seconds

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


def _owned_by(agent_id: int) -> Q:
    return Q(assignee_id=agent_id) | Q(assignee__isnull=True, first_response_by_id=agent_id)


FIRST_RESPONSE = Seconds("first_response_at", "created_at")
RESOLUTION = Seconds("closed_at", "created_at")


def report_overview(*, period: ReportRange, agent_id: int | None = None) -> dict:
    """The whole overview in a fixed number of queries, whatever the range holds."""
    everyone = Conversation.objects.order_by()
    conversations = everyone if agent_id is None else everyone.filter(_owned_by(agent_id))
    all_created = everyone.filter(created_at__gte=period.start, created_at__lt=period.end)
    all_closed = everyone.filter(
        status=ConversationStatus.CLOSED, closed_at__gte=period.start, closed_at__lt=period.end
    )
    created, closed = all_created, all_closed
    if agent_id is not None:
        created, closed = created.filter(_owned_by(agent_id)), closed.filter(_owned_by(agent_id))
    sent = Message.objects.order_by().filter(
        created_at__gte=period.start, created_at__lt=period.end
    )
    messages = sent
    if agent_id is not None:
        messages = sent.filter(conversation__in=conversations.values("pk"))

    totals = _created_totals(created)
    closing = closed.aggregate(
        count=Count("pk"),
        median=Percentile(RESOLUTION, 0.5),
        p90=Percentile(RESOLUTION, 0.9),
    )
    reopened = (
        ConversationStatusChange.objects.filter(
            from_status=ConversationStatus.CLOSED,
            changed_at__gte=period.start,
            changed_at__lt=period.end,
            conversation__in=conversations.values("pk"),
        )
        .values("conversation_id")
        .distinct()
        .count()
    )
    by_sender = dict(
        messages.values_list("sender_type").annotate(n=Count("pk")).values_list("sender_type", "n")
    )
    return {
        "conversations": {
            "created": totals["created"],
            "closed": closing["count"],
            "reopened": reopened,
            "ai_answered": totals["ai_answered"],
        },
        "first_response_seconds": {
            "median": _seconds(totals["fr_median"]),
            "p90": _seconds(totals["fr_p90"]),
            "count": totals["fr_count"],
        },
        "resolution_seconds": {
            "median": _seconds(closing["median"]),
            "p90": _seconds(closing["p90"]),
            "count": closing["count"],
        },
        "messages": {
            "visitor": by_sender.get(SenderType.VISITOR, 0),
            "agent": by_sender.get(SenderType.AGENT, 0),
            "ai": by_sender.get(SenderType.AI, 0),
        },
        "per_day": _per_day(period, created, closed),
        "per_agent": _per_agent(all_created, all_closed, sent, agent_id=agent_id),
        "per_hour": _per_hour(period, created),
    }


def _created_totals(created: QuerySet) -> dict:
    # Answered by the AI alone: an AI message and no agent reply (yet).
    ai_replied = Message.objects.filter(conversation=OuterRef("pk"), sender_type=SenderType.AI)
    return created.aggregate(
        created=Count("pk"),
        fr_count=Count("first_response_at"),
        fr_median=Percentile(FIRST_RESPONSE, 0.5),
        fr_p90=Percentile(FIRST_RESPONSE, 0.9),
        ai_answered=Count("pk", filter=Q(first_response_at__isnull=True) & Q(Exists(ai_replied))),
    )


def _per_day(period: ReportRange, created: QuerySet, closed: QuerySet) -> list[dict]:
    created_by_day = {
        row["day"]: row
        for row in created.annotate(day=TruncDate("created_at", tzinfo=period.tz))
        .values("day")
        .annotate(n=Count("pk"), fr_median=Percentile(FIRST_RESPONSE, 0.5))
    }
    closed_by_day = dict(
        closed.annotate(day=TruncDate("closed_at", tzinfo=period.tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    days = []
    for day in period.days():
        row = created_by_day.get(day, {})
        days.append(
            {
                "date": day.isoformat(),
                "created": row.get("n", 0),
                "closed": closed_by_day.get(day, 0),
                "first_response_median": _seconds(row.get("fr_median")),
            }
        )
    return days


def _per_hour(period: ReportRange, created: QuerySet) -> list[int]:
    hours = [0] * 24
    rows = (
        created.annotate(hour=ExtractHour("created_at", tzinfo=period.tz))
        .values("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    )
    for hour, n in rows:
        hours[hour] = n
    return hours


def _per_agent(
    created: QuerySet, closed: QuerySet, sent: QuerySet, *, agent_id: int | None
) -> list[dict]:
    """Owned conversations and their resolution, first responses given, and replies sent
    anywhere (so an agent's replies in colleagues' conversations count too). An agent's
    row is the same with or without the agent filter."""
    owner = {"owner": Coalesce("assignee_id", "first_response_by_id")}
    owned = dict(
        created.annotate(**owner)
        .filter(owner__isnull=False)
        .values("owner")
        .annotate(n=Count("pk"))
        .values_list("owner", "n")
    )
    first_responses = dict(
        created.filter(first_response_by__isnull=False)
        .values("first_response_by")
        .annotate(median=Percentile(FIRST_RESPONSE, 0.5))
        .values_list("first_response_by", "median")
    )
    resolutions = dict(
        closed.annotate(**owner)
        .filter(owner__isnull=False)
        .values("owner")
        .annotate(median=Percentile(RESOLUTION, 0.5))
        .values_list("owner", "median")
    )
    replies = dict(
        sent.filter(sender_type=SenderType.AGENT)
        .values("sender_agent")
        .annotate(n=Count("pk"))
        .values_list("sender_agent", "n")
    )
    ids = set(owned) | set(first_responses) | set(resolutions) | set(replies)
    if agent_id is not None:
        ids &= {agent_id}
    users = get_user_model().objects.filter(pk__in=ids)
    rows = [
        {
            "agent": {"id": str(user.pk), "name": user_display_name(user)},
            "conversations": owned.get(user.pk, 0),
            "replies": replies.get(user.pk, 0),
            "first_response_median": _seconds(first_responses.get(user.pk)),
            "resolution_median": _seconds(resolutions.get(user.pk)),
        }
        for user in users
    ]
    rows.sort(key=lambda row: (-row["conversations"], -row["replies"], row["agent"]["name"]))
    return rows
