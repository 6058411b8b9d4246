"""/healthz really checks the database and the channel layer."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthy(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"database": "ok", "channel_layer": "ok"}


def test_503_when_redis_is_unreachable(client, settings):
    # A port nothing listens on: the layer cannot deliver a single message.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": "redis://127.0.0.1:1/0", "socket_connect_timeout": 1}]
            },
        }
    }
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"database": "ok", "channel_layer": "down"}


def test_503_when_the_database_is_unreachable(client, settings, monkeypatch):
    from livechat import health

    def broken_database():
        raise connection.OperationalError("connection refused")

    monkeypatch.setattr(health, "_database_ok", broken_database)
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["database"] == "down"
