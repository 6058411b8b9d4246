"""Clean up the Redis keys a test wrote under its private prefix (the Redis is shared)."""

from django.conf import settings


def delete_keys_with_prefix(prefix: str) -> None:
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
