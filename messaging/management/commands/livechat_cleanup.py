"""`manage.py livechat_cleanup [--dry-run]`: remove what nobody needs any more.

Each step is one line of STEPS (livechat/cleanup.py says what a step is); add new kinds of
leftovers there.
"""

from django.core.management.base import CommandError

from conversations import cleanup as visitor_cleanup
from livechat.cleanup import FunctionStep, QueryStep
from livechat.commands import EXIT_FAILED, MaintenanceCommand
from messaging.attachments import attachment_delete_unused

STEPS = [
    QueryStep(
        "visitors without a conversation, older than 30 days",
        visitor_cleanup.unused_visitors,
        visitor_cleanup.delete_rows,
    ),
    QueryStep(
        "revoked and idle visitor tokens",
        visitor_cleanup.stale_tokens,
        visitor_cleanup.forget_tokens,
    ),
    FunctionStep("uploads never sent in a message, older than a day", attachment_delete_unused),
]


class Command(MaintenanceCommand):
    help = (
        "Remove leftovers: widget sessions that never started a conversation (after 30 days), "
        "revoked visitor tokens and tokens idle for VISITOR_TOKEN_IDLE_DAYS, and uploads "
        "never sent in a message (after a day, files included)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run, **options):
        failed = []
        for step in STEPS:
            try:
                count = step.run(self, dry_run=dry_run)
            except Exception as exc:  # one step failing must not hide the others' results
                failed.append(step.name)
                self.stderr.write(f"{step.name}: failed: {exc}")
                continue
            verb = "would remove" if dry_run else "removed"
            self.stdout.write(f"{step.name}: {verb} {count}")
        if failed:
            raise CommandError(f"{len(failed)} step(s) failed.", returncode=EXIT_FAILED)
