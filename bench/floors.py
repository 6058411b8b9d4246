"""The floor of the two servers every message crosses: Redis and PostgreSQL.

- a Redis PUBLISH -> SUBSCRIBE round trip (redis.asyncio, the client channels-redis uses);
- a one-row INSERT + COMMIT on PostgreSQL (psycopg 3, the driver Django uses).

Both run one at a time (the latency of one operation, not a throughput) on the same
servers the deployment uses.
"""

from __future__ import annotations

import asyncio
import time

import psycopg
import redis.asyncio as aioredis
from load import percentiles


async def redis_pubsub_rtt(url: str, count: int = 1000) -> dict:
    pub = aioredis.Redis.from_url(url)
    sub = aioredis.Redis.from_url(url)
    pubsub = sub.pubsub()
    await pubsub.subscribe("bench:floor")
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    samples = []
    try:
        for i in range(count):
            t = time.monotonic()
            await pub.publish("bench:floor", f"{i} {t}")
            while True:
                msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
                if msg is not None:
                    break
            samples.append(time.monotonic() - t)
    finally:
        await pubsub.aclose()
        await sub.aclose()
        await pub.aclose()
    return percentiles(samples)


def pg_insert_commit(url: str, count: int = 500) -> dict:
    samples = []
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor "
            "(id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL)"
        )
        conn.commit()
        for i in range(count):
            t = time.monotonic()
            conn.execute(
                "INSERT INTO bench_floor (body, created_at) VALUES (%s, now())", [f"floor {i}"]
            )
            conn.commit()
            samples.append(time.monotonic() - t)
        conn.execute("TRUNCATE bench_floor")
        conn.commit()
    return percentiles(samples)


def measure(redis_url: str, database_url: str) -> dict:
    return {
        "redis_publish_subscribe_ms": asyncio.run(redis_pubsub_rtt(redis_url)),
        "postgres_insert_commit_ms": pg_insert_commit(database_url),
    }
