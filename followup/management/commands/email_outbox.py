"""Send the email follow-ups and transcripts that are due (the same round every daphne
process runs, for cron or a dedicated worker process)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from followup.services import outbox_run_once


class Command(BaseCommand):
    help = "Queue due follow-up emails and send what the outbox holds; --loop to keep going."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="run every EMAIL_OUTBOX_INTERVAL seconds"
        )

    def handle(self, *args, loop: bool = False, **options):
        while True:
            queued, handled = outbox_run_once()
            if options["verbosity"] > 0:
                self.stdout.write(f"queued {queued} follow-up(s), handled {handled} email(s)")
            if not loop:
                return
            time.sleep(float(settings.EMAIL_OUTBOX_INTERVAL))
