"""`/healthz`: really touches the database and the channel layer."""

import asyncio
import logging

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)
CHECK_TIMEOUT = 3.0


def _database_ok() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


async def _channel_layer_ok() -> None:
    """A message sent to a fresh channel must come back: that is what broadcasts need.

    The default prefix matters: channels-redis lets one receiver at a time pop the
    process's messages for its prefix, so a private prefix would wait behind a socket's
    consumer forever, and any process with an idle socket would look down.
    """
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "healthz.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "healthz.ping":
        raise RuntimeError("channel layer returned the wrong message")


async def _check(name: str, coro) -> str:
    try:
        await asyncio.wait_for(coro, CHECK_TIMEOUT)
        return "ok"
    except Exception as exc:
        logger.warning("healthz: %s is down: %r", name, exc)
        return "down"


async def healthz(request):
    database, channel_layer = await asyncio.gather(
        _check("database", sync_to_async(_database_ok, thread_sensitive=False)()),
        _check("channel_layer", _channel_layer_ok()),
    )
    body = {"database": database, "channel_layer": channel_layer}
    return JsonResponse(body, status=200 if database == channel_layer == "ok" else 503)
