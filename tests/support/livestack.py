"""Real daphne processes on one database and one Redis: the production stack, in a test.

Reusable by any test that needs a running server (live WebSocket tests, browser tests):

    with LiveStack(processes=2, database_url=..., redis_url=...) as stack:
        stack.servers[0].url       # "http://127.0.0.1:54321"
        stack.servers[1].ws_url    # "ws://127.0.0.1:54322"
        stack.kill(0); stack.restart(0)

Every process runs the production settings (`DJANGO_DEBUG=0`, `DJANGO_HTTPS=0`, so plain
HTTP on loopback) and is ready when `/healthz` answers 200, i.e. when both the database
and the channel layer work. `collectstatic` must have run once (see `collect_static`),
because the production static storage serves from its manifest.

`database_url_from_settings()` turns the database Django is using right now (the test
database, under pytest-django) into a DATABASE_URL, so the processes see the test's data.
Tests that share a stack must use `django_db(transaction=True)`: the processes only see
committed rows.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parents[2]
DAPHNE = BASE_DIR / ".venv" / "bin" / "daphne"
PYTHON = BASE_DIR / ".venv" / "bin" / "python"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


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


def base_env(
    *, database_url: str, redis_url: str, secret_key: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a production-like process on loopback."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LIVECHAT_", "PYTEST", "CHANNEL_"))
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
            "DB_POOL_MIN": "1",
            "DB_POOL_MAX": "8",
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
    """One daphne process. Keeps its port across restarts, so clients can reconnect."""

    def __init__(self, env: Mapping[str, str], *, port: int | None = None, name: str = "daphne"):
        self.env = dict(env)
        self.port = port or free_port()
        self.name = name
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

    def start(self, *, wait: float = 30.0) -> LiveServer:
        if self.running:
            return self
        self.process = subprocess.Popen(
            [
                str(DAPHNE),
                "-b",
                HOST,
                "-p",
                str(self.port),
                "--application-close-timeout",
                "5",
                "livechat.asgi:application",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
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
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
                    last_error = f"HTTP {response.status}"
            except urllib.error.HTTPError as exc:
                last_error = f"HTTP {exc.code}"
            except OSError as exc:
                last_error = repr(exc)
            time.sleep(0.1)
        raise RuntimeError(
            f"{self.name} not ready after {timeout}s ({last_error}):\n{self.log_tail()}"
        )

    def stop(self, *, timeout: float = 10.0) -> None:
        """A graceful stop: SIGTERM, then SIGKILL if it lingers."""
        if not self.running:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

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
        self._log.flush()
        text = Path(self._log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        self.stop()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)


class LiveStack:
    """N daphne processes sharing one database and one Redis key space."""

    def __init__(
        self,
        processes: int = 2,
        *,
        database_url: str,
        redis_url: str,
        secret_key: str,
        extra_env: Mapping[str, str] | None = None,
    ):
        self.env = base_env(
            database_url=database_url, redis_url=redis_url, secret_key=secret_key, extra=extra_env
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


# --- pytest fixtures ------------------------------------------------------------------------
# Import them into a conftest (`from tests.support.livestack import livestack, make_livestack`, plus
# the session fixtures they use) to get real servers in a test directory.
try:
    import pytest
except ImportError:  # used outside pytest, e.g. from a script
    pytest = None

if pytest is not None:

    @pytest.fixture(scope="session")
    def live_config(django_db_setup) -> dict:
        """Where the live processes find the test's database and Redis; skips without them."""
        from django.conf import settings

        if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
            pytest.skip("live servers need PostgreSQL: set DATABASE_URL (CI always does)")
        if not settings.REDIS_URL:
            pytest.skip("live servers need Redis: set REDIS_URL (CI always does)")
        return {
            "database_url": database_url_from_settings(),
            "redis_url": settings.REDIS_URL,
            "secret_key": settings.SECRET_KEY,
        }

    # Short presence timings keep the process-death tests quick; typing stays at 5 s.
    LIVE_TEST_ENV = {"LIVECHAT_PRESENCE_TTL": "2", "LIVECHAT_HEARTBEAT_INTERVAL": "0.5"}

    @pytest.fixture(scope="session")
    def live_static(live_config) -> None:
        collect_static(base_env(**live_config))

    @pytest.fixture(scope="session")
    def livestack(live_config, live_static):
        """Two daphne processes for the whole session. Tests must leave both running."""
        stack = LiveStack(2, **live_config, extra_env=LIVE_TEST_ENV)
        with stack:
            yield stack

    @pytest.fixture
    def make_livestack(live_config, live_static):
        """A private stack for a test that kills or restarts processes."""
        stacks: list[LiveStack] = []

        def make(processes: int = 2, **extra_env: str) -> LiveStack:
            stack = LiveStack(
                processes, **live_config, extra_env={**LIVE_TEST_ENV, **extra_env}
            ).start()
            stacks.append(stack)
            return stack

        yield make
        for stack in stacks:
            stack.close()
