"""Time the reports overview on a seeded database (docs/performance.md, "Reports").

    manage.py livechat_seed_demo --conversations 172000 --days 365 --no-input
    .venv/bin/python bench/reports.py            # DATABASE_URL of that database

Runs the overview for the last year, 30 days and 7 days, for the team and for one agent,
and prints the best, median and worst of the runs in milliseconds (on a shared machine the
best is the closest to what the query costs on its own).
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livechat.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from messaging.models import Message  # noqa: E402
from reports.selectors import ReportRange, report_overview  # noqa: E402

RUNS = 7


def main() -> None:
    tz = ZoneInfo(os.environ.get("REPORT_TZ", "Asia/Jakarta"))
    today = timezone.now().astimezone(tz).date()
    agent = get_user_model().objects.filter(username="demo-rina").first()
    print(f"{Message.objects.count():,} messages in the database")
    for days in (366, 30, 7):
        period = ReportRange(today - timedelta(days=days - 1), today, tz)
        for label, agent_id in (("team", None), ("one agent", agent and agent.pk)):
            timings = []
            for _ in range(RUNS):
                started = time.perf_counter()
                report = report_overview(period=period, agent_id=agent_id)
                timings.append((time.perf_counter() - started) * 1000)
            print(
                f"{days:>3} days, {label:<9}: best {min(timings):5.0f} ms, "
                f"median {statistics.median(timings):5.0f} ms, worst {max(timings):5.0f} ms "
                f"({report['conversations']['created']:,} conversations, "
                f"{sum(report['messages'].values()):,} messages)"
            )


if __name__ == "__main__":
    main()
