"""Deliver events to channel-layer groups; for persisted changes, after the database commit.

An event is `(recipients, payload)`, built by one function in an app's `events.py`: the
payload is a frame (a dict, encoded here once and forwarded verbatim by every socket) or
`Close(code)`, which closes the recipients' sockets. The database is the truth and the
channel layer only the fast path: a persisted change's event is queued with
`transaction.on_commit`, so nothing leaves for a rolled-back change, and a lost frame
(a full channel, Redis down) is repaired by the client's `sync`.
"""

import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.dispatch import Signal

from livechat.wire import encode_json

logger = logging.getLogger(__name__)

# Channel-layer message types, and the consumer handlers (`lc_frame`, `lc_close`) they reach.
FRAME_EVENT = "lc.frame"
CLOSE_EVENT = "lc.close"

# Sent for every event handed to the channel layer, with `recipients` and `payload`:
# the observability hook (metrics) and what tests record.
event_sent = Signal()


@dataclass(frozen=True)
class Close:
    """Close the recipients' sockets with this WebSocket close code."""

    code: int


Event = tuple[list[str], "dict | Close"]


def layer_message(payload: "dict | Close", *, exclude_channel: str | None = None) -> dict:
    if isinstance(payload, Close):
        return {"type": CLOSE_EVENT, "code": payload.code}
    return {"type": FRAME_EVENT, "text": encode_json(payload), "exclude": exclude_channel}


async def asend(event: Event, *, exclude_channel: str | None = None) -> None:
    """Deliver now, from the event loop; `exclude_channel` is a socket that must not see it."""
    recipients, payload = event
    message = layer_message(payload, exclude_channel=exclude_channel)
    layer = get_channel_layer()
    for group in recipients:
        try:
            await layer.group_send(group, message)
        except Exception:
            # Persisted changes are committed; clients recover them with `sync`.
            logger.exception("broadcast to %s failed", group)
    event_sent.send(sender=None, recipients=recipients, payload=payload)


def send_now(event: Event) -> None:
    async_to_sync(asend)(event)


def send_on_commit(event: Event) -> None:
    """Queue `event`; it leaves only if and when the transaction commits."""
    transaction.on_commit(lambda: send_now(event), robust=True)
