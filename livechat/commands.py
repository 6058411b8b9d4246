"""What the maintenance commands (`manage.py livechat_*`) share: argument parsing, exit
codes, progress bars, confirmation, output files and the operator's name for audits.

Exit codes, the same for every command (README, "Maintenance"):
0 done (also when there was nothing to do), 1 failed while working, 2 bad arguments,
3 nothing matched what was asked for (an unknown visitor).
"""

import contextlib
import getpass
import re
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from typing import IO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3

_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_USAGE)


def parse_duration(text: str, *, option: str) -> timedelta:
    """`90s`, `30m`, `24h`, `365d`, `2w` (or a sum like `1d12h`) as a positive timedelta."""
    text = (text or "").strip().lower()
    parts = _DURATION.findall(text)
    if not parts or _DURATION.sub("", text).strip():
        raise usage_error(f"{option}: use a duration like 30m, 24h or 365d (got {text!r}).")
    total = sum((timedelta(**{_UNITS[unit]: int(n)}) for n, unit in parts), timedelta())
    if total <= timedelta(0):
        raise usage_error(f"{option}: must be longer than zero.")
    return total


def parse_date(text: str, *, option: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise usage_error(f"{option}: use the format YYYY-MM-DD (got {text!r}).")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise usage_error(f"{option}: {text} is not a date.")


def clean_time_zone(name: str | None, *, option: str = "--tz") -> ZoneInfo:
    """An IANA time zone name (default the server's TIME_ZONE)."""
    name = name or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise usage_error(f"{option}: unknown time zone {name!r}; use a name like Asia/Jakarta.")


def progress(command: BaseCommand, *, total: int, unit: str, desc: str) -> tqdm:
    """A progress bar on stderr, shown only on a terminal (logs of cron jobs stay clean)
    unless `--progress` forces it."""
    forced = getattr(command, "force_progress", False)
    return tqdm(
        total=total,
        unit=unit,
        desc=desc,
        # The raw stream: Django's OutputWrapper would end every redraw with a newline.
        file=getattr(command.stderr, "_out", sys.stderr),
        disable=False if forced else None,
        dynamic_ncols=True,
        leave=True,
    )


class MaintenanceCommand(BaseCommand):
    """Adds `--progress` (draw the bar even when not on a terminal)."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--progress",
            action="store_true",
            help="draw the progress bar even when stderr is not a terminal",
        )
        return parser

    def execute(self, *args, **options):
        self.force_progress = bool(options.get("progress"))
        return super().execute(*args, **options)

    def confirm(self, question: str, *, interactive: bool) -> None:
        """Ask before destroying data, unless `--no-input`; anything but yes stops with 1."""
        if not interactive:
            return
        try:
            answer = input(f"{question} Type 'yes' to continue: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError("Cancelled; nothing was changed.", returncode=EXIT_FAILED)


@contextlib.contextmanager
def output_stream(command: BaseCommand, path: str, *, binary: bool = False) -> Iterator[IO]:
    """`-` is the command's standard output; anything else a file."""
    if path == "-":
        out = getattr(command.stdout, "_out", sys.stdout)
        yield getattr(out, "buffer", out) if binary else out
        return
    mode, encoding = ("wb", None) if binary else ("w", "utf-8")
    try:
        # Opened apart from the `with` so that only the open is turned into a usage error.
        handle = open(path, mode, encoding=encoding)  # noqa: SIM115
    except OSError as exc:
        raise usage_error(f"--output: cannot write {path}: {exc.strerror}.")
    with handle:
        yield handle


def operator_name() -> str:
    """Who ran a command, for audit records: the operating-system account."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
