"""Security tests: in-process (the full ASGI app, the test client) and against one live
daphne process with the production settings, HTTPS included (`secure_server`).

The live server runs `DJANGO_DEBUG=0 DJANGO_HTTPS=1` behind an imaginary TLS proxy: every
HTTP request carries `X-Forwarded-Proto: https` (`secure_http`). It logs at DEBUG, so
tests can search everything it wrote (`secure_server.log_path`) for secrets. It skips
without PostgreSQL and REDIS_URL, like every live test.
"""

import copy
import uuid

import pytest
from django.conf import settings as django_settings

from realtime.client import http
from tests.support.live_fixtures import live_config, live_static  # noqa: F401
from tests.support.livestack import LiveStack
from tests.support.redis_keys import delete_keys_with_prefix

WIDGET_ORIGIN = "https://shop.example"


def pytest_collection_modifyitems(items):
    for item in items:
        if "secure_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.live)


@pytest.fixture(autouse=True)
def _private_channel_layer(settings):
    """In-process sockets get their own Redis key prefix: concurrent runs share one Redis."""
    layers = copy.deepcopy(django_settings.CHANNEL_LAYERS)
    prefix = f"lcsec{uuid.uuid4().hex[:12]}"
    if "redis" in layers["default"]["BACKEND"]:
        layers["default"]["CONFIG"]["prefix"] = prefix
    settings.CHANNEL_LAYERS = layers
    yield
    delete_keys_with_prefix(prefix)


@pytest.fixture(scope="session", autouse=True)
def _close_database_pool(django_db_setup):
    """Views run in worker threads took pooled connections; the test database can only be
    dropped at the end once they are closed."""
    yield
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if getattr(connection, "pool", None) is not None:
            connection.close_pool()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def secure_server(live_config, live_static):  # noqa: F811
    stack = LiveStack(
        1,
        **live_config,
        extra_env={
            "DJANGO_HTTPS": "1",
            "LOG_LEVEL": "DEBUG",
            "WIDGET_ALLOWED_ORIGINS": WIDGET_ORIGIN,
            # The fuzzer sends frames back to back; flooding is tested elsewhere.
            "LIVECHAT_RATE_PER_SECOND": "1000",
            "LIVECHAT_RATE_BURST": "1000",
        },
    )
    with stack:
        yield stack.servers[0]


def browser_origin(server) -> str:
    """The origin of the secure server's pages as a browser sees them, behind TLS."""
    return server.origin.replace("http://", "https://")


def secure_http(method: str, url: str, **kwargs):
    """`http()` through the TLS-terminating proxy the HTTPS settings expect."""
    headers = {"X-Forwarded-Proto": "https", **(kwargs.pop("headers", None) or {})}
    return http(method, url, headers=headers, **kwargs)
