"""Formats every wire object shares (PROTOCOL: "times are ISO 8601 UTC strings")."""

import json
from datetime import datetime

import orjson
from django.utils import timezone


def iso_datetime(value: datetime | None) -> str | None:
    """What DRF's DateTimeField gives: ISO 8601 in the current time zone, `Z` for UTC."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_NUMBER = frozenset(b"0123456789.-")
_BEFORE_VALUE = frozenset(b":,[")


def _has_small_float(text: bytes) -> bool:
    """Whether orjson's text has a float that `json` writes differently: one under 1e-4,
    `0.00001` or `1e-7` in orjson, `1e-05` / `1e-07` in `json`. A mark counts only in a
    number that starts a value (after `:`, `,`, `[`), so the `e-` of a UUID does not."""
    for mark in (b"e-", b"0.0000"):
        at = text.find(mark)
        while at != -1:
            start = at
            while start > 0 and text[start - 1] in _NUMBER:
                start -= 1
            if (start < at or mark == b"0.0000") and (
                start == 0 or text[start - 1] in _BEFORE_VALUE
            ):
                return True
            at = text.find(mark, at + 1)
    return False


def _encode_json_stdlib(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode_json(value) -> str:
    """Compact JSON as every answer is sent (DRF's renderer and the WebSocket agree).

    orjson encodes a frame several times faster than `json` with the same output (compact,
    non-ASCII unescaped), except where they disagree; those cases go through `json`, so
    the text stays what it always was: a dict key that is not a str or an int past 64 bits
    (orjson refuses them), and a float under 1e-4, which `json` writes `1e-05` and orjson
    `0.00001` or `1e-7` (a string that merely looks like one is encoded twice, which costs
    what one `json` call did before). NaN and infinities, which `json` writes as invalid
    JSON and orjson as `null`, are in no wire object (`frames.echo_request_id` drops them).
    """
    try:
        text = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _encode_json_stdlib(value)
    if _has_small_float(text):
        return _encode_json_stdlib(value)
    return text.decode()


def encoded_length(value) -> int:
    """Bytes `value` takes on the wire."""
    return len(encode_json(value).encode("utf-8"))
