"""Live tests: real daphne processes on the test's PostgreSQL database and Redis."""

from tests.support.live_fixtures import live_config, live_static, livestack, make_livestack  # noqa: F401
