"""`manage.py livechat_purge [--older-than 365d] [--dry-run]`: the retention purge.

Erases the visitors whose conversation was closed longer ago than the retention period
(`--older-than`, or `RETENTION_DAYS`; off by default), with everything stored about them,
in batches, each batch in its own transaction, under one audit record.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from conversations.erasure import purge_candidates, visitors_erase
from conversations.models import ErasureRecord
from livechat.commands import (
    MaintenanceCommand,
    operator_name,
    parse_duration,
    progress,
    usage_error,
)

# A typo such as `365m` (minutes) must not purge every closed conversation.
MIN_RETENTION = timedelta(days=1)


class Command(MaintenanceCommand):
    help = (
        "Erase closed conversations (with their visitors, messages, history and files) whose "
        "last close is older than --older-than, or RETENTION_DAYS when not given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", help="e.g. 365d; default RETENTION_DAYS")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
        parser.add_argument("--batch-size", type=int, default=500, help="visitors per batch")
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="do not ask"
        )

    def handle(self, *args, older_than, dry_run, batch_size, interactive, **options):
        if older_than:
            age = parse_duration(older_than, option="--older-than")
        elif settings.RETENTION_DAYS > 0:
            age = timedelta(days=settings.RETENTION_DAYS)
        else:
            raise usage_error(
                "Retention is off: pass --older-than (e.g. 365d) or set RETENTION_DAYS."
            )
        if age < MIN_RETENTION:
            raise usage_error("--older-than: must be at least 1d.")
        if not 1 <= batch_size <= 10_000:
            raise usage_error("--batch-size: must be between 1 and 10000.")
        cutoff = timezone.now() - age
        candidates = purge_candidates(closed_before=cutoff)
        total = candidates.count()
        what = f"{total} conversation(s) closed before {cutoff:%Y-%m-%d %H:%M} UTC"
        if dry_run or not total:
            self.stdout.write(f"Would erase {what}." if dry_run else "Nothing to purge.")
            return
        self.confirm(f"Erase {what}?", interactive=interactive)
        record = ErasureRecord.objects.create(
            action=ErasureRecord.Action.PURGE, via="command", operator=operator_name()
        )
        with progress(self, total=total, unit="conv", desc="purging") as bar:
            while ids := list(candidates.values_list("pk", flat=True)[:batch_size]):
                deleted = visitors_erase(visitor_ids=ids, record=record)
                bar.update(deleted.get("conversations.Conversation", 0))
        rows = sum(record.rows.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased {record.visitors} visitor(s), {rows} row(s) in all "
                f"(audit record #{record.pk})."
            )
        )
