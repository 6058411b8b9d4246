"""Erasure (a visitor's right to be forgotten) and the retention purge.

Everything stored about a visitor hangs off the Visitor row by CASCADE (conversation,
messages, their edit history, status history, and every other app's rows that point at
them, attachments included), so one delete removes it all; deleting a row that holds a
file removes the file from storage (the model's own job). Each erasure leaves an
`ErasureRecord`: who, when, how many rows, and nothing about the people erased. The
visitor's open widgets are disconnected (close 4401, as for a revoked token).
"""

import uuid
from collections import Counter
from datetime import datetime

from django.db import router, transaction
from django.db.models import QuerySet
from django.db.models.deletion import Collector

from conversations.models import ConversationStatus, ErasureRecord, Visitor
from livechat.errors import ValidationFailed
from realtime import events as realtime_events
from realtime import groups
from realtime.broadcast import send_on_commit
from realtime.close_codes import CloseCode


def visitors_matching(identifier: str) -> QuerySet[Visitor]:
    """A visitor id, or an email address (every visitor who gave it, in any letter case)."""
    identifier = (identifier or "").strip()
    if not identifier:
        raise ValidationFailed.field("visitor", "Give a visitor id or an email address.")
    if "@" in identifier:
        return Visitor.objects.filter(email__iexact=identifier)
    try:
        pk = uuid.UUID(identifier)
    except ValueError:
        raise ValidationFailed.field("visitor", "Neither a visitor id nor an email address.")
    return Visitor.objects.filter(pk=pk)


class _Everything(Collector):
    """The deletion collector, made to load every row it would delete (none is left to a
    bulk delete it cannot count or show)."""

    def can_fast_delete(self, *args, **kwargs) -> bool:
        return False


def collect(visitors: QuerySet[Visitor]) -> dict[type, list]:
    """Every row deleting `visitors` would delete, by model."""
    collector = _Everything(using=router.db_for_write(Visitor), origin=visitors)
    collector.collect(visitors)
    return {model: list(rows) for model, rows in collector.data.items() if rows}


def erasure_counts(visitors: QuerySet[Visitor]) -> dict[str, int]:
    """`{"app_label.Model": rows}` that erasing `visitors` would delete (for --dry-run)."""
    return {model._meta.label: len(rows) for model, rows in collect(visitors).items()}


def _close_widgets(visitor_ids) -> None:
    for pk in visitor_ids:
        send_on_commit(
            realtime_events.session_revoked(
                groups.visitor_group(pk), code=CloseCode.UNAUTHENTICATED
            )
        )


def visitors_erase(*, visitor_ids: list, record: ErasureRecord) -> dict[str, int]:
    """Delete these visitors and everything about them, adding the counts to `record`
    in the same transaction."""
    with transaction.atomic():
        _total, deleted = Visitor.objects.filter(pk__in=visitor_ids).delete()
        deleted = {label: n for label, n in deleted.items() if n}
        if deleted:
            totals = Counter(record.rows)
            totals.update(deleted)
            record.rows = dict(totals)
            record.visitors += deleted.get(Visitor._meta.label, 0)
            record.save(update_fields=["rows", "visitors"])
        _close_widgets(visitor_ids)
        return deleted


def visitors_forget(
    *, visitors: QuerySet[Visitor], via: str, performed_by=None, operator: str = ""
) -> ErasureRecord:
    """Erase on request (admin action, `livechat_forget_visitor`): one record, one transaction."""
    with transaction.atomic():
        ids = list(visitors.select_for_update().values_list("pk", flat=True))
        record = ErasureRecord.objects.create(
            action=ErasureRecord.Action.FORGET,
            via=via,
            performed_by=performed_by,
            operator=operator or getattr(performed_by, "username", ""),
        )
        visitors_erase(visitor_ids=ids, record=record)
        return record


def purge_candidates(*, closed_before: datetime) -> QuerySet[Visitor]:
    """Visitors whose conversation was closed (for the last time) before the cutoff."""
    return Visitor.objects.filter(
        conversation__status=ConversationStatus.CLOSED,
        conversation__closed_at__lt=closed_before,
    ).order_by("conversation__closed_at")
