"""Attachments in messages: sending them (REST), who may download them, signed URLs that
are tampered with or expired, and what deleting removes (PROTOCOL section 6)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.actors import Actor
from messaging.attachments import attachment_delete_unused
from messaging.models import Attachment, Message
from messaging.services import message_delete, message_send
from tests.api.test_attachments import fetch, upload
from tests.support import files
from tests.support.files import stored_files

pytestmark = pytest.mark.django_db


def messages_url(conversation):
    return f"/api/v1/conversations/{conversation.pk}/messages/"


def agent_upload(client, conversation, data=None, name="a.png"):
    r = upload(
        client,
        data or files.png(400, 300),
        name,
        url=f"/api/v1/conversations/{conversation.pk}/attachments/",
    )
    assert r.status_code == 201, r.content
    return r.json()


def visitor_upload(client, data=None, name="receipt.png"):
    r = upload(client, data or files.png(400, 300), name)
    assert r.status_code == 201, r.content
    return r.json()


def test_an_agent_sends_files_without_text(
    media, as_alice, conversation, sent_frames, django_capture_on_commit_callbacks
):
    a = agent_upload(as_alice, conversation)
    b = agent_upload(as_alice, conversation, files.pdf(), "terms.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        r = as_alice.post(
            messages_url(conversation),
            {"attachments": [b["id"], a["id"]], "client_id": "c-f"},
            format="json",
        )
    assert r.status_code == 201, r.content
    m = r.json()
    assert m["body"] == ""
    assert [x["id"] for x in m["attachments"]] == [b["id"], a["id"]]
    assert m["attachments"][1] == a
    # Broadcast with the message, and the same in history.
    frames = [f for _, f in sent_frames if f["type"] == "new_message"]
    assert frames[-1]["message"] == m
    page = as_alice.get(messages_url(conversation)).json()
    assert page["results"][-1] == m
    assert Attachment.objects.get(pk=a["id"]).message_id is not None
    # The same client_id again: the same message, nothing claimed twice.
    again = as_alice.post(
        messages_url(conversation),
        {"attachments": [b["id"], a["id"]], "client_id": "c-f"},
        format="json",
    )
    assert again.status_code == 200 and again.json() == m


def test_a_visitor_sends_a_file_with_a_caption(media, as_visitor, visitor):
    a = visitor_upload(as_visitor)
    message, created = message_send(
        actor=Actor.for_visitor(visitor), body=" my receipt ", attachments=[a["id"]]
    )
    assert created and message.body == "my receipt"
    assert message.to_wire()["attachments"][0]["id"] == a["id"]


@pytest.mark.parametrize(
    "case",
    ["unknown", "malformed", "used", "someone_else", "other_conversation", "eleven", "twice",
     "not_a_list", "empty_body_no_files"],
)  # fmt: skip
def test_attachments_that_cannot_be_sent_are_400(
    media, case, as_alice, as_bob, conversation, other_conversation
):
    mine = agent_upload(as_alice, conversation)["id"]
    attachments = {
        "unknown": ["00000000-0000-0000-0000-000000000000"],
        "malformed": ["../etc/passwd"],
        "someone_else": [agent_upload(as_bob, conversation)["id"]],
        "other_conversation": [agent_upload(as_alice, other_conversation)["id"]],
        "eleven": [agent_upload(as_alice, conversation)["id"] for _ in range(11)],
        "twice": [mine, mine],
        "not_a_list": mine,
        "empty_body_no_files": [],
    }.get(case, [mine])
    if case == "used":
        ok = as_alice.post(messages_url(conversation), {"attachments": [mine]}, format="json")
        assert ok.status_code == 201
    before = Message.objects.count()
    r = as_alice.post(
        messages_url(conversation), {"body": "", "attachments": attachments}, format="json"
    )
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation_error" and r.json()["detail"]
    assert Message.objects.count() == before


def test_downloads_go_only_to_agents_and_the_conversations_visitor(
    media, as_visitor, as_other_visitor, as_alice, as_stranger, anonymous, visitor
):
    a = visitor_upload(as_visitor)
    url = f"/api/v1/attachments/{a['id']}/"
    # Before it is sent: the uploader, and agents.
    assert as_visitor.get(url).status_code == 302
    assert as_other_visitor.get(url).status_code == 404
    message_send(actor=Actor.for_visitor(visitor), body="here", attachments=[a["id"]])
    for client in (as_visitor, as_alice):
        r = client.get(url)
        assert r.status_code == 302 and r["Cache-Control"] == "no-store"
        response, body = fetch(anonymous, r["Location"])
        assert response.status_code == 200 and body[:8] == b"\x89PNG\r\n\x1a\n"
    assert as_other_visitor.get(url).status_code == 404
    assert as_stranger.get(url).status_code == 403  # a Django user who is no agent
    assert anonymous.get(url).status_code == 401
    assert as_alice.get("/api/v1/attachments/not-an-id/").status_code == 404
    # Asked for JSON: the Attachment object itself, with fresh URLs.
    r = as_visitor.get(url, HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["id"] == a["id"]


def test_a_tampered_or_expired_url_fails(media, settings, as_visitor, anonymous):
    a = visitor_upload(as_visitor)
    url = a["url"]
    assert fetch(anonymous, url)[0].status_code == 200
    prefix, attachment_id, variant, expires, signature, _ = url.rsplit("/", 5)
    other = visitor_upload(as_visitor)["id"]
    tampered = [
        f"{prefix}/{attachment_id}/{variant}/{expires}/{signature[:-2]}xy/",
        f"{prefix}/{attachment_id}/{variant}/{int(expires) + 3600}/{signature}/",
        f"{prefix}/{other}/{variant}/{expires}/{signature}/",
        f"{prefix}/{attachment_id}/thumbnail/{expires}/{signature}/",
    ]
    for bad in tampered:
        assert fetch(anonymous, bad)[0].status_code in (403, 404), bad
    settings.ATTACHMENT_URL_TTL = 1
    short = as_visitor.get(
        f"/api/v1/attachments/{a['id']}/", HTTP_ACCEPT="application/json"
    ).json()["url"]
    time.sleep(1.1)
    response, _ = fetch(anonymous, short)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_deleting_a_message_removes_its_files(
    media, as_visitor, visitor, as_alice, anonymous, sent_frames, django_capture_on_commit_callbacks
):
    a = visitor_upload(as_visitor)
    message, _ = message_send(actor=Actor.for_visitor(visitor), body="", attachments=[a["id"]])
    assert len(stored_files(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        tombstone = message_delete(actor=Actor.for_visitor(visitor), message_id=message.pk)
    assert tombstone.to_wire()["attachments"] == [] and tombstone.to_wire()["deleted"]
    deleted = [f["message"] for _, f in sent_frames if f["type"] == "message:deleted"]
    assert [m["attachments"] for m in deleted] == [[]]
    assert stored_files(media) == [] and not Attachment.objects.exists()
    assert fetch(anonymous, a["url"])[0].status_code == 404
    assert as_alice.get(f"/api/v1/attachments/{a['id']}/").status_code == 404


def test_erasing_a_conversation_or_a_visitor_removes_their_files(
    media, as_visitor, visitor, as_alice, django_capture_on_commit_callbacks
):
    sent = visitor_upload(as_visitor)
    message, _ = message_send(actor=Actor.for_visitor(visitor), body="", attachments=[sent["id"]])
    agent_upload(as_alice, message.conversation)  # not sent yet
    visitor_upload(as_visitor)  # not sent yet
    assert len(stored_files(media)) == 6
    with django_capture_on_commit_callbacks(execute=True):
        message.conversation.delete()
    # The visitor's unsent upload belongs to the visitor, not to the conversation.
    assert len(stored_files(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        visitor.delete()
    assert stored_files(media) == [] and not Attachment.objects.exists()


def test_a_rolled_back_deletion_keeps_the_files(media, as_visitor, visitor):
    from django.db import transaction

    visitor_upload(as_visitor)
    with transaction.atomic():
        Attachment.objects.all().delete()
        transaction.set_rollback(True)
    assert len(stored_files(media)) == 2 and Attachment.objects.count() == 1


def test_unused_uploads_older_than_a_day_are_removed(
    media, as_visitor, visitor, django_capture_on_commit_callbacks
):
    sent = visitor_upload(as_visitor)
    message_send(actor=Actor.for_visitor(visitor), body="", attachments=[sent["id"]])
    old = visitor_upload(as_visitor)
    fresh = visitor_upload(as_visitor)
    day_ago = timezone.now() - timedelta(days=1, minutes=1)
    Attachment.objects.filter(pk__in=[sent["id"], old["id"]]).update(created_at=day_ago)
    assert attachment_delete_unused(dry_run=True) == 1
    assert Attachment.objects.count() == 3 and len(stored_files(media)) == 6
    with django_capture_on_commit_callbacks(execute=True):
        assert attachment_delete_unused() == 1
    assert set(Attachment.objects.values_list("pk", flat=True)) == {
        Attachment.objects.get(pk=sent["id"]).pk,
        Attachment.objects.get(pk=fresh["id"]).pk,
    }
    assert len(stored_files(media)) == 4
    assert attachment_delete_unused() == 0
