"""The load generator: V visitor sockets sending at a fixed rate, A agent sockets.

Open loop: every visitor sends at `rate` messages per second on a fixed schedule, with
the phases of the visitors spread evenly over one period, whatever the server answers.
Latency is measured from the *scheduled* send time (carried in the body), so a server
that falls behind cannot hide it by slowing the sender down (no coordinated omission);
how late the generator itself sent is reported as `send_lag`.

Agents reply too: `reply_ratio` times the visitors' total rate, spread over the agents,
each to the conversations it owns (visitor i belongs to agent i % A), and that gives the
agent-send -> visitor-receive latency.

Every socket checks what it receives against what was acknowledged: a message expected
and never seen is lost, one seen twice is duplicated, and one whose `seq` is below the
highest already seen in its conversation (on that socket) is reordered.

The sockets are `realtime.client.LiveSocket`s that keep nothing (`record=False`): each
hands every frame with its receive time to its `Client.on_frame`, which does only the
bookkeeping above.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid

from realtime.client import LiveSocket

now = time.monotonic


def percentiles(values: list[float]) -> dict:
    """p50/p95/p99/max in milliseconds (values are seconds)."""
    if not values:
        return {"n": 0}
    s = sorted(values)
    n = len(s)

    def q(p: float) -> float:
        return round(1000 * s[min(n - 1, max(0, math.ceil(p * n) - 1))], 2)

    return {"n": n, "p50": q(0.50), "p95": q(0.95), "p99": q(0.99), "max": round(1000 * s[-1], 2)}


class Sent:
    """One message a client sent, and what came of it."""

    __slots__ = ("acked", "expected", "failed", "kind", "last", "received", "t")

    def __init__(self, t: float, kind: str):
        self.t = t
        self.kind = kind
        self.acked = False
        self.failed = False
        self.expected = 0
        self.received = 0
        self.last = 0.0


class Run:
    """State shared by every socket of one run."""

    def __init__(self, agents: int):
        self.agents = agents
        self.sent: dict[str, Sent] = {}  # client_id -> Sent
        self.v2a: list[float] = []  # visitor send -> each agent receive
        self.a2v: list[float] = []  # agent send -> visitor receive
        self.ack: list[float] = []
        self.send_lag: list[float] = []
        # The first seconds: every visitor's first message, which creates its conversation,
        # all of them at once (`warmup`).
        self.storm_v2a: list[float] = []
        self.storm_ack: list[float] = []
        self.duplicated = 0
        self.reordered = 0
        self.errors: dict[str, int] = {}
        self.measuring = False
        self.conversation_of: dict[int, str] = {}  # visitor index -> conversation id
        # In every client_id: the server deduplicates by client_id, so a second run on the
        # same sockets must not repeat the first one's ids.
        self.tag = uuid.uuid4().hex[:6]

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


class Client:
    """One socket: checks order and duplicates of what it receives, records latencies."""

    def __init__(self, run: Run, role: str, index: int):
        self.run = run
        self.role = role
        self.index = index
        self.sock: LiveSocket | None = None
        self.seen: set[str] = set()
        self.last_seq: dict[str, int] = {}
        self.pending: dict[str, str] = {}  # request_id -> client_id

    async def open(self, base_url: str, *, cookie: str | None = None, token: str | None = None):
        options = {
            "on_frame": self.on_frame,
            "record": False,
            "timeout": 60,
            "open_timeout": 60,
            "max_queue": None,
            "ping_interval": None,
        }
        if token is None:
            self.sock = await LiveSocket.agent(base_url, cookie, **options)
        else:
            self.sock = await LiveSocket.visitor(base_url, token, **options)

    def on_frame(self, t: float, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "new_message":
            self._on_message(frame["message"], t)
        elif kind == "ack":
            self._on_ack(frame, t)
        elif kind == "error":
            run = self.run
            run.error(frame.get("code", "?"))
            cid = self.pending.pop(frame.get("request_id"), None)
            if cid in run.sent:
                run.sent[cid].failed = True

    def _on_ack(self, frame: dict, t: float) -> None:
        cid = self.pending.pop(frame.get("request_id"), None)
        sent = self.run.sent.get(cid)
        if sent is None:
            return
        sent.acked = True
        # Every agent socket, plus the visitor's socket (its own echo or the reply).
        sent.expected = self.run.agents + 1
        if sent.kind == "warmup":
            self.run.storm_ack.append(t - sent.t)
        elif self.run.measuring:
            self.run.ack.append(t - sent.t)

    def _on_message(self, message: dict, t: float) -> None:
        run = self.run
        mid = message["id"]
        conv = message["conversation_id"]
        seq = message["seq"]
        if mid in self.seen:
            run.duplicated += 1
            return
        self.seen.add(mid)
        if seq < self.last_seq.get(conv, 0):
            run.reordered += 1
        else:
            self.last_seq[conv] = seq
        sent = run.sent.get(message.get("client_id"))
        if sent is None:
            return
        sent.received += 1
        sent.last = max(sent.last, t)
        # The send time travels in the body: "<kind> <client_id> <scheduled monotonic time>".
        t_sent = float(message["body"].rsplit(" ", 1)[1])
        if sent.kind == "warmup":
            if self.role == "agent":
                run.storm_v2a.append(t - t_sent)
            return
        if sent.kind == "visitor" and self.role == "agent":
            run.v2a.append(t - t_sent)
        elif sent.kind == "agent" and self.role == "visitor":
            run.a2v.append(t - t_sent)

    async def send_message(self, client_id: str, kind: str, t_sched: float, conversation_id=None):
        run = self.run
        run.sent[client_id] = Sent(t_sched, kind)
        rid = f"r{client_id}"
        self.pending[rid] = client_id
        frame = {
            "type": "send_message",
            "request_id": rid,
            "client_id": client_id,
            "body": f"{kind} {client_id} {t_sched:.6f}",
        }
        if conversation_id is not None:
            frame["conversation_id"] = conversation_id
        if kind != "warmup":
            run.send_lag.append(now() - t_sched)
        try:
            await self.sock.send(frame)
        except Exception:
            run.sent[client_id].failed = True
            run.error("send_failed")

    async def close(self) -> None:
        if self.sock is not None:
            await self.sock.close()


def closed(clients: list[Client]) -> int:
    """How many of these sockets have closed (by either side, or lost)."""
    return sum(1 for c in clients if not c.sock.open)


async def _gather_bounded(coros, limit: int) -> list:
    sem = asyncio.Semaphore(limit)

    async def one(c):
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


async def connect_all(
    run: Run, *, servers: list[str], tokens: list[str], cookies: list[str], concurrency: int = 50
) -> tuple[list[Client], list[Client]]:
    """Agents first (round-robin over the servers), then visitors (same)."""
    agents = [Client(run, "agent", j) for j in range(len(cookies))]
    visitors = [Client(run, "visitor", i) for i in range(len(tokens))]
    await _gather_bounded(
        (
            a.open(servers[j % len(servers)], cookie=c)
            for j, (a, c) in enumerate(zip(agents, cookies, strict=True))
        ),
        concurrency,
    )
    await _gather_bounded(
        (
            v.open(servers[i % len(servers)], token=t)
            for i, (v, t) in enumerate(zip(visitors, tokens, strict=True))
        ),
        concurrency,
    )
    return agents, visitors


async def sleep_until(t: float) -> None:
    delay = t - now()
    if delay > 0:
        await asyncio.sleep(delay)


async def warmup(run: Run, visitors: list[Client], *, timeout: float = 60) -> None:
    """Each visitor's first message creates its conversation: 20 visitors every 50 ms, so
    200 in half a second. Reported apart from the steady load (`storm_*`)."""
    batch = 20
    for start in range(0, len(visitors), batch):
        for v in visitors[start : start + batch]:
            await v.send_message(f"w{v.index}-{uuid.uuid4().hex[:6]}", "warmup", now())
        await asyncio.sleep(0.05)
    deadline = now() + timeout
    while now() < deadline:
        warm = [s for s in run.sent.values() if s.kind == "warmup"]
        if all(s.acked or s.failed for s in warm) and all(
            s.received >= s.expected for s in warm if s.acked
        ):
            break
        await asyncio.sleep(0.1)
    # Learn each visitor's conversation from what its socket saw.
    for v in visitors:
        if v.last_seq:
            run.conversation_of[v.index] = next(iter(v.last_seq))


async def visitor_sender(run: Run, v: Client, *, t0: float, rate: float, count: int) -> None:
    period = 1.0 / rate
    for k in range(count):
        t = t0 + k * period
        await sleep_until(t)
        await v.send_message(f"v{v.index}-{run.tag}-{k}", "visitor", t)


async def agent_sender(
    run: Run, a: Client, *, conversations: list[str], t0: float, rate: float, count: int
) -> None:
    if not conversations or rate <= 0:
        return
    period = 1.0 / rate
    for k in range(count):
        t = t0 + k * period
        await sleep_until(t)
        conv = conversations[k % len(conversations)]
        await a.send_message(f"a{a.index}-{run.tag}-{k}", "agent", t, conversation_id=conv)


async def drive(
    run: Run,
    agents: list[Client],
    visitors: list[Client],
    *,
    rate: float,
    duration: float,
    reply_ratio: float,
    drain: float = 10.0,
    on_start=None,
    on_end=None,
) -> dict:
    """Send for `duration` seconds, wait for every expected delivery (up to `drain`)."""
    V, A = len(visitors), len(agents)
    closed_before = closed(agents + visitors)
    run.measuring = True
    t0 = now() + 0.5
    if on_start:
        on_start()
    tasks = []
    per_visitor = max(1, int(duration * rate))
    for v in visitors:
        phase = (v.index / max(1, V)) / rate
        tasks.append(visitor_sender(run, v, t0=t0 + phase, rate=rate, count=per_visitor))
    agent_rate = reply_ratio * V * rate / A if A else 0
    if agent_rate > 0:
        per_agent = max(1, int(duration * agent_rate))
        for a in agents:
            convs = [
                run.conversation_of[i]
                for i in range(V)
                if i % A == a.index and i in run.conversation_of
            ]
            phase = (a.index / A) / agent_rate
            tasks.append(
                agent_sender(
                    run, a, conversations=convs, t0=t0 + phase, rate=agent_rate, count=per_agent
                )
            )
    await asyncio.gather(*tasks)
    sending_done = now()
    deadline = sending_done + drain
    measured = [s for s in run.sent.values() if s.kind != "warmup"]
    while now() < deadline:
        if all((s.acked and s.received >= s.expected) or s.failed for s in measured):
            break
        await asyncio.sleep(0.05)
    if on_end:
        on_end()
    run.measuring = False
    wall = sending_done - t0
    return summarize(run, measured, wall, closed(agents + visitors) - closed_before)


def summarize(run: Run, measured: list[Sent], wall: float, sockets_closed: int) -> dict:
    acked = [s for s in measured if s.acked]
    lost = sum(max(0, s.expected - s.received) for s in acked)
    unacked = sum(1 for s in measured if not s.acked)
    deliveries = sum(s.received for s in acked)
    last_agent = [s.last - s.t for s in acked if s.kind == "visitor" and s.received >= s.expected]
    return {
        "messages_sent": len(measured),
        "messages_acked": len(acked),
        "unacked": unacked,
        "send_rate_per_s": round(len(measured) / wall, 1) if wall > 0 else None,
        "delivered_frames": deliveries,
        "delivered_per_s": round(deliveries / wall, 1) if wall > 0 else None,
        "lost": lost,
        "duplicated": run.duplicated,
        "reordered": run.reordered,
        "errors": dict(run.errors),
        "sockets_closed": sockets_closed,
        "latency_ms": {
            "visitor_to_agent": percentiles(run.v2a),
            "agent_to_visitor": percentiles(run.a2v),
            "ack": percentiles(run.ack),
            "last_agent": percentiles(last_agent),
            "generator_send_lag": percentiles(run.send_lag),
        },
    }
