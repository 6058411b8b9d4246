"""Channel layer benchmark: channels-redis core vs pub/sub, against a real Redis.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m tests.live.layer_bench

Measures what a chat needs: how long a broadcast takes to reach every socket of a group
(fan-out latency) and how many broadcasts a second go through. Receivers and the sender
share one process here; each receiver is one consumer's channel, as under daphne.
The numbers are in docs/architecture.md.
"""

import argparse
import asyncio
import os
import statistics
import time
import uuid

from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer


def make_layer(kind: str, url: str):
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    host = {"address": url, "socket_keepalive": True, "health_check_interval": 30}
    if kind == "core":
        return RedisChannelLayer(hosts=[host], prefix=prefix, capacity=1000, expiry=60)
    return RedisPubSubChannelLayer(hosts=[host], prefix=prefix)


async def fan_out(layer, members: int, rounds: int) -> tuple[list[float], int]:
    """Latency (ms) until the last of `members` channels got the group message, and how
    many rounds some channel never got its message (within LOST_AFTER seconds).

    Each channel has one long-lived reader, like a consumer: cancelling a pub/sub
    `receive()` unsubscribes its channel, so the timeout must not cancel receives.
    """
    channels = [await layer.new_channel() for _ in range(members)]
    inboxes = {c: asyncio.Queue() for c in channels}

    async def reader(channel):
        while True:
            await inboxes[channel].put(await layer.receive(channel))

    readers = [asyncio.create_task(reader(c)) for c in channels]
    for channel in channels:
        await layer.group_add("room", channel)

    async def got(channel, text):
        while (await inboxes[channel].get())["text"] != text:
            pass  # a late message of an earlier, already counted-as-lost round

    latencies, lost = [], 0
    for i in range(rounds):
        started = time.perf_counter()
        await layer.group_send("room", {"type": "lc.frame", "text": f"m{i}"})
        try:
            await asyncio.wait_for(asyncio.gather(*(got(c, f"m{i}") for c in channels)), LOST_AFTER)
        except TimeoutError:
            lost += 1
            continue
        latencies.append((time.perf_counter() - started) * 1000)
    for channel in channels:
        await layer.group_discard("room", channel)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return latencies, lost


async def throughput(layer, members: int, messages: int, senders: int = 1) -> float:
    """Broadcasts per second to a group of `members`, from `senders` concurrent senders."""
    channels = [await layer.new_channel() for _ in range(members)]
    for channel in channels:
        await layer.group_add("busy", channel)

    async def drain(channel):
        for _ in range(messages):
            await layer.receive(channel)

    async def send(offset: int):
        for i in range(offset, messages, senders):
            await layer.group_send("busy", {"type": "lc.frame", "text": f"m{i}"})

    started = time.perf_counter()
    receivers = [asyncio.create_task(drain(c)) for c in channels]
    await asyncio.gather(*(send(k) for k in range(senders)))
    try:
        await asyncio.wait_for(asyncio.gather(*receivers), 30)
    except TimeoutError:
        return float("nan")  # deliveries were lost
    elapsed = time.perf_counter() - started
    for channel in channels:
        await layer.group_discard("busy", channel)
    return messages / elapsed


LOST_AFTER = 2.0  # seconds without delivery: the message is not coming


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def run(kind: str, url: str, rounds: int) -> None:
    layer = make_layer(kind, url)
    try:
        await fan_out(layer, 10, 20)  # warm up connections
        for members in (1, 10, 100):
            lat, lost = await fan_out(layer, members, rounds)
            print(
                f"{kind:6} fan-out to {members:3} sockets: "
                f"p50 {statistics.median(lat):6.2f} ms  p99 {pct(lat, 0.99):6.2f} ms  "
                f"lost {lost}/{rounds}"
            )
        for members, senders in ((1, 1), (10, 1), (10, 8), (100, 8)):
            rate = await throughput(layer, members, 400, senders)
            print(
                f"{kind:6} throughput to {members:3} sockets, {senders} senders: "
                f"{rate:8.0f} broadcasts/s"
            )
    finally:
        await layer.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    for kind in ("core", "pubsub"):
        asyncio.run(run(kind, args.url, args.rounds))


if __name__ == "__main__":
    main()
