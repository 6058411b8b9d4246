"""Formats every wire object shares (PROTOCOL: "times are ISO 8601 UTC strings")."""

from datetime import datetime

from django.utils import timezone


def iso_datetime(value: datetime | None) -> str | None:
    """What DRF's DateTimeField gives: ISO 8601 in the current time zone, `Z` for UTC."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
