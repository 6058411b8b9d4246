"""The demo shop's knowledge base for the AI's tests, and the in-process socket fixtures of
tests/realtime (a fresh channel layer per test, connections closed as under daphne)."""

import pytest

from assist.demo import ARTICLES
from assist.services import knowledge_article_create
from conversations.actors import Actor
from tests.realtime.conftest import (  # noqa: F401
    _consumers_close_connections,
    _fast_timers,
    _private_channel_layer,
)


@pytest.fixture
def knowledge(db):
    """The demo shop's articles (shipping, payment, returns, roasting; English and Indonesian)."""
    return {
        title: knowledge_article_create(actor=Actor.system(), title=title, body=body)
        for title, body in ARTICLES
    }
