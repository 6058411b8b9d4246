"""Agent sockets whose session ended without a signal are closed with 4401.

The signals of `accounts.revocation` close an agent's sockets at once on logout,
deactivation, role loss, password change and session deletion. What they cannot see (a
session that expired, or was deleted or changed in bulk; a queryset `.update()` of the
user) is found here: every HEARTBEAT_INTERVAL, each process checks the sessions of all its
agent sockets together, in two queries whatever their number (one per socket would cost
more than the rest of the heartbeat).
"""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async
from django.conf import settings

from realtime import service_calls
from realtime.close_codes import CloseCode

logger = logging.getLogger(__name__)


class _Watch:
    def __init__(self):
        self.sockets: set = set()
        self.task: asyncio.Task | None = None

    def add(self, sock) -> None:
        self.sockets.add(sock)
        if self.task is None:
            self.task = asyncio.create_task(self._run())

    def discard(self, sock) -> None:
        self.sockets.discard(sock)
        if not self.sockets and self.task is not None:
            self.task.cancel()
            self.task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(float(settings.LIVECHAT["HEARTBEAT_INTERVAL"]))
            try:
                await self.check()
            except Exception as exc:
                # The database is away: that ends nobody's session.
                logger.warning("agent session check failed: %s", exc.__class__.__name__)

    async def check(self) -> None:
        sockets = list(self.sockets)
        valid = await database_sync_to_async(service_calls.agent_sessions_valid)(
            {sock.agent_session for sock in sockets}
        )
        for sock in sockets:
            if sock.agent_session not in valid:
                await sock.close_with(CloseCode.UNAUTHENTICATED)


_watches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _watch() -> _Watch:
    loop = asyncio.get_running_loop()
    watch = _watches.get(loop)
    if watch is None:
        watch = _watches[loop] = _Watch()
    return watch


def watch(sock) -> None:
    """Check `sock.agent_session` (`(user id, session key, session auth hash)`) from now on."""
    _watch().add(sock)


def unwatch(sock) -> None:
    _watch().discard(sock)
