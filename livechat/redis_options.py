"""How every Redis client of the project connects: the channel layers and presence.

Imported by the settings, so it must not import Django.
"""


def redis_connection_options(*, max_connections: int, socket_timeout: float | None) -> dict:
    """redis-py connection keywords for a long-lived server process.

    An idle process must keep its connections: TCP keepalive, and a PING before reusing
    one that sat idle for 30 s. `max_connections` per pool: redis-py 8 caps a pool at 100
    and then raises instead of waiting, so a few hundred sockets (re)connecting at once
    failed to authenticate.
    """
    options = {
        "socket_keepalive": True,
        "health_check_interval": 30,
        "socket_connect_timeout": 5,
        "max_connections": max_connections,
    }
    if socket_timeout is not None:
        options["socket_timeout"] = socket_timeout
    return options
