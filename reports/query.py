"""The overview's query string, cleaned, and who may ask for what (PROTOCOL section 9)."""

import re
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model

from conversations.actors import user_is_agent, user_is_supervisor
from livechat.errors import Forbidden, ValidationFailed
from reports.selectors import MAX_DAYS, ReportRange

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_USER_ID = 2**31 - 1
FORMATS = ("json", "csv")


@dataclass(frozen=True)
class ReportQuery:
    period: ReportRange
    agent_id: int | None
    format: str


def _clean_date(params, name: str) -> date:
    value = params.get(name)
    if not value:
        raise ValidationFailed.field(name, "This parameter is required (YYYY-MM-DD).")
    if not _DATE.fullmatch(value):
        raise ValidationFailed.field(name, "Use the format YYYY-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.field(name, "Not a valid date.")


def clean_time_zone(value: str | None) -> ZoneInfo:
    name = value or settings.TIME_ZONE
    try:
        if len(name) > 64:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.field("tz", "Unknown time zone; use an IANA name like Asia/Jakarta.")


def _clean_agent(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    pk = int(value) if value.isascii() and value.isdigit() else 0
    user = get_user_model().objects.filter(pk=pk).first() if 0 < pk <= MAX_USER_ID else None
    if user is None or not user_is_agent(user):
        raise ValidationFailed.field("agent", "No such agent.")
    return user.pk


def report_query(params, *, user) -> ReportQuery:
    """Clean `from`, `to`, `tz`, `agent` and `format`; supervisors may ask for anything, an
    agent only for `agent=<own id>`."""
    date_from, date_to = _clean_date(params, "from"), _clean_date(params, "to")
    if date_to < date_from:
        raise ValidationFailed.field("to", "Must not be before `from`.")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ValidationFailed.field("to", f"The range may cover at most {MAX_DAYS} days.")
    tz = clean_time_zone(params.get("tz"))
    fmt = params.get("format") or "json"
    if fmt not in FORMATS:
        raise ValidationFailed.field("format", "Use json or csv.")
    agent_id = _clean_agent(params.get("agent"))
    if not user_is_supervisor(user) and (agent_id is None or agent_id != user.pk):
        raise Forbidden("Only supervisors see the team's reports; agents may ask for their own.")
    return ReportQuery(ReportRange(date_from, date_to, tz), agent_id, fmt)
