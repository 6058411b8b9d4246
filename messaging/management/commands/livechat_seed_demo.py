"""`manage.py livechat_seed_demo --conversations N [--days 30]`: demo data for the reports
page and for benchmarks (see messaging/demo.py for what it writes)."""

from django.db import transaction
from django.utils import timezone

from livechat.commands import MaintenanceCommand, clean_time_zone, progress, usage_error
from messaging.demo import DemoHistory, demo_agents, explicit_timestamps

CHUNK = 500  # conversations per transaction


class Command(MaintenanceCommand):
    help = (
        "Add realistic demo conversations (Indonesian and English visitors, AI answers, agents' "
        "replies, edits, closes) spread over the last --days days, and a demo team."
    )

    def add_arguments(self, parser):
        parser.add_argument("--conversations", type=int, required=True, help="how many (1+)")
        parser.add_argument("--days", type=int, default=30, help="spread over (default 30)")
        parser.add_argument("--seed", type=int, help="random seed, for the same data again")
        parser.add_argument(
            "--tz", help="the shop's time zone, for its busy hours (default TIME_ZONE)"
        )
        parser.add_argument("--dry-run", action="store_true", help="say what would be added")
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="do not ask"
        )

    def handle(self, *args, conversations, days, seed, tz, dry_run, interactive, **options):
        if conversations < 1:
            raise usage_error("--conversations: must be at least 1.")
        if not 1 <= days <= 3660:
            raise usage_error("--days: must be between 1 and 3660.")
        zone = clean_time_zone(tz)
        plan = f"{conversations} demo conversation(s) over the last {days} day(s)"
        if dry_run:
            self.stdout.write(f"Would add {plan}.")
            return
        self.confirm(f"This adds {plan} to the database.", interactive=interactive)
        agents = demo_agents()
        history = DemoHistory(agents=agents, days=days, now=timezone.now(), seed=seed, tz=zone)
        messages = 0
        bar = progress(self, total=conversations, unit="conv", desc="seeding")
        # Written oldest first, as a live system writes them (rows of a day sit together on
        # disk, which range scans on created_at depend on).
        moments = history.moments(conversations)
        with bar, explicit_timestamps():
            for start in range(0, conversations, CHUNK):
                size = min(CHUNK, conversations - start)
                batch = history.build(moments[start : start + size])
                with transaction.atomic():
                    batch.write()
                messages += len(batch.messages)
                bar.update(size)
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {conversations} conversation(s) with {messages} message(s), "
                f"answered by {len(agents)} demo agents."
            )
        )
