"""The deployment a benchmark drives: its own Redis, its own database, N daphne processes.

Nothing shared is touched: Redis is a private `redis-server` on a free port
(tests/support/redisproc.py), PostgreSQL is the machine's server but a database of our own
(`livechat_bench` by default), and the daphne processes (tests/support/livestack.py, the
live tests' launcher) are stopped by their pid when the run ends. HTTP goes through the
protocol client of realtime/client.py.
"""

from __future__ import annotations

import concurrent.futures
import json
import subprocess
from pathlib import Path

import psycopg

from realtime.client import http, http_login, widget_session
from tests.support.livestack import BASE_DIR, PYTHON, production_env

# Stable, so agent sessions stored in the bench database stay valid across runs.
SECRET_KEY = "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-not-for-production"
AGENT_PASSWORD = "quartz-lantern-7Kx-91"
# The tables a run empties first; agents and their sessions are kept.
RUN_TABLES = [
    "messaging_messageedit",
    "messaging_message",
    "conversations_conversation",
    "conversations_visitor",
]
# Every limit above the offered load: the bench measures the server, not its throttles.
LIMITS = {
    "LIVECHAT_RATE_PER_SECOND": "10000",
    "LIVECHAT_RATE_BURST": "20000",
    "LIVECHAT_MAX_UNAUTHENTICATED_SOCKETS": "100000",
    "THROTTLE_WIDGET_SESSION": "1000000/min",
    "THROTTLE_VISITOR": "1000000/min",
    "THROTTLE_AGENT": "1000000/min",
    "THROTTLE_AUTH_TOKEN": "1000000/min",
}


class Database:
    """`livechat_bench` on the shared server: created and migrated once, emptied per run."""

    def __init__(
        self, name: str = "livechat_bench", server: str = "postgres://postgres@127.0.0.1:5432"
    ):
        self.name = name
        self.server = server

    @property
    def url(self) -> str:
        return f"{self.server}/{self.name}"

    def ensure(self, env: dict[str, str]) -> None:
        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.name]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        subprocess.run(
            [str(PYTHON), "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=BASE_DIR, env=env, check=True, timeout=300,
        )  # fmt: skip

    def empty(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"TRUNCATE {', '.join(RUN_TABLES)} CASCADE")

    def connections(self) -> dict[str, int]:
        """Backends connected to this database, by state (our own probe excluded)."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid() GROUP BY 1",
                [self.name],
            ).fetchall()
        return {state: n for state, n in rows}

    def backend_pids(self) -> list[int]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.name],
            ).fetchall()
        return [r[0] for r in rows]


def server_env(*, database_url: str, redis_url: str, extra: dict[str, str] | None = None) -> dict:
    """Production settings on loopback, with every limit raised above the offered load."""
    return production_env(
        database_url=database_url,
        redis_url=redis_url,
        secret_key=SECRET_KEY,
        extra={"CHANNEL_PREFIX": "lcbench", **LIMITS, **(extra or {})},
    )


def ensure_agents(env: dict[str, str], count: int, db: Database) -> list[str]:
    """`bench-agent-0..count-1`, created with `manage.py create_agent` when missing."""
    names = [f"bench-agent-{i}" for i in range(count)]
    with psycopg.connect(db.url, autocommit=True) as conn:
        have = {
            r[0]
            for r in conn.execute(
                "SELECT username FROM auth_user WHERE username LIKE 'bench-agent-%%'"
            ).fetchall()
        }
    missing = [n for n in names if n not in have]
    if missing:
        # One interpreter for all of them; each is exactly `manage.py create_agent`.
        script = (
            "from django.core.management import call_command\n"
            f"for n in {missing!r}:\n"
            f"    call_command('create_agent', n, password={AGENT_PASSWORD!r},\n"
            "                 name='Bench ' + n[12:], verbosity=0)\n"
        )
        subprocess.run(
            [str(PYTHON), "manage.py", "shell", "-c", script],
            cwd=BASE_DIR, env=env, check=True, timeout=600, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return names


def _session_valid(base_url: str, cookie: str) -> bool:
    status, _body, _elapsed = http(
        "GET", f"{base_url}/dashboard/", headers={"Cookie": cookie}, timeout=30,
        follow_redirects=False,
    )  # fmt: skip
    return status == 200


def agent_cookies(base_url: str, names: list[str], cache: Path) -> list[str]:
    """A session cookie per agent. Logins cost a PBKDF2 hash each (~0.3 s of server CPU),
    so sessions are kept in `cache` and only re-made when the server no longer knows them."""
    known = json.loads(cache.read_text()) if cache.exists() else {}

    def one(name: str) -> tuple[str, str]:
        cookie = known.get(name)
        if cookie and _session_valid(base_url, cookie):
            return name, cookie
        return name, http_login(base_url, name, AGENT_PASSWORD, timeout=30)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        result = dict(pool.map(one, names))
    known.update(result)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(known))
    return [result[n] for n in names]


def widget_sessions(base_urls: list[str], count: int, threads: int = 8) -> list[str]:
    """`count` visitors through `POST /api/v1/widget/session/`; returns their tokens."""

    def one(i: int) -> str:
        base = base_urls[i % len(base_urls)]
        return widget_session(base, name=f"Visitor {i}", timeout=30)["token"]

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))
