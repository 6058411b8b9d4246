"""PostgreSQL straight from the event loop: a psycopg async pool per event loop.

For the few hot statements worth skipping the ORM and its thread hop for (today one:
`messaging.fast_send`). Everything else goes through Django's connections in
`database_sync_to_async`, as before.

The pool is made on first use, from the same connection parameters as Django's default
database, in autocommit (each statement is its own transaction: one round trip), with
`DB_ASYNC_POOL_MIN`..`DB_ASYNC_POOL_MAX` connections and Django's pool timeouts
(`DB_POOL_TIMEOUT`, `DB_POOL_RECONNECT_TIMEOUT`), so an outage answers as promptly here as
there. daphne has no lifespan events, so nothing tells us the loop is ending: a pool whose
loop has closed is closed when the next one is made, and every pool at interpreter exit,
by closing its sockets directly (an async close needs the loop that is gone).
"""

import asyncio
import atexit
import contextlib
import logging
import threading
import weakref

from django.conf import settings
from django.db import connections
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

logger = logging.getLogger(__name__)

_lock = threading.Lock()
# (the loop, weakly; its pool). A handful at most: one per server process, one per test.
_pools: list[tuple[weakref.ref, AsyncConnectionPool]] = []


def available() -> bool:
    """Whether the default database is PostgreSQL, i.e. whether `pool()` may be used."""
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def connection_kwargs() -> dict:
    """Django's parameters for the default database, minus what only its sync cursors use."""
    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)  # Django's adapters for its own (sync) connections
    return params


async def pool() -> AsyncConnectionPool:
    """This event loop's pool, made and opened on first use."""
    loop = asyncio.get_running_loop()
    with _lock:
        found = next((p for ref, p in _pools if ref() is loop), None)
        if found is None:
            _close_orphans()
            db = settings.DATABASES["default"]
            options = db.get("OPTIONS", {}).get("pool", {})
            found = AsyncConnectionPool(
                kwargs={**connection_kwargs(), "autocommit": True},
                connection_class=AsyncConnection,
                min_size=settings.DB_ASYNC_POOL_MIN,
                max_size=settings.DB_ASYNC_POOL_MAX,
                timeout=float(options.get("timeout", 5.0)),
                reconnect_timeout=float(options.get("reconnect_timeout", 5.0)),
                name="livechat-async",
                open=False,
            )
            _pools.append((weakref.ref(loop), found))
    if found.closed:
        await found.open()  # a no-op once open, however many callers race here
    return found


async def aclose() -> None:
    """Close this event loop's pool (tests; a server that knows it is stopping)."""
    loop = asyncio.get_running_loop()
    with _lock:
        mine = [p for ref, p in _pools if ref() is loop]
        _pools[:] = [(ref, p) for ref, p in _pools if ref() is not loop]
    for p in mine:
        await p.close(timeout=1.0)


def _close_orphans() -> None:
    """Pools whose loop is gone or closed (with `_lock` held)."""
    keep = []
    for ref, p in _pools:
        loop = ref()
        if loop is None or loop.is_closed():
            _close_sockets(p)
        else:
            keep.append((ref, p))
    _pools[:] = keep


def close_all() -> None:
    """Close every pool's connections without a loop: at exit, or once a test run is over."""
    with _lock:
        for _ref, p in _pools:
            _close_sockets(p)
        _pools.clear()


def _close_sockets(p: AsyncConnectionPool) -> None:
    # The idle connections are all a pool holds once its loop stops running; those in use
    # died with the tasks that used them. psycopg_pool has no loop-free close, hence `_pool`.
    for conn in list(getattr(p, "_pool", ())):
        with contextlib.suppress(Exception):
            conn.pgconn.finish()


atexit.register(close_all)
