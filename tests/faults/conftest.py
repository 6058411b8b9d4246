"""Fault tests: real daphne processes, a private Redis, a cuttable link to PostgreSQL.

They skip without PostgreSQL and REDIS_URL (CI always sets both). Every test owns its
servers (`make_livestack`), so killing or cutting them disturbs nobody else, and the
shared PostgreSQL and Redis of the machine are never stopped.
"""

from pathlib import Path

from tests.support.live_fixtures import live_config, live_static, make_livestack, mark_live  # noqa: F401


def pytest_collection_modifyitems(items):
    mark_live(items, Path(__file__).parent)
