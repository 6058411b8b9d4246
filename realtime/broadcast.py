"""Send frames to channel-layer groups, after the database commit.

The database is the truth and the channel layer only the fast path: a frame is queued
with `transaction.on_commit`, so nothing is sent for a rolled-back change, and a lost
frame (a full channel, Redis down) is repaired by the client's `sync`.
"""

import json
import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The consumer handler that forwards a pre-encoded frame to its socket.
FRAME_EVENT = "lc.frame"


def encode_frame(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def frame_event(frame: dict, *, exclude_channel: str | None = None) -> dict:
    """Encoded once here, forwarded verbatim by every receiving consumer."""
    return {"type": FRAME_EVENT, "text": encode_frame(frame), "exclude": exclude_channel}


async def agroup_send(groups: Iterable[str], event: dict) -> None:
    layer = get_channel_layer()
    for group in groups:
        try:
            await layer.group_send(group, event)
        except Exception:
            # The change is committed; clients recover it with `sync`.
            logger.exception("broadcast to %s failed", group)


def broadcast_now(groups: Iterable[str], frame: dict) -> None:
    async_to_sync(agroup_send)(list(groups), frame_event(frame))


def broadcast_on_commit(groups: Iterable[str], frame: dict) -> None:
    """Queue `frame` for `groups`; it leaves only if and when the transaction commits."""
    groups = list(groups)
    transaction.on_commit(lambda: broadcast_now(groups, frame), robust=True)
