"""WebSocket tests run the full ASGI application (routing, origin checks, sessions)."""

import copy
import os
import uuid

import pytest
from django.conf import settings as django_settings

from tests.support.redis_keys import delete_keys_with_prefix


@pytest.fixture(autouse=True)
def _private_channel_layer(settings):
    """A fresh channel layer (and Redis key prefix) per test: no group or presence state
    leaks between tests, or between concurrent runs sharing one Redis."""
    layers = copy.deepcopy(django_settings.CHANNEL_LAYERS)
    prefix = f"lctest{uuid.uuid4().hex[:12]}"
    if "CONFIG" in layers["default"] and "redis" in layers["default"]["BACKEND"]:
        layers["default"]["CONFIG"]["prefix"] = prefix
        if os.environ.get("LIVECHAT_TEST_LAYER") == "pubsub":
            # The code must stay portable to the other channels-redis layer
            # (docs/architecture.md): `LIVECHAT_TEST_LAYER=pubsub pytest tests/realtime`.
            layers["default"]["BACKEND"] = "channels_redis.pubsub.RedisPubSubChannelLayer"
            layers["default"]["CONFIG"] = {
                "hosts": layers["default"]["CONFIG"]["hosts"],
                "prefix": prefix,
            }
    settings.CHANNEL_LAYERS = layers  # channels resets its layers on this signal
    yield
    delete_keys_with_prefix(prefix)


@pytest.fixture(autouse=True)
def _fast_timers(settings):
    settings.LIVECHAT = {**django_settings.LIVECHAT, "TYPING_TIMEOUT": 0.5}
    # The personas' passwords are hashed in every test; the real hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _consumers_close_connections(monkeypatch):
    """channels' test communicator turns `close_old_connections` into a no-op, for tests that
    run inside a TestCase transaction. These tests are transactional, so consumers may close
    their connections as they do under daphne; otherwise each one would keep a pooled
    PostgreSQL connection checked out past the end of the run."""
    from django.db import close_old_connections

    monkeypatch.setattr("channels.testing.application.no_op", close_old_connections)
