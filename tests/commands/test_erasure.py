"""`livechat_forget_visitor`, `livechat_export_visitor` and `livechat_purge`: erasure leaves
no row behind, keeps an audit record without personal data, and closes the widget."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from conversations import services as conversation_services
from conversations.actors import Actor
from conversations.models import Conversation, ConversationStatusChange, ErasureRecord, Visitor
from messaging.models import Message, MessageEdit
from messaging.services import message_edit, message_send
from realtime.broadcast import Close
from tests.support.factories import VisitorFactory

pytestmark = pytest.mark.django_db(transaction=True)


def full_history(visitor, agent):
    """A conversation with a reply, an edit, a close and a reopen: a row in every table."""
    m, _ = message_send(actor=Actor.for_visitor(visitor), body="Nomor HP saya 0812-3456")
    message_edit(actor=Actor.for_visitor(visitor), message_id=m.pk, body="Nomor HP saya 0812")
    message_send(actor=Actor.for_agent(agent), conversation_id=m.conversation_id, body="Siap")
    conversation_services.conversation_update(
        actor=Actor.for_agent(agent), conversation_id=m.conversation_id, status="closed"
    )
    message_send(actor=Actor.for_visitor(visitor), body="Satu lagi")
    return m.conversation


def rows_about(visitor_pk, conversation_pk) -> dict:
    return {
        "visitors": Visitor.objects.filter(pk=visitor_pk).count(),
        "conversations": Conversation.objects.filter(pk=conversation_pk).count(),
        "messages": Message.objects.filter(conversation_id=conversation_pk).count(),
        "edits": MessageEdit.objects.filter(message__conversation_id=conversation_pk).count(),
        "status changes": ConversationStatusChange.objects.filter(
            conversation_id=conversation_pk
        ).count(),
    }


def test_forget_by_id_deletes_every_row_and_closes_the_widget(
    manage, visitor, alice, other_conversation, sent_frames
):
    conversation = full_history(visitor, alice)
    before = rows_about(visitor.pk, conversation.pk)
    assert all(before.values()), before
    run = manage("livechat_forget_visitor", str(visitor.pk), "--no-input")
    assert run.code == 0, run.err
    assert set(rows_about(visitor.pk, conversation.pk).values()) == {0}
    # The other visitor's data is untouched.
    assert Conversation.objects.filter(pk=other_conversation.pk).exists()
    assert (["visitor." + str(visitor.pk)], Close(4401)) in sent_frames
    assert "Deleted" in run.out and "messaging.Message" in run.out


def test_the_audit_record_says_who_when_and_how_many_but_not_whom(manage, visitor, alice):
    conversation = full_history(visitor, alice)
    expected = rows_about(visitor.pk, conversation.pk)
    manage("livechat_forget_visitor", "BUDI@example.com", "--no-input")
    record = ErasureRecord.objects.get()
    assert record.action == "forget" and record.via == "command" and record.operator
    assert record.visitors == 1
    assert record.rows["messaging.Message"] == expected["messages"] == 3
    assert record.rows["messaging.MessageEdit"] == expected["edits"] == 1
    assert record.rows["conversations.ConversationStatusChange"] == 2
    stored = json.dumps(
        {f.name: str(getattr(record, f.name)) for f in record._meta.concrete_fields}
    )
    for personal in (str(visitor.pk), "Budi", "budi@example.com", str(conversation.pk), "0812"):
        assert personal not in stored


def test_an_email_matches_every_visitor_who_gave_it(manage, visitor, alice):
    again = VisitorFactory(name="Budi", email="Budi@Example.com")
    message_send(actor=Actor.for_visitor(again), body="Saya lagi")
    stranger = VisitorFactory(email="someone@example.com")
    assert manage("livechat_forget_visitor", "budi@example.com", "--no-input").code == 0
    assert list(Visitor.objects.values_list("pk", flat=True)) == [stranger.pk]


def test_dry_run_counts_and_deletes_nothing(manage, visitor, alice):
    conversation = full_history(visitor, alice)
    run = manage("livechat_forget_visitor", str(visitor.pk), "--dry-run")
    assert run.code == 0
    assert "Would delete" in run.out and "3 messaging.Message" in run.out
    assert all(rows_about(visitor.pk, conversation.pk).values())
    assert not ErasureRecord.objects.exists()


def test_answering_anything_but_yes_changes_nothing(manage, visitor, conversation):
    run = manage("livechat_forget_visitor", str(visitor.pk), stdin="no\n")
    assert run.code == 1 and "Cancelled" in run.err
    assert Visitor.objects.filter(pk=visitor.pk).exists()
    assert manage("livechat_forget_visitor", str(visitor.pk), stdin="yes\n").code == 0
    assert not Visitor.objects.filter(pk=visitor.pk).exists()


def test_unknown_and_malformed_visitors(manage, db):
    unknown = manage("livechat_forget_visitor", "nobody@example.com", "--no-input")
    assert unknown.code == 3 and "No visitor matches" in unknown.err
    assert manage("livechat_forget_visitor", "not-an-id", "--no-input").code == 2
    assert manage("livechat_forget_visitor").code == 2  # the argument is required


def test_export_holds_everything_erasure_would_delete(manage, visitor, alice, tmp_path):
    conversation = full_history(visitor, alice)
    run = manage("livechat_export_visitor", str(visitor.pk))
    assert run.code == 0, run.err
    export = json.loads(run.out)
    [person] = export["visitors"]
    assert person["visitor"] == {"id": str(visitor.pk), "name": "Budi", "email": visitor.email}
    assert [m["body"] for m in person["conversation"]["messages"]] == [
        "Nomor HP saya 0812",
        "Siap",
        "Satu lagi",
    ]
    records = person["records"]
    assert records["messaging.MessageEdit"][0]["previous_body"] == "Nomor HP saya 0812-3456"
    assert len(records["conversations.ConversationStatusChange"]) == 2
    assert "token_hash" not in records["conversations.Visitor"][0]
    counts = {label: len(rows) for label, rows in records.items()}
    manage("livechat_forget_visitor", str(visitor.pk), "--no-input")
    assert ErasureRecord.objects.get().rows == counts
    assert rows_about(visitor.pk, conversation.pk)["messages"] == 0


def test_export_as_a_zip(manage, visitor, conversation, tmp_path):
    target = tmp_path / "budi.zip"
    run = manage("livechat_export_visitor", "budi@example.com", "--zip", "-o", str(target))
    assert run.code == 0, run.err
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        document = json.loads(archive.read("export.json"))
    assert document["visitors"][0]["conversation"]["id"] == str(conversation.pk)


def test_export_bad_input(manage, visitor, tmp_path):
    assert manage("livechat_export_visitor", "nobody@example.com").code == 3
    assert manage("livechat_export_visitor", str(visitor.pk), "--zip").code == 2
    assert manage("livechat_export_visitor", "x", "-o", str(tmp_path / "x.json")).code == 2
    missing_dir = tmp_path / "no" / "such" / "dir.json"
    assert manage("livechat_export_visitor", str(visitor.pk), "-o", str(missing_dir)).code == 2


def age_closed(conversation, days: int) -> None:
    conversation_services.conversation_update(
        actor=Actor.system(), conversation_id=conversation.pk, status="closed"
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        closed_at=timezone.now() - timedelta(days=days)
    )


def test_purge_erases_conversations_closed_before_the_cutoff(manage, alice):
    old, recent, still_open = (VisitorFactory() for _ in range(3))
    chats = {}
    for v in (old, recent, still_open):
        m, _ = message_send(actor=Actor.for_visitor(v), body="Hi")
        chats[v.pk] = m.conversation
    age_closed(chats[old.pk], 400)
    age_closed(chats[recent.pk], 100)
    Conversation.objects.filter(pk=chats[still_open.pk].pk).update(
        created_at=timezone.now() - timedelta(days=500)
    )
    dry = manage("livechat_purge", "--older-than", "365d", "--dry-run")
    assert dry.code == 0 and "Would erase 1 conversation" in dry.out
    assert Visitor.objects.count() == 3
    run = manage("livechat_purge", "--older-than", "365d", "--no-input", "--batch-size", "1")
    assert run.code == 0, run.err
    assert set(Visitor.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
    assert not Message.objects.filter(conversation=chats[old.pk]).exists()
    record = ErasureRecord.objects.get()
    assert record.action == "purge" and record.visitors == 1
    assert record.rows["messaging.Message"] == 1


def test_purge_uses_retention_days_and_is_off_by_default(manage, settings, alice):
    v = VisitorFactory()
    m, _ = message_send(actor=Actor.for_visitor(v), body="Hi")
    age_closed(m.conversation, 40)
    off = manage("livechat_purge", "--no-input")
    assert off.code == 2 and "Retention is off" in off.err
    settings.RETENTION_DAYS = 30
    assert manage("livechat_purge", "--no-input").code == 0
    assert not Visitor.objects.filter(pk=v.pk).exists()
    assert manage("livechat_purge", "--no-input").out.strip() == "Nothing to purge."


@pytest.mark.parametrize("bad", ["soon", "365", "365m", "0d", "-3d"])
def test_purge_refuses_odd_durations(manage, db, bad):
    run = manage("livechat_purge", "--older-than", bad, "--no-input")
    assert run.code == 2, (bad, run.err)


def test_every_model_that_points_at_a_visitor_is_reached_by_erasure():
    """A model added later that refers to visitors or their conversations or messages must
    cascade, or erasure would leave its rows (and files) behind, or fail."""
    from django.db import models

    targets = {Visitor, Conversation, Message}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in targets and field.many_to_one:
                # Among the three themselves, a SET_NULL is fine: all three go.
                allowed = {models.CASCADE} | ({models.SET_NULL} if model in targets else set())
                assert field.remote_field.on_delete in allowed, f"{model._meta.label}.{field.name}"


def test_erasure_removes_the_visitors_files_from_storage(manage, media, visitor, alice, as_visitor):
    from tests.api.test_attachments import upload
    from tests.support import files

    photo = upload(as_visitor, files.png(640, 480), "ktp.png", "image/png").json()
    message_send(actor=Actor.for_visitor(visitor), body="", attachments=[photo["id"]])
    stored = [p for p in media.rglob("*") if p.is_file()]
    assert len(stored) == 2  # the image and its thumbnail
    run = manage("livechat_forget_visitor", str(visitor.pk), "--no-input")
    assert run.code == 0, run.err
    assert [p for p in media.rglob("*") if p.is_file()] == []
