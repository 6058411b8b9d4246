"""Query counts of the database work behind the busiest frames (realtime/service_calls.py).

Counted inside the test's transaction, so the service's savepoint is included.
"""

import pytest

from conversations.actors import Actor
from realtime import service_calls

pytestmark = pytest.mark.django_db


def test_send_message(django_assert_num_queries, alice, conversation, visitor):
    agent = Actor.for_agent(alice)
    cid = str(conversation.pk)
    # savepoint, lock, client_id lookup, insert, update conversation, release
    with django_assert_num_queries(6):
        service_calls.message_send(actor=agent, body="Hi", client_id="k1", conversation_id=cid)
    with django_assert_num_queries(5):  # the repeat finds the first and writes nothing
        service_calls.message_send(actor=agent, body="Hi", client_id="k1", conversation_id=cid)
    with django_assert_num_queries(5):  # a visitor, without a client_id
        service_calls.message_send(
            actor=Actor.for_visitor(visitor), body="Hi", client_id=None, conversation_id=None
        )


def test_reads(django_assert_num_queries, conversation, visitor):
    with django_assert_num_queries(1):
        service_calls.visitor_session(visitor)
    with django_assert_num_queries(2):
        service_calls.message_page_since(
            actor=Actor.for_visitor(visitor), conversation_id=None, since_version=0
        )


def test_read_mark_and_status(django_assert_num_queries, alice, conversation):
    agent = Actor.for_agent(alice)
    cid = str(conversation.pk)
    with django_assert_num_queries(4):
        service_calls.conversation_mark_read(actor=agent, conversation_id=cid, seq=1)
    # One of them keeps the status change for the reports (conversations_conversationstatuschange).
    with django_assert_num_queries(8):
        service_calls.conversation_update(actor=agent, conversation_id=cid, status="pending")
