"""Load benchmark of Pro Livechat against a bare relay, on this machine.

    .venv/bin/python bench/run.py                      # the default scenario (`make bench`)
    .venv/bin/python bench/run.py --visitors 400 --rate 2 --processes 2
    .venv/bin/python bench/run.py --rates 1,2,3,4      # steps up until p99 > 100 ms
    .venv/bin/python bench/run.py --idle 2000          # memory of idle sockets
    .venv/bin/python bench/run.py --fanout 100         # one message to 100 agents

Starts everything itself: a private redis-server, the `livechat_bench` database on the
local PostgreSQL, N daphne processes with the production settings (DJANGO_DEBUG=0,
limits raised), agents through `manage.py create_agent` and the login page, visitors
through `POST /api/v1/widget/session/`. Then the same load against `bench/relay.py`, a
Redis publish -> subscribe round trip and a PostgreSQL INSERT + COMMIT: the floor.
Writes bench/results/<time>-<scenario>.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

# The protocol client (realtime/client.py) and the server launcher (tests/support/) are the
# ones the tests use: import them from the repository.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import deploy
import floors
import load
import procstat

from tests.support.livestack import (
    BASE_DIR,
    BIN,
    SERVERS,
    LiveServer,
    free_port,
    stop_process,
    wait_port,
)
from tests.support.redisproc import RedisProcess

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--visitors", type=int, default=None, help="visitor sockets, one conversation each (200)"
    )
    p.add_argument("--agents", type=int, default=None, help="agent sockets (10)")
    p.add_argument("--rate", type=float, default=None, help="messages per second per visitor (1)")
    p.add_argument("--rates", default="", help="comma-separated rates: step up on one deployment")
    p.add_argument("--duration", type=float, default=15.0, help="seconds of sending per run (15)")
    p.add_argument("--processes", type=int, default=1, help="daphne processes (1)")
    p.add_argument(
        "--reply-ratio",
        type=float,
        default=0.1,
        help="agent replies as a fraction of visitor messages (0.1)",
    )
    p.add_argument(
        "--idle", type=int, default=0, help="open this many idle visitor sockets and measure memory"
    )
    p.add_argument(
        "--fanout", type=int, default=0, help="K agents, one visitor: last-agent latency"
    )
    p.add_argument(
        "--no-floor", action="store_true", help="skip the relay, Redis and PostgreSQL floor"
    )
    p.add_argument("--label", default="", help="name for the results file")
    p.add_argument(
        "--profile", default="", help="py-spy record daphne0 into this SVG (needs py-spy)"
    )
    p.add_argument(
        "--layer",
        choices=["redis", "pubsub"],
        default="",
        help="CHANNEL_LAYER of the servers (default: the settings' default, redis)",
    )
    p.add_argument("--env", action="append", default=[], help="extra server env KEY=VALUE")
    p.add_argument(
        "--server",
        choices=SERVERS,
        default="daphne",
        help="the ASGI server (daphne; uvicorn with uvloop, httptools and websockets; "
        "granian). Figures keep the key `daphne` whichever runs",
    )
    p.add_argument(
        "--code",
        default="",
        help="run daphne from this checkout (before/after runs), "
        "e.g. one made with `git archive COMMIT | tar -x -C DIR`",
    )
    a = p.parse_args(argv)
    if a.fanout:
        a.agents = a.agents or a.fanout
        a.visitors = a.visitors or 1
        a.rate = a.rate or 10.0
        a.reply_ratio = 0.0
    if a.idle:
        a.agents = a.agents if a.agents is not None else 10
        a.visitors = a.visitors if a.visitors is not None else 0
    a.visitors = 200 if a.visitors is None else a.visitors
    a.agents = 10 if a.agents is None else a.agents
    a.rate = 1.0 if a.rate is None else a.rate
    a.scenario = (
        f"idle{a.idle}"
        if a.idle
        else f"fanout{a.fanout}"
        if a.fanout
        else f"v{a.visitors}-a{a.agents}-r{a.rates or a.rate}-p{a.processes}"
    ) + (f"-{a.layer}" if a.layer else "")
    return a


class PgSampler(threading.Thread):
    """pg_stat_activity of the bench database, once a second, while a run lasts."""

    def __init__(self, db: deploy.Database):
        super().__init__(daemon=True)
        self.db = db
        self.stop = threading.Event()
        self.max_total = 0
        self.max_active = 0
        self.samples = 0

    def run(self) -> None:
        while not self.stop.wait(1.0):
            try:
                states = self.db.connections()
            except Exception:
                continue
            self.samples += 1
            self.max_total = max(self.max_total, sum(states.values()))
            self.max_active = max(
                self.max_active, states.get("active", 0) + states.get("idle in transaction", 0)
            )

    def result(self) -> dict:
        self.stop.set()
        self.join(5)
        return {
            "max_connections": self.max_total,
            "max_busy": self.max_active,
            "samples": self.samples,
        }


def start_profiler(path: str, pid: int, duration: float) -> subprocess.Popen:
    """py-spy on the first daphne for the measured window only (not the set-up)."""
    return subprocess.Popen(
        [str(BIN / "py-spy"), "record", "-o", path, "-p", str(pid), "--rate", "250",
         "--nonblocking", "--gil", "-d", str(int(duration)), "--format",
         "speedscope" if path.endswith(".json") else "flamegraph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip


def rss(pids: list[int]) -> int:
    return sum(procstat.rss_kib(p) for p in pids)


async def scenario(
    args,
    *,
    servers: list[str],
    tokens: list[str],
    cookies: list[str],
    server_pids: list[int],
    meter_pids: dict[str, list[int]],
    db: deploy.Database | None,
) -> dict:
    """Connect everything, warm up, then one run per rate (or the idle / fan-out test)."""
    run = load.Run(agents=len(cookies))
    rss_before = rss(server_pids)
    t = time.monotonic()
    agents, visitors = await load.connect_all(run, servers=servers, tokens=tokens, cookies=cookies)
    connect_s = time.monotonic() - t
    sockets = len(agents) + len(visitors)
    await asyncio.sleep(2)
    rss_connected = rss(server_pids)
    out: dict = {
        "sockets": sockets,
        "connect_seconds": round(connect_s, 2),
        "server_rss_kib_before": rss_before,
        "server_rss_kib_connected": rss_connected,
        "server_kib_per_socket": round((rss_connected - rss_before) / max(1, sockets), 1),
    }
    if args.idle:
        meter = procstat.CpuMeter(meter_pids)
        meter.begin()
        await asyncio.sleep(args.duration)
        out["idle_cpu_pct"] = meter.end()
        out["server_rss_kib_after_idle"] = rss(server_pids)
        out["sockets_closed_while_idle"] = load.closed(agents + visitors)
        # Still alive: one message from a visitor reaches every agent.
        if visitors:
            await load.warmup(run, visitors[:1], timeout=30)
            w = [s for s in run.sent.values() if s.kind == "warmup"]
            out["probe_delivered"] = all(s.acked and s.received >= s.expected for s in w)
        await _close(agents + visitors)
        return out

    await load.warmup(run, visitors)
    out["conversations"] = len(run.conversation_of)
    # Each visitor's first message, all at once: the conversations being created.
    out["first_seconds_ms"] = {
        "visitor_to_agent": load.percentiles(run.storm_v2a),
        "ack": load.percentiles(run.storm_ack),
    }
    rates = [float(r) for r in args.rates.split(",")] if args.rates else [args.rate]
    out["runs"] = []
    for rate in rates:
        step = load.Run(agents=len(cookies))
        step.conversation_of = dict(run.conversation_of)
        for c in agents + visitors:
            c.run = step
        if db is not None:
            # The backends as they are now: the loop's own pool connects with the first
            # messages, after the pids were first read.
            meter_pids = {**meter_pids, "postgres_backends": db.backend_pids()}
        meter = procstat.CpuMeter(meter_pids)
        pg = PgSampler(db) if db is not None else None
        if pg:
            pg.start()

        def on_start(meter=meter):
            meter.begin()
            if args.profile and db is not None:
                start_profiler(args.profile, server_pids[0], args.duration)

        result = await load.drive(
            step,
            agents,
            visitors,
            rate=rate,
            duration=args.duration,
            reply_ratio=args.reply_ratio,
            on_start=on_start,
        )
        result["rate_per_visitor"] = rate
        result["cpu_pct"] = cpu = meter.end()
        server_cpu = cpu.get("daphne", cpu.get("relay", 0))
        result["server_cpu_ms_per_message"] = round(
            10 * server_cpu * (args.duration + 0.5) / max(1, result["messages_sent"]), 2
        )
        result["server_rss_kib"] = rss(server_pids)
        if pg:
            result["postgres"] = pg.result()
        result["loadavg"] = procstat.loadavg()
        out["runs"].append(result)
        _print_step(result)
        p99 = result["latency_ms"]["visitor_to_agent"].get("p99", 1e9)
        if len(rates) > 1 and (p99 > 100 or result["lost"]):
            break
        await asyncio.sleep(2)
    await _close(agents + visitors)
    return out


async def _close(clients) -> None:
    await asyncio.gather(*(c.close() for c in clients))


def _print_step(r: dict) -> None:
    lat = r["latency_ms"]["visitor_to_agent"]
    print(
        f"  rate {r['rate_per_visitor']}/s/visitor: sent {r['send_rate_per_s']}/s, "
        f"v->a p50 {lat.get('p50')} p99 {lat.get('p99')} ms, lost {r['lost']}, "
        f"dup {r['duplicated']}, reord {r['reordered']}, cpu {r['cpu_pct']}, "
        f"server cpu ms/msg {r['server_cpu_ms_per_message']}, "
        f"ack p50 {r['latency_ms']['ack'].get('p50')}",
        flush=True,
    )


def run_livechat(args, redis: RedisProcess, db: deploy.Database) -> dict:
    extra = dict(kv.split("=", 1) for kv in args.env)
    if args.layer:
        extra["CHANNEL_LAYER"] = args.layer
    env = deploy.server_env(database_url=db.url, redis_url=redis.url, extra=extra)
    print(f"database {db.name}: migrate, empty", flush=True)
    db.ensure(env)
    db.empty()
    names = deploy.ensure_agents(env, args.agents, db)
    code = Path(args.code).resolve() if args.code else BASE_DIR
    servers = [
        LiveServer(env, name=f"daphne{i}", code_dir=code, server=args.server)
        for i in range(args.processes)
    ]
    try:
        for s in servers:
            s.start(wait=60)
        urls = [s.url for s in servers]
        print(f"{len(servers)} daphne up: {urls}", flush=True)
        cookies = deploy.agent_cookies(urls[0], names, RESULTS / ".agent-sessions.json")
        visitors_needed = max(args.visitors, args.idle)
        t = time.monotonic()
        tokens = deploy.widget_sessions(urls, visitors_needed)
        print(
            f"{len(cookies)} agents logged in, {len(tokens)} visitors "
            f"in {time.monotonic() - t:.1f}s",
            flush=True,
        )
        server_pids = [p for s in servers for p in procstat.with_children(s.pid)]
        meter_pids = {
            "daphne": server_pids,
            "redis": [redis.process.pid],
            "postgres_backends": db.backend_pids(),
            "load_generator": [os.getpid()],
        }
        result = asyncio.run(
            scenario(args, servers=urls, tokens=tokens, cookies=cookies, server_pids=server_pids,
                     meter_pids=meter_pids, db=db)
        )  # fmt: skip
        result["server_errors_logged"] = sum(len(s.errors_logged()) for s in servers)
        if result["server_errors_logged"]:
            print("server errors:\n" + servers[0].log_tail(), flush=True)
        return result
    finally:
        for s in servers:
            s.close(keep_log_with_errors=True)


def run_relay(args) -> dict:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("relay.py")), "--port", str(port)],
        start_new_session=True,
    )
    try:
        wait_port(port)
        url = f"http://127.0.0.1:{port}"
        n = max(args.visitors, args.idle)
        tokens = [f"relay-visitor-{i}" for i in range(n)]
        cookies = [f"relay-agent-{j}" for j in range(args.agents)]
        meter_pids = {"relay": [proc.pid], "load_generator": [os.getpid()]}
        return asyncio.run(
            scenario(args, servers=[url], tokens=tokens, cookies=cookies, server_pids=[proc.pid],
                     meter_pids=meter_pids, db=None)
        )  # fmt: skip
    finally:
        stop_process(proc)


def ratio(a, b) -> str:
    if not a or not b:
        return "-"
    return f"{a / b:.1f}x"


def table(result: dict) -> str:
    lc, relay = result["livechat"], result.get("relay")
    lines = [
        f"scenario {result['scenario']}  ({result['machine']['loadavg_before']} load before)",
        "",
    ]
    head = f"{'metric':<34}{'livechat':>14}{'relay':>12}{'x relay':>9}"
    if "runs" in lc:
        for i, run in enumerate(lc["runs"]):
            rr = relay["runs"][i] if relay and i < len(relay.get("runs", [])) else None
            lines += [
                f"-- rate {run['rate_per_visitor']}/s per visitor, {lc['sockets']} sockets",
                head,
            ]
            for key in ("visitor_to_agent", "last_agent", "agent_to_visitor", "ack"):
                for q in ("p50", "p95", "p99", "max"):
                    a = run["latency_ms"][key].get(q)
                    b = rr["latency_ms"][key].get(q) if rr else None
                    if a is None and b is None:
                        continue
                    lines.append(f"{key + ' ' + q + ' ms':<34}{a!s:>14}{b!s:>12}{ratio(a, b):>9}")
            for key in (
                "send_rate_per_s",
                "delivered_per_s",
                "server_cpu_ms_per_message",
                "lost",
                "duplicated",
                "reordered",
                "unacked",
            ):
                b = rr[key] if rr else None
                lines.append(f"{key:<34}{run[key]!s:>14}{b!s:>12}")
            cpu = run["cpu_pct"]
            lines.append(
                f"{'server CPU % of a core':<34}{cpu.get('daphne')!s:>14}"
                f"{(rr['cpu_pct'].get('relay') if rr else None)!s:>12}"
            )
            lines.append(
                f"{'redis / postgres / generator CPU %':<34}"
                f"{cpu.get('redis')}/{cpu.get('postgres_backends')}/{cpu.get('load_generator')}"
            )
            lines.append(f"{'machine busy % (2 cores)':<34}{cpu.get('machine_busy_pct')!s:>14}")
            if "postgres" in run:
                lines.append(
                    f"{'postgres connections (max/busy)':<34}"
                    f"{run['postgres']['max_connections']}/{run['postgres']['max_busy']}"
                )
            lines.append(
                f"{'generator send lag p99 ms':<34}"
                f"{run['latency_ms']['generator_send_lag'].get('p99')!s:>14}"
            )
            lines.append(f"{'errors':<34}{json.dumps(run['errors'])}")
    first = lc.get("first_seconds_ms", {}).get("visitor_to_agent", {})
    if first.get("n"):
        lines.append(
            f"{'first messages (creating) v->a':<34}p50 {first['p50']} / p99 {first['p99']} ms"
            f", ack p99 {lc['first_seconds_ms']['ack'].get('p99')} ms"
        )
    lines.append(
        f"{'server KiB per socket':<34}{lc['server_kib_per_socket']!s:>14}"
        f"{(relay['server_kib_per_socket'] if relay else None)!s:>12}"
        f"{ratio(lc['server_kib_per_socket'], relay and relay['server_kib_per_socket']):>9}"
    )
    if "idle_cpu_pct" in lc:
        lines.append(
            f"{'idle server CPU %':<34}{lc['idle_cpu_pct'].get('daphne')!s:>14}"
            f"{(relay['idle_cpu_pct'].get('relay') if relay else None)!s:>12}"
        )
        lines.append(f"{'sockets closed while idle':<34}{lc['sockets_closed_while_idle']!s:>14}")
        lines.append(f"{'probe message delivered':<34}{lc.get('probe_delivered')!s:>14}")
    fl = result.get("floor")
    if fl and relay and relay.get("runs"):
        base = relay["runs"][0]["latency_ms"]["visitor_to_agent"].get("p50")
        lines.append("")
        lines.append(f"floor (p50 / p99 ms, p50 as a multiple of the relay's v->a p50 {base} ms)")
        for key, val in fl.items():
            lines.append(
                f"  {key:<32}{val['p50']:>8} / {val['p99']:<8}{ratio(val['p50'], base):>9}"
            )
        if lc.get("runs"):
            a = lc["runs"][0]["latency_ms"]["visitor_to_agent"].get("p50")
            lines.append(
                f"  {'livechat visitor->agent':<32}{a:>8} / "
                f"{lc['runs'][0]['latency_ms']['visitor_to_agent'].get('p99'):<8}"
                f"{ratio(a, base):>9}"
            )
    return "\n".join(lines)


def raise_open_files_limit() -> None:
    """--idle 2000 needs a descriptor per socket here and in daphne (which inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv=None) -> int:
    args = parse_args(argv)
    raise_open_files_limit()
    started = time.monotonic()
    result = {
        "scenario": args.scenario,
        "args": {k: v for k, v in vars(args).items() if k != "scenario"},
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": procstat.loadavg(),
            "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        },
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=BASE_DIR,
        ).stdout.strip(),
    }
    redis = RedisProcess().start()
    db = deploy.Database()
    try:
        result["livechat"] = run_livechat(args, redis, db)
        if not args.no_floor:
            print("relay: same load on a bare websockets relay", flush=True)
            result["relay"] = run_relay(args)
            print("floor: Redis publish->subscribe, PostgreSQL INSERT+COMMIT", flush=True)
            result["floor"] = floors.measure(redis.url, db.url)
    finally:
        redis.close()
    result["machine"]["loadavg_after"] = procstat.loadavg()
    result["seconds"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{stamp}-{args.label or args.scenario}.json"
    path.write_text(json.dumps(result, indent=2))
    print()
    print(table(result))
    print(f"\n{path.relative_to(BASE_DIR)}  ({result['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
