"""pytest fixtures for the tests that need real servers (tests/support/livestack.py).

Import the ones a package needs into its conftest (`from tests.support.live_fixtures import
live_config, live_static, make_livestack`). `live_static` runs collectstatic once per pytest
process, however many packages import it. Everything skips without PostgreSQL and Redis.
"""

from pathlib import Path

import pytest

from tests.support.livestack import (
    LiveStack,
    collect_static,
    database_url_from_settings,
    production_env,
)

# Short presence timings keep the process-death tests quick; typing stays at 5 s. Tests
# read `/metrics` with METRICS_TOKEN.
METRICS_TOKEN = "live-tests-metrics-token"
LIVE_TEST_ENV = {
    "LIVECHAT_PRESENCE_TTL": "2",
    "LIVECHAT_HEARTBEAT_INTERVAL": "0.5",
    "METRICS_TOKEN": METRICS_TOKEN,
    # Every test on the shared stack starts widget sessions from 127.0.0.1; the throttle's
    # own tests run on servers of their own.
    "THROTTLE_WIDGET_SESSION": "100000/min",
}

_collected: list[bool] = []


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


@pytest.fixture(scope="session")
def live_static(live_config) -> None:
    if not _collected:
        collect_static(production_env(**live_config))
        _collected.append(True)


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


def mark_live(items, here: Path, *, transaction: bool = True) -> None:
    """Mark the items under `here` as live and transactional (the servers see commits only)."""
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.live)
            if item.get_closest_marker("django_db") is None:
                item.add_marker(pytest.mark.django_db(transaction=transaction))
