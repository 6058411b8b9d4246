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


def test_send_message_with_attachments(django_assert_num_queries, media, alice, conversation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from messaging.attachments import attachment_upload
    from tests.support import files

    agent = Actor.for_agent(alice)
    cid = str(conversation.pk)
    ids = [
        str(
            attachment_upload(
                actor=agent,
                conversation_id=cid,
                upload=SimpleUploadedFile(f"{i}.pdf", files.pdf(), "application/pdf"),
            ).pk
        )
        for i in range(3)
    ]
    # A message without attachments costs what it did (test_send_message: 5 without a
    # client_id); with them, two more whatever their number: the claim and the update.
    with django_assert_num_queries(7):
        service_calls.message_send(
            actor=agent, body="", client_id=None, conversation_id=cid, attachments=ids
        )


def test_reads(django_assert_num_queries, conversation, visitor):
    with django_assert_num_queries(1):
        service_calls.visitor_session(visitor)
    with django_assert_num_queries(2):
        service_calls.message_page_since(
            actor=Actor.for_visitor(visitor), conversation_id=None, since_version=0
        )


def test_history_with_attachments_costs_no_more(
    django_assert_num_queries, media, as_visitor, conversation, visitor
):
    """Messages keep their attachments' data: pages and sync never query for them."""
    from messaging.services import message_send
    from tests.support import files

    for _ in range(3):
        attachment = as_visitor.post(
            "/api/v1/widget/attachments/", {"file": _png(files)}, format="multipart"
        ).json()
        message_send(actor=Actor.for_visitor(visitor), body="", attachments=[attachment["id"]])
    with django_assert_num_queries(2):
        page = service_calls.message_page_since(
            actor=Actor.for_visitor(visitor), conversation_id=None, since_version=0
        )
    assert sum(len(m["attachments"]) for m in page["messages"]) == 3


def _png(files):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.png", files.png(40, 30), "image/png")


def test_read_mark_and_status(django_assert_num_queries, alice, conversation):
    agent = Actor.for_agent(alice)
    cid = str(conversation.pk)
    with django_assert_num_queries(4):
        service_calls.conversation_mark_read(actor=agent, conversation_id=cid, seq=1)
    # One of them keeps the status change for the reports (conversations_conversationstatuschange).
    with django_assert_num_queries(8):
        service_calls.conversation_update(actor=agent, conversation_id=cid, status="pending")
