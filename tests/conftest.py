"""Shared personas: agents Alice and Bob, a supervisor, a visitor (and another), a stranger."""

import os
import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from conversations.actors import Actor
from tests.support.auth import token_client, visitor_client
from tests.support.factories import AgentFactory, SupervisorFactory, UserFactory, VisitorFactory


def pytest_sessionstart(session):
    """CI proves the real stack: refuse to run silently on SQLite or the in-memory layer."""
    if os.environ.get("LIVECHAT_REQUIRE_REAL_STACK"):
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        layer = settings.CHANNEL_LAYERS["default"]["BACKEND"]
        if "postgresql" not in engine or "redis" not in layer:
            raise pytest.UsageError(f"CI must run on PostgreSQL + Redis, got {engine} / {layer}")


@pytest.fixture(autouse=True)
def _fresh_throttle_buckets(monkeypatch):
    """Each test starts with empty rate-limit buckets and sign-in failure counts (the cache
    may be a shared Redis)."""
    monkeypatch.setattr(
        SimpleRateThrottle, "cache_format", f"throttle_{uuid.uuid4().hex}_%(scope)s_%(ident)s"
    )
    monkeypatch.setattr("accounts.lockout.KEY_PREFIX", f"signin{uuid.uuid4().hex}")


@pytest.fixture
def sent_frames():
    """Every event handed to the channel layer from now on, in order: `(recipients, frame)`.

    Recorded through `realtime.broadcast.event_sent`, so the frames really go out too."""
    from realtime.broadcast import event_sent

    records: list[tuple[list[str], object]] = []

    def record(sender, recipients, payload, **kwargs):
        records.append((list(recipients), payload))

    event_sent.connect(record, weak=False)
    yield records
    event_sent.disconnect(record)


@pytest.fixture
def alice(db):
    return AgentFactory(username="alice", first_name="Alice", last_name="Anders")


@pytest.fixture
def bob(db):
    return AgentFactory(username="bob", first_name="Bob", last_name="Baker")


@pytest.fixture
def supervisor(db):
    return SupervisorFactory(username="sam", first_name="Sam", last_name="Super")


@pytest.fixture
def stranger(db):
    """A Django user who is not an agent."""
    return UserFactory(username="eve", first_name="Eve")


@pytest.fixture
def visitor(db):
    return VisitorFactory(name="Budi", email="budi@example.com")


@pytest.fixture
def other_visitor(db):
    return VisitorFactory(name="Sari", email="sari@example.com")


@pytest.fixture
def as_alice(alice):
    return token_client(alice)


@pytest.fixture
def as_bob(bob):
    return token_client(bob)


@pytest.fixture
def as_supervisor(supervisor):
    return token_client(supervisor)


@pytest.fixture
def as_stranger(stranger):
    return token_client(stranger)


@pytest.fixture
def as_visitor(visitor):
    return visitor_client(visitor)


@pytest.fixture
def as_other_visitor(other_visitor):
    return visitor_client(other_visitor)


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def conversation(visitor):
    """Budi's conversation, started by his first message."""
    from messaging.services import message_send

    message, _ = message_send(actor=Actor.for_visitor(visitor), body="Hello, is anyone there?")
    return message.conversation


@pytest.fixture
def other_conversation(other_visitor):
    from messaging.services import message_send

    message, _ = message_send(actor=Actor.for_visitor(other_visitor), body="Halo, saya Sari")
    return message.conversation


@pytest.fixture
def media(settings, tmp_path):
    """Attachments stored in a fresh directory (the filesystem storage) for this test;
    yields the directory."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root},
        },
    }
    settings.S3_BUCKET = ""
    return root


@pytest.fixture(autouse=True)
def _ai_jobs_finish():
    """The AI answers visitor messages in the background (assist/runner.py): let what a test
    started finish before its database is cleaned up."""
    yield
    from assist.runner import wait_idle

    assert wait_idle(10), "AI jobs still running 10 s after the test"


@pytest.fixture(autouse=True)
def _async_db_pools_closed():
    """The event loop's own PostgreSQL pool (livechat/async_db.py, the WebSocket send's
    fast path) ends with the test, as a server's does with its process. Closed without the
    loop: an async fixture on every test made some tests' loops hang at close
    (tests/security/test_agent_sessions.py)."""
    yield
    from livechat import async_db

    async_db.close_all()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Pools of loops that ended without closing them hold connections to the test
    database, which could then not be dropped."""
    yield
    from livechat import async_db

    async_db.close_all()
