"""`manage.py livechat_forget_visitor <id|email> [--dry-run] [--no-input]`: erase a visitor
and everything stored about them (conversations/erasure.py), leaving an audit record."""

from django.core.management.base import CommandError

from conversations.erasure import erasure_counts, visitors_forget, visitors_matching
from livechat.commands import (
    EXIT_NOT_FOUND,
    MaintenanceCommand,
    operator_name,
    usage_error,
)
from livechat.errors import ValidationFailed


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {label}" for label, n in sorted(counts.items())) or "nothing"


class Command(MaintenanceCommand):
    help = (
        "Erase a visitor (by id, or every visitor with that email) with their conversation, "
        "messages, edit history and files; closes their open widgets and records who, when "
        "and how many rows (never who was erased)."
    )

    def add_arguments(self, parser):
        parser.add_argument("visitor", help="a visitor id, or an email address")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="do not ask"
        )

    def handle(self, *args, visitor, dry_run, interactive, **options):
        try:
            visitors = visitors_matching(visitor)
        except ValidationFailed as exc:
            raise usage_error(exc.message)
        counts = erasure_counts(visitors)
        if not counts:
            raise CommandError("No visitor matches; nothing to erase.", returncode=EXIT_NOT_FOUND)
        if dry_run:
            self.stdout.write(f"Would delete {describe(counts)}.")
            return
        n = counts.get("conversations.Visitor", 0)
        self.confirm(f"Erase {n} visitor(s) and all their data?", interactive=interactive)
        record = visitors_forget(visitors=visitors, via="command", operator=operator_name())
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {describe(record.rows)} (audit record #{record.pk}).")
        )
