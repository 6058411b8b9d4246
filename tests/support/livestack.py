"""Real daphne processes with the production settings: the live tests' servers and the bench's.

It lives with the test helpers because the tests are its main user, and bench/run.py puts
the repository root on `sys.path` to start its servers with the same code.

    with LiveStack(processes=2, database_url=..., redis_url=..., secret_key=...) as stack:
        stack.servers[0].url       # "http://127.0.0.1:54321"
        stack.servers[1].ws_url    # "ws://127.0.0.1:54322"
        stack.kill(0); stack.restart(0)

Every process runs the production settings (`production_env`: `DJANGO_DEBUG=0`,
`DJANGO_HTTPS=0`, so plain HTTP on loopback) and is ready when `/healthz` answers 200, i.e.
when both the database and the channel layer work. `collectstatic` must have run once (see
`collect_static`), because the production static storage serves from its manifest.

`database_url_from_settings()` turns the database Django is using right now (the test
database, under pytest-django) into a DATABASE_URL, so the processes see the test's data.
Tests that share a stack must use `django_db(transaction=True)`: the processes only see
committed rows. The pytest fixtures are in tests/support/live_fixtures.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from realtime.client import http

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = BASE_DIR / ".venv" / "bin"
DAPHNE = BIN / "daphne"

# The ASGI servers a stack can run; daphne is the documented one. `LIVECHAT_TEST_SERVER`
# runs the live suites on another (the bench's `--server` compares them).
SERVERS = ("daphne", "uvicorn", "granian")


def server_command(server: str, port: int) -> list[str]:
    app = "livechat.asgi:application"
    if server == "daphne":
        return [str(DAPHNE), "-b", HOST, "-p", str(port), "--application-close-timeout", "5", app]
    if server == "uvicorn":
        # uvloop, httptools and the `websockets` implementation: uvicorn[standard]. Channels'
        # router speaks no lifespan protocol.
        return [
            str(BIN / "uvicorn"), app, "--host", HOST, "--port", str(port), "--loop", "uvloop",
            "--http", "httptools", "--ws", "websockets", "--lifespan", "off",
            "--no-access-log", "--timeout-graceful-shutdown", "5",
        ]  # fmt: skip
    if server == "granian":
        return [
            str(BIN / "granian"), "--interface", "asgi", "--host", HOST, "--port", str(port),
            "--loop", "uvloop", "--workers", "1", "--runtime-mode", "st", app,
        ]  # fmt: skip
    raise ValueError(f"unknown server {server!r}: one of {', '.join(SERVERS)}")


PYTHON = BIN / "python"
HOST = "127.0.0.1"
# Test stacks share the machine's PostgreSQL with other runs: small pools per process.
TEST_POOLS = {"DB_POOL_MIN": "1", "DB_POOL_MAX": "8"}


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


def stop_process(process: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """A graceful stop: SIGTERM, then SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


def database_url_from_settings() -> str:
    """A DATABASE_URL for Django's current default database (PostgreSQL only)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        raise RuntimeError("live servers need PostgreSQL (an SQLite test database is private)")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(db['NAME'], safe='')}"


def production_env(
    *, database_url: str, redis_url: str, secret_key: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a production process on loopback: the settings' defaults for
    everything but what is set here and in `extra` (nothing is inherited from the caller's
    DJANGO_*, LIVECHAT_*, CHANNEL_*, THROTTLE_* or PYTEST* variables)."""
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
            "DJANGO_SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            # A private key space in a Redis that other runs may share.
            "CHANNEL_PREFIX": f"lclive{uuid.uuid4().hex[:12]}",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def collect_static(env: Mapping[str, str]) -> None:
    """`manage.py collectstatic` once: the production storage serves from its manifest."""
    subprocess.run(
        [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=dict(env),
        check=True,
        timeout=180,
    )


class LiveServer:
    """One server process (daphne unless `server` or LIVECHAT_TEST_SERVER says otherwise).
    Keeps its port across restarts, so clients can reconnect. `code_dir` runs another
    checkout's code (the bench's before / after runs)."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        port: int | None = None,
        name: str = "daphne",
        code_dir: Path = BASE_DIR,
        server: str | None = None,
    ):
        self.server = server or os.environ.get("LIVECHAT_TEST_SERVER") or "daphne"
        server_command(self.server, 0)  # an unknown name fails here, not at start
        self.env = dict(env)
        self.port = port or free_port()
        self.name = name
        self.code_dir = code_dir
        self.process: subprocess.Popen | None = None
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            prefix=f"livechat-{name}-", suffix=".log", delete=False
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    @property
    def origin(self) -> str:
        return self.url

    @property
    def log_path(self) -> str:
        return self._log.name

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self, *, wait: float = 30.0) -> LiveServer:
        if self.running:
            return self
        self.process = subprocess.Popen(
            server_command(self.server, self.port),
            cwd=self.code_dir, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.wait_ready(timeout=wait)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, *, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        last_error = "no answer"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                status, _body, _elapsed = http("GET", f"{self.url}/healthz", timeout=2)
                if status == 200:
                    return
                last_error = f"HTTP {status}"
            except OSError as exc:
                last_error = repr(exc)
            time.sleep(0.1)
        raise RuntimeError(
            f"{self.name} not ready after {timeout}s ({last_error}):\n{self.log_tail()}"
        )

    def stop(self, *, timeout: float = 10.0) -> None:
        """A graceful stop: SIGTERM, then SIGKILL if it lingers."""
        stop_process(self.process, timeout)

    def kill(self) -> None:
        """Process death: no disconnect handler runs, nothing is cleaned up."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def restart(self, *, wait: float = 30.0) -> LiveServer:
        self.stop()
        return self.start(wait=wait)

    def log_tail(self, lines: int = 40) -> str:
        if not self._log.closed:
            self._log.flush()
        text = Path(self._log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def errors_logged(self) -> list[str]:
        if not self._log.closed:
            self._log.flush()
        path = Path(self._log.name)
        text = path.read_text(errors="replace") if path.exists() else ""
        return [line for line in text.splitlines() if "ERROR" in line or "Traceback" in line]

    def close(self, *, keep_log_with_errors: bool = False) -> None:
        """Stop, and delete the log (unless asked to keep one that shows an error)."""
        self.stop()
        self._log.close()
        if not (keep_log_with_errors and self.errors_logged()):
            Path(self._log.name).unlink(missing_ok=True)


class LiveStack:
    """N daphne processes sharing one database and one Redis key space (`TEST_POOLS`)."""

    def __init__(
        self,
        processes: int = 2,
        *,
        database_url: str,
        redis_url: str,
        secret_key: str,
        extra_env: Mapping[str, str] | None = None,
    ):
        self.env = production_env(
            database_url=database_url,
            redis_url=redis_url,
            secret_key=secret_key,
            extra={**TEST_POOLS, **(extra_env or {})},
        )
        self.servers = [LiveServer(self.env, name=f"daphne{i}") for i in range(processes)]

    @property
    def channel_prefix(self) -> str:
        return self.env["CHANNEL_PREFIX"]

    def start(self) -> LiveStack:
        try:
            for server in self.servers:
                server.start()
        except BaseException:
            self.close()
            raise
        return self

    def stop(self, index: int) -> None:
        self.servers[index].stop()

    def kill(self, index: int) -> None:
        self.servers[index].kill()

    def restart(self, index: int) -> LiveServer:
        return self.servers[index].restart()

    def close(self) -> None:
        for server in self.servers:
            try:
                server.close()
            except Exception as exc:  # keep tearing the others down
                print(f"livestack: closing {server.name} failed: {exc!r}", file=sys.stderr)

    def __enter__(self) -> LiveStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
