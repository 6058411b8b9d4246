"""Client frames: decoding, field checks, and the ack / error frames that answer them.

Every check raises `FrameError` with a contract error code; the consumer turns it into one
`error` frame and keeps the socket open.
"""

import json
import math

MAX_REQUEST_ID_LENGTH = 128
MAX_ID_LENGTH = 64
MAX_INT = 2**63 - 1  # what the database's bigint columns hold
PRESENCE_STATUSES = ("online", "away")


class FrameError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> FrameError:
    return FrameError("validation_error", message)


def decode(raw: str | bytes) -> dict:
    """One JSON object, or FrameError(invalid_json / validation_error)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FrameError("invalid_json", "Frames must be UTF-8 JSON.") from None
    try:
        frame = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise FrameError("invalid_json", "The frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise invalid("A frame must be a JSON object.")
    try:
        # "\ud800" is valid JSON but no valid text: refuse it here, not in the database.
        json.dumps(frame, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise invalid("Strings must be valid Unicode text.") from None
    return frame


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def echo_request_id(frame) -> str | int | float | None:
    """What to put in an error's `request_id`, even when the frame's one is invalid."""
    if not isinstance(frame, dict):
        return None
    value = frame.get("request_id")
    if isinstance(value, float) and not math.isfinite(value):
        return None  # `1e999` parses as infinity, which no JSON can carry back
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    return None


def request_id(frame: dict) -> str | None:
    value = frame.get("request_id")
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_REQUEST_ID_LENGTH:
        raise invalid(f"request_id: Must be a string of 1 to {MAX_REQUEST_ID_LENGTH} characters.")
    return value


def frame_type(frame: dict) -> str:
    value = frame.get("type")
    if not isinstance(value, str) or not value:
        raise invalid("type: This field is required and must be a string.")
    return value


def required_id(frame: dict, name: str) -> str:
    """An opaque id: a non-empty string. Ids that match nothing are `not_found` later."""
    value = frame.get(name)
    if value is None:
        raise invalid(f"{name}: This field is required.")
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise invalid(f"{name}: Must be a string id.")
    return value


def required_bool(frame: dict, name: str) -> bool:
    value = frame.get(name)
    if value is None:
        raise invalid(f"{name}: This field is required.")
    if not isinstance(value, bool):
        raise invalid(f"{name}: Must be true or false.")
    return value


def _int(frame: dict, name: str, default):
    value = frame.get(name, default)
    if value is None:
        raise invalid(f"{name}: This field is required.")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
        raise invalid(f"{name}: Must be a non-negative integer.")
    return value


def required_int(frame: dict, name: str) -> int:
    return _int(frame, name, None)


def optional_int(frame: dict, name: str, default: int) -> int:
    return _int(frame, name, default)


def required_choice(frame: dict, name: str, choices: tuple[str, ...]) -> str:
    value = frame.get(name)
    if value is None:
        raise invalid(f"{name}: This field is required.")
    if value not in choices:
        raise invalid(f"{name}: Must be one of {', '.join(choices)}.")
    return value


def ack(request_id: str, result: dict | None = None) -> dict:
    return {"type": "ack", "request_id": request_id, **(result or {})}


def error(request_id, code: str, message: str) -> dict:
    return {"type": "error", "request_id": request_id, "code": code, "message": message}
