"""The real-time limits, read from `settings.LIVECHAT` at use time (so tests can override)."""

from django.conf import settings

DEFAULTS = {
    "AUTH_TIMEOUT": 10.0,
    "TYPING_TIMEOUT": 5.0,
    # Repeated typing:start of one socket in one conversation is relayed at most this often.
    "TYPING_THROTTLE": 1.0,
    "MAX_FRAME_BYTES": 64 * 1024,
    "RATE_PER_SECOND": 20.0,
    "RATE_BURST": 40.0,
    # Dropped frames (leaking at RATE_PER_SECOND) past RATE_BURST times this close with 4429.
    "FLOOD_FACTOR": 3.0,
    "PRESENCE_TTL": 30,
    "HEARTBEAT_INTERVAL": 10.0,
    # `sync` returns at most this many messages per ack (has_more tells the client to go on).
    "SYNC_MAX_MESSAGES": 1000,
}


def setting(name: str):
    return getattr(settings, "LIVECHAT", {}).get(name, DEFAULTS[name])
