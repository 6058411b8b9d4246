"""Deliver events to groups of sockets; for persisted changes, after the database commit.

An event is `(recipients, payload)`, built by one function in an app's `events.py`: the
payload is a frame (a dict, encoded here once and forwarded verbatim by every socket) or
`Close(code)`, which closes the recipients' sockets. Whatever its groups, an event is one
message to the bus group, which every process joins once (`realtime.bus`). The
database is the truth and the channel layer only the fast path: a persisted change's
event is queued with `transaction.on_commit`, so nothing leaves for a rolled-back change,
and a lost frame (Redis down) is repaired by the client's `sync`.
"""

import asyncio
import concurrent.futures
import contextlib
import logging
import os
from contextvars import ContextVar
from dataclasses import dataclass

from asgiref.sync import SyncToAsync, async_to_sync
from django.db import transaction
from django.dispatch import Signal

from livechat import metrics
from livechat.wire import encode_json
from realtime.bus import CLOSE_EVENT, FRAME_EVENT, publish

logger = logging.getLogger(__name__)

# Sent for every event handed to the channel layer, with `recipients` and `payload`:
# what tests record (`sent_frames`), and a hook for anything else that watches events.
event_sent = Signal()


@dataclass(frozen=True)
class Close:
    """Close the recipients' sockets with this WebSocket close code."""

    code: int


Event = tuple[list[str], "dict | Close"]


def layer_message(
    payload: "dict | Close", *, groups: list[str], exclude_channel: str | None = None
) -> dict:
    if isinstance(payload, Close):
        return {"type": CLOSE_EVENT, "groups": list(groups), "code": payload.code}
    # `frame`: the frame's type, so the router counts what it forwards without decoding it.
    return {
        "type": FRAME_EVENT,
        "groups": list(groups),
        "text": encode_json(payload),
        "exclude": exclude_channel,
        "frame": payload["type"],
    }


async def _bus_send(message: dict, what) -> None:
    try:
        await publish(message)
    except Exception:
        # Persisted changes are committed; clients recover them with `sync`.
        metrics.channel_layer_errors("group_send").inc()
        metrics.broadcast_errors("channel_layer").inc()
        logger.exception("broadcast to %s failed", what)


async def asend(event: Event, *, exclude_channel: str | None = None) -> None:
    """Deliver now, from the event loop; `exclude_channel` is a socket (its
    `channel_name`) that must not see it."""
    recipients, payload = event
    message = layer_message(payload, groups=recipients, exclude_channel=exclude_channel)
    metrics.broadcasts(message.get("frame", "close")).inc()
    await _bus_send(message, recipients)
    event_sent.send(sender=None, recipients=recipients, payload=payload)


async def close_sockets(sockets: list[str], code: int) -> None:
    """Close these sockets (their `channel_name`s), in whichever process they are."""
    await _bus_send({"type": CLOSE_EVENT, "sockets": list(sockets), "code": code}, sockets)


# How long a worker thread waits for its broadcast to leave before giving up on it.
SEND_TIMEOUT = 5.0


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop when this thread is one of its `sync_to_async` workers
    (found the way asgiref's `async_to_sync` finds it), else None."""
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return getattr(local, "main_event_loop", None)


# The server's loop while synchronous code runs on it directly instead of in one of its
# worker threads (`messaging.fast_send` calls the `message_sent` receivers there).
_called_on_loop: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar(
    "livechat_called_on_loop", default=None
)


@contextlib.contextmanager
def called_on_server_loop():
    """Mark synchronous code run right here by a coroutine of the server's loop, so that
    what it hands to the loop (`assist.runner.submit`) goes where a worker thread's would."""
    token = _called_on_loop.set(asyncio.get_running_loop())
    try:
        yield
    finally:
        _called_on_loop.reset(token)


def loop_of_caller() -> asyncio.AbstractEventLoop | None:
    """The server's loop, from one of its worker threads or from code it runs itself inside
    `called_on_server_loop()`; None elsewhere. Only to hand work over: a caller on the loop
    must never wait for what it hands over."""
    return server_loop() or _called_on_loop.get()


# Sends scheduled by `send_now` on a loop it must not wait for (kept until done).
_pending: set[asyncio.Task] = set()


def send_now(event: "Event | list[Event]") -> None:
    """Deliver from synchronous code: a service's on-commit hook, a command, the admin.
    A list leaves in order, in one hand-over to the loop.

    In a server worker thread the send runs on the server's loop, and the thread waits for
    it (so one conversation's broadcasts leave in order), but never longer than
    SEND_TIMEOUT and never for a loop that has stopped: `async_to_sync` would wait for
    ever there, and a worker stuck at shutdown kept daphne from exiting. A broadcast
    given up is a committed change that clients recover with `sync`.
    """
    events = event if isinstance(event, list) else [event]
    if not events:
        return
    what = [recipients for recipients, _payload in events]
    loop = server_loop()
    if loop is None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            async_to_sync(_asend_all)(events)  # a command or a test: an event loop of our own
            return
        # Synchronous code run by a coroutine of this very thread (a test driving a
        # browser, say): waiting here would block the loop that has to do the sending.
        task = running.create_task(_asend_all(events))
        _pending.add(task)
        task.add_done_callback(_pending.discard)
        return
    if not loop.is_running():
        metrics.broadcast_errors("stopping").inc()
        logger.warning("not broadcasting to %s: the server is stopping", what)
        return
    try:
        future = asyncio.run_coroutine_threadsafe(_asend_all(events), loop)
    except RuntimeError:  # the loop closed meanwhile
        metrics.broadcast_errors("stopping").inc()
        logger.warning("not broadcasting to %s: the server has stopped", what)
        return
    try:
        future.result(timeout=SEND_TIMEOUT)
    except concurrent.futures.TimeoutError:
        future.cancel()
        metrics.broadcast_errors("timeout").inc()
        logger.warning("broadcast to %s did not leave within %s s", what, SEND_TIMEOUT)


async def _asend_all(events: list[Event]) -> None:
    for event in events:
        try:
            await asend(event)
        except Exception:
            # As robust as one on-commit hook per event was: the others still leave.
            metrics.broadcast_errors("channel_layer").inc()
            logger.exception("broadcast to %s failed", event[0])


def send_on_commit(event: "Event | list[Event]") -> None:
    """Queue `event` (or a list, in order, handed to the loop at once); it leaves only if
    and when the transaction commits."""
    events = list(event) if isinstance(event, list) else [event]
    if events:
        transaction.on_commit(lambda: send_now(events), robust=True)
