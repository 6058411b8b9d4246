"""The outbox worker inside each daphne process: an asyncio task that wakes every
`EMAIL_OUTBOX_INTERVAL` seconds and runs one round (`followups_schedule` + `outbox_process`)
in a worker thread, so the event loop never waits for the database or an SMTP server.

Several processes run it at once safely: rows are claimed with SKIP LOCKED (services.py).
`manage.py email_outbox` runs the same round from cron or as a dedicated process, for
deployments that turn the in-process worker off (`EMAIL_OUTBOX_WORKER=0`).
"""

import asyncio
import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_task: asyncio.Task | None = None


def _round() -> None:
    from followup.services import outbox_run_once

    close_old_connections()
    try:
        outbox_run_once()
    finally:
        close_old_connections()


async def _loop() -> None:
    while True:
        try:
            await sync_to_async(_round, thread_sensitive=False)()
        except Exception:
            # A database or SMTP outage: the rows stay pending; the next round retries.
            logger.exception("email outbox round failed")
        await asyncio.sleep(float(settings.EMAIL_OUTBOX_INTERVAL))


def ensure_started() -> None:
    """Start the process's worker once, on the running event loop (first request or socket)."""
    global _task
    if _task is not None and not _task.done():
        return
    if not settings.EMAIL_OUTBOX_WORKER:
        return
    _task = asyncio.get_running_loop().create_task(_loop(), name="email-outbox")


class StartOutboxWorker:
    """ASGI middleware: daphne has no startup hook, so the first connection starts it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if _task is None or _task.done():
            ensure_started()
        return await self.app(scope, receive, send)
