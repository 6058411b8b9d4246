"""Domain errors shared by services, selectors, REST views and consumers.

Services raise `LivechatError` subclasses; `livechat.error_responses` turns them into the
REST body `{"detail", "code"}` with the matching status, the consumers into an `error`
frame with the same `code`.
"""

from django.db import InterfaceError, OperationalError

# The database is unreachable or refused the connection (a pool timeout included): the
# request may succeed if repeated shortly, so clients get 503 `unavailable`, never a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Seconds a client should wait before repeating a request refused with `unavailable`.
RETRY_AFTER_SECONDS = 5


class LivechatError(Exception):
    code = "error"
    status_code = 400

    def __init__(self, message: str, *, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class ValidationFailed(LivechatError):
    code = "validation_error"
    status_code = 400

    @classmethod
    def field(cls, name: str, message: str) -> "ValidationFailed":
        """One field's error, as `{"detail": "name: message", "errors": {name: [message]}}`."""
        return cls(f"{name}: {message}", errors={name: [message]})


class NotFound(LivechatError):
    code = "not_found"
    status_code = 404


class Forbidden(LivechatError):
    code = "forbidden"
    status_code = 403


class Conflict(LivechatError):
    code = "conflict"
    status_code = 409


class Unavailable(LivechatError):
    code = "unavailable"
    status_code = 503

    def __init__(self, message: str = "The service is briefly unavailable; try again shortly."):
        super().__init__(message)


class TooLarge(LivechatError):
    code = "too_large"
    status_code = 413


class UnsupportedType(LivechatError):
    code = "unsupported_type"
    status_code = 415
