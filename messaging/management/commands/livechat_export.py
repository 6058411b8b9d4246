"""`manage.py livechat_export --from YYYY-MM-DD --to YYYY-MM-DD --format jsonl|csv
[--output FILE]`: transcripts of the conversations created in that range (inclusive, in
--tz), streamed to a file or standard output."""

from datetime import datetime, time, timedelta

from livechat.commands import (
    MaintenanceCommand,
    clean_time_zone,
    output_stream,
    parse_date,
    progress,
    usage_error,
)
from messaging.transcripts import conversations_created, transcripts, write_csv, write_jsonl

WRITERS = {"jsonl": write_jsonl, "csv": write_csv}


class Command(MaintenanceCommand):
    help = (
        "Export the transcripts of the conversations created between --from and --to "
        "(inclusive, in --tz): JSON lines (a conversation with its messages per line) or CSV "
        "(a message per row)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument("--format", choices=sorted(WRITERS), default="jsonl")
        parser.add_argument("--tz", help="time zone of the dates (default TIME_ZONE)")
        parser.add_argument("--output", "-o", default="-", help="a file; '-' is stdout")

    def handle(self, *args, date_from, date_to, format, tz, output, **options):
        first = parse_date(date_from, option="--from")
        last = parse_date(date_to, option="--to")
        if last < first:
            raise usage_error("--to: must not be before --from.")
        zone = clean_time_zone(tz)
        start = datetime.combine(first, time.min, tzinfo=zone)
        end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
        ids = conversations_created(start, end)
        with (
            output_stream(self, output) as out,
            progress(self, total=len(ids), unit="conv", desc="exporting") as bar,
        ):
            for _ in WRITERS[format](out, transcripts(ids)):
                bar.update(1)
        if output != "-":
            self.stderr.write(f"Exported {len(ids)} conversation(s) to {output}.")
