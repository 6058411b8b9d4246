"""Formats every wire object shares (PROTOCOL: "times are ISO 8601 UTC strings")."""

import json
from datetime import datetime

from django.utils import timezone


def iso_datetime(value: datetime | None) -> str | None:
    """What DRF's DateTimeField gives: ISO 8601 in the current time zone, `Z` for UTC."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def encode_json(value) -> str:
    """Compact JSON as every answer is sent (DRF's renderer and the WebSocket agree)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encoded_length(value) -> int:
    """Bytes `value` takes on the wire."""
    return len(encode_json(value).encode("utf-8"))
