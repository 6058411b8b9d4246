"""The deployment a benchmark drives: its own Redis, its own database, N daphne processes.

Nothing shared is touched: Redis is a private `redis-server` on a free port, PostgreSQL is
the machine's server but a database of our own (`livechat_bench` by default), and every
process started here is stopped by its pid when the run ends.
"""

from __future__ import annotations

import concurrent.futures
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = BASE_DIR / ".venv" / "bin"
HOST = "127.0.0.1"
# Stable, so agent sessions stored in the bench database stay valid across runs.
SECRET_KEY = "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-not-for-production"
AGENT_PASSWORD = "bench-agent-password-1"
# The tables a run empties first; agents and their sessions are kept.
RUN_TABLES = [
    "messaging_messageedit",
    "messaging_message",
    "conversations_conversation",
    "conversations_visitor",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {HOST}:{port} after {timeout}s")


def stop_process(proc: subprocess.Popen | None, timeout: float = 10.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)


class RedisServer:
    """A private redis-server: no persistence, on a free port."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="livechat-bench-redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> RedisServer:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--maxclients", "10000"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        wait_port(self.port)
        return self

    def stop(self) -> None:
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


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
            [str(BIN / "python"), "manage.py", "migrate", "--no-input", "-v", "0"],
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
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LIVECHAT_", "PYTEST", "CHANNEL_", "THROTTLE_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "livechat.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_HTTPS": "0",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CHANNEL_PREFIX": "lcbench",
            "LIVECHAT_RATE_PER_SECOND": "10000",
            "LIVECHAT_RATE_BURST": "20000",
            "THROTTLE_WIDGET_SESSION": "1000000/min",
            "THROTTLE_VISITOR": "1000000/min",
            "THROTTLE_AGENT": "1000000/min",
            "THROTTLE_AUTH_TOKEN": "1000000/min",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


class Daphne:
    def __init__(self, env: dict[str, str], index: int, code_dir: Path = BASE_DIR):
        self.env = env
        self.code_dir = code_dir
        self.port = free_port()
        self.name = f"daphne{index}"
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - as long as the process
            prefix=f"livechat-bench-{self.name}-", suffix=".log", delete=False
        )
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def start(self) -> Daphne:
        self.proc = subprocess.Popen(
            [str(BIN / "daphne"), "-b", HOST, "-p", str(self.port),
             "--application-close-timeout", "5", "livechat.asgi:application"],
            cwd=self.code_dir, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            try:
                with _opener().open(f"{self.url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (OSError, urllib.error.HTTPError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()
        if not self.errors_logged():
            Path(self.log.name).unlink(missing_ok=True)

    def errors_logged(self) -> list[str]:
        if not self.log.closed:
            self.log.flush()
        path = Path(self.log.name)
        text = path.read_text(errors="replace") if path.exists() else ""
        return [line for line in text.splitlines() if "ERROR" in line or "Traceback" in line]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(jar=None):
    handlers = [urllib.request.ProxyHandler({}), _NoRedirect()]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


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
            [str(BIN / "python"), "manage.py", "shell", "-c", script],
            cwd=BASE_DIR, env=env, check=True, timeout=600, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return names


def login(base_url: str, username: str) -> str:
    """The login page like a browser (CSRF); returns the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = _opener(jar)
    url = f"{base_url}/accounts/login/"
    with opener.open(url, timeout=30) as r:
        page = r.read().decode("utf-8", "replace")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": AGENT_PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    req = urllib.request.Request(url, data=form, headers={"Referer": url, "Origin": base_url})
    try:
        with opener.open(req, timeout=30) as r:
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    cookies = {c.name: c.value for c in jar}
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login {username}: HTTP {status}")
    return f"sessionid={cookies['sessionid']}"


def _session_valid(base_url: str, cookie: str) -> bool:
    req = urllib.request.Request(f"{base_url}/dashboard/", headers={"Cookie": cookie})
    try:
        with _opener().open(req, timeout=30) as r:
            return r.status == 200
    except urllib.error.HTTPError:
        return False


def agent_cookies(base_url: str, names: list[str], cache: Path) -> list[str]:
    """A session cookie per agent. Logins cost a PBKDF2 hash each (~0.3 s of server CPU),
    so sessions are kept in `cache` and only re-made when the server no longer knows them."""
    known = json.loads(cache.read_text()) if cache.exists() else {}

    def one(name: str) -> tuple[str, str]:
        cookie = known.get(name)
        if cookie and _session_valid(base_url, cookie):
            return name, cookie
        return name, login(base_url, name)

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
        req = urllib.request.Request(
            f"{base}/api/v1/widget/session/",
            data=json.dumps({"name": f"Visitor {i}"}).encode(),
            headers={"Content-Type": "application/json", "Origin": base},
        )
        with _opener().open(req, timeout=30) as r:
            if r.status != 201:
                raise RuntimeError(f"widget session: HTTP {r.status}")
            return json.loads(r.read())["token"]

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))
