"""Email follow-up against a real SMTP server on loopback: the unread-replies email, the
transcript, the links in them, unsubscribing, and an SMTP server that is down."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conversations.actors import Actor
from conversations.models import Visitor
from conversations.services import conversation_mark_read, conversation_update
from followup.models import OutboundEmail
from followup.services import outbox_process, outbox_run_once
from messaging.services import message_send

pytestmark = pytest.mark.django_db


def reply(agent, conversation, body):
    return message_send(actor=Actor.for_agent(agent), conversation_id=conversation.pk, body=body)[0]


def later(minutes: float):
    return timezone.now() + timedelta(minutes=minutes)


def parts(message) -> dict:
    return {p.get_content_type(): p.get_content() for p in message.walk() if not p.is_multipart()}


def link(text: str, path: str) -> str:
    found = re.search(rf"http://chat\.example{path}[^\s\"<]+", text)
    assert found, text
    return found.group(0)


def test_an_unread_reply_is_emailed_once_with_both_parts_and_a_working_link(
    smtp, alice, visitor, conversation, anonymous, client
):
    reply(alice, conversation, "Your refund is on its way <b>today</b>.")
    assert outbox_run_once(now=later(4)) == (0, 0)  # not yet: EMAIL_FOLLOWUP_AFTER is 5 min
    assert outbox_run_once(now=later(6)) == (1, 1)
    (message,) = smtp.messages
    assert message["To"] == "budi@example.com"
    assert message["From"] == "Pro Livechat <noreply@localhost>"
    assert message["Subject"] == "New reply from Pro Livechat"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        str(message["List-Unsubscribe"])
        .strip()
        .startswith("<http://chat.example/email/unsubscribe/")
    )
    assert message.get_content_type() == "multipart/alternative"
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    assert "Hi Budi," in body["text/plain"]
    assert "Your refund is on its way <b>today</b>." in body["text/plain"]
    # The HTML part escapes what agents typed.
    assert "Your refund is on its way &lt;b&gt;today&lt;/b&gt;." in body["text/html"]
    assert "Alice Anders" in body["text/html"]
    resume = link(body["text/plain"], "/email/resume/")
    assert resume == link(body["text/html"], "/email/resume/")

    # The link's page opens; its script trades the signed token for a visitor token.
    path = resume.removeprefix("http://chat.example")
    assert client.get(path).status_code == 200
    token = path.rstrip("/").rsplit("/", 1)[1]
    r = anonymous.post("/api/v1/widget/resume/", {"token": token}, format="json")
    assert r.status_code == 200, r.content
    anonymous.credentials(HTTP_AUTHORIZATION=f"Visitor {r.json()['token']}")
    assert anonymous.get("/api/v1/widget/conversation/").json()["id"] == str(conversation.pk)
    # Nothing more to send for these replies, even hours later.
    assert outbox_run_once(now=later(180)) == (0, 0)
    assert len(smtp.messages) == 1


def test_at_most_one_email_per_conversation_per_hour(smtp, alice, conversation):
    reply(alice, conversation, "First answer")
    outbox_run_once(now=later(6))
    reply(alice, conversation, "Second answer")
    assert outbox_run_once(now=later(12)) == (0, 0)
    assert outbox_run_once(now=later(70)) == (1, 1)
    assert len(smtp.messages) == 2
    second = parts(smtp.messages[1])["text/plain"]
    # The unread replies the visitor has not seen: both, since neither was read.
    assert "Second answer" in second


def test_a_reply_the_visitor_read_is_not_emailed(smtp, alice, visitor, conversation):
    message = reply(alice, conversation, "Read it in the chat")
    conversation_mark_read(
        actor=Actor.for_visitor(visitor), conversation_id=conversation.pk, seq=message.seq
    )
    assert outbox_run_once(now=later(10)) == (0, 0)
    assert smtp.messages == []


def test_read_after_queueing_cancels_the_email(smtp, alice, visitor, conversation):
    message = reply(alice, conversation, "Quick one")
    from followup.services import followups_schedule

    assert followups_schedule(now=later(6)) == 1
    conversation_mark_read(
        actor=Actor.for_visitor(visitor), conversation_id=conversation.pk, seq=message.seq
    )
    assert outbox_process(now=later(6)) == 1
    assert smtp.messages == []
    assert OutboundEmail.objects.get().status == "cancelled"


def test_no_email_without_an_address(smtp, alice, visitor, conversation):
    Visitor.objects.filter(pk=visitor.pk).update(email=None)
    reply(alice, conversation, "Anyone?")
    assert outbox_run_once(now=later(10)) == (0, 0)


def test_the_email_is_in_the_visitors_language(smtp, alice, visitor, conversation):
    Visitor.objects.filter(pk=visitor.pk).update(language="id", time_zone="Asia/Jakarta")
    reply(alice, conversation, "Pesanan Anda sudah dikirim.")
    outbox_run_once(now=later(6))
    (message,) = smtp.messages
    assert message["Subject"] == "Balasan baru dari Pro Livechat"
    assert message["Content-Language"] == "id"
    text = parts(message)["text/plain"]
    assert "Halo Budi," in text and "Lanjutkan percakapan" in text


def test_the_unsubscribe_link_works(smtp, client, alice, visitor, conversation):
    reply(alice, conversation, "Hello")
    outbox_run_once(now=later(6))
    url = link(parts(smtp.messages[0])["text/plain"], "/email/unsubscribe/")
    path = url.removeprefix("http://chat.example")
    page = client.get(path)
    assert page.status_code == 200 and b"unsubscribe-confirm" in page.content
    assert Visitor.objects.get(pk=visitor.pk).email_unsubscribed_at is None  # a GET changes nothing
    done = client.post(path)
    assert done.status_code == 200 and b"unsubscribed" in done.content
    assert Visitor.objects.get(pk=visitor.pk).email_unsubscribed_at is not None
    reply(alice, conversation, "Another one")
    assert outbox_run_once(now=later(90)) == (0, 0)
    assert len(smtp.messages) == 1
    # A mail client's one-click POST (RFC 8058) and a tampered link.
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert client.get(path[:-3] + "xx/").status_code == 404


def test_an_expired_or_tampered_resume_link_is_refused(settings, anonymous, client, visitor):
    from followup.links import resume_url

    url = resume_url(visitor).split("/email/resume/", 1)[1]
    token = url.rstrip("/")
    assert (
        anonymous.post("/api/v1/widget/resume/", {"token": token + "x"}, format="json").status_code
        == 400
    )
    settings.EMAIL_LINK_MAX_AGE = -1
    r = anonymous.post("/api/v1/widget/resume/", {"token": token}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "validation_error"
    assert client.get(f"/email/resume/{token}/").status_code == 410


def close(alice, conversation):
    conversation_update(
        actor=Actor.for_agent(alice), conversation_id=conversation.pk, status="closed"
    )


def test_the_transcript_is_emailed_after_close(smtp, as_visitor, alice, visitor, conversation):
    reply(alice, conversation, "Glad I could help!")
    early = as_visitor.post("/api/v1/widget/transcript/", {}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "conflict"
    close(alice, conversation)
    bad = as_visitor.post("/api/v1/widget/transcript/", {"email": "nope"}, format="json")
    assert bad.status_code == 400 and "email" in bad.json()["errors"]
    assert not OutboundEmail.objects.exists()
    r = as_visitor.post("/api/v1/widget/transcript/", {"email": "budi@work.example"}, format="json")
    assert r.status_code == 202 and r.json() == {"status": "queued", "email": "budi@work.example"}
    # Asking again right away does not queue a second one.
    again = as_visitor.post("/api/v1/widget/transcript/", {}, format="json")
    assert again.status_code == 202 and OutboundEmail.objects.count() == 1
    assert outbox_process() == 1
    (message,) = smtp.messages
    assert message["To"] == "budi@work.example"
    assert message["Subject"] == "Your conversation with Pro Livechat"
    body = parts(message)
    assert "Hello, is anyone there?" in body["text/plain"]
    assert "Glad I could help!" in body["text/plain"] and "Glad I could help!" in body["text/html"]
    assert "/email/resume/" in body["text/html"] and "/email/unsubscribe/" in body["text/html"]
    assert Visitor.objects.get(pk=visitor.pk).email == "budi@work.example"


def test_an_smtp_server_that_is_down_is_retried_later_and_nothing_waits(
    smtp_down, as_visitor, alice, conversation
):
    close(alice, conversation)
    started = time.monotonic()
    r = as_visitor.post("/api/v1/widget/transcript/", {}, format="json")
    assert r.status_code == 202
    assert time.monotonic() - started < 1.0  # the request only wrote the outbox row
    assert outbox_process() == 1
    row = OutboundEmail.objects.get()
    assert row.status == "pending" and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert outbox_process() == 0  # not due yet: nothing tried again at once


def test_the_retry_goes_out_once_the_server_is_back(
    smtp, settings, as_visitor, alice, conversation
):
    from tests.support.livestack import free_port

    smtp_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    close(alice, conversation)
    as_visitor.post("/api/v1/widget/transcript/", {}, format="json")
    outbox_process()
    assert smtp.messages == []
    settings.EMAIL_PORT = smtp_port
    assert outbox_process(now=later(2)) == 1
    assert len(smtp.messages) == 1
    row = OutboundEmail.objects.get()
    assert row.status == "sent" and row.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_send_an_email_twice(smtp, alice):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) need PostgreSQL")
    from conversations.services import visitor_create

    for i in range(12):
        v, _ = visitor_create(name=f"V{i}", email=f"v{i}@example.com")
        c = message_send(actor=Actor.for_visitor(v), body="hi")[0].conversation
        close(alice, c)
        OutboundEmail.objects.create(
            kind="transcript", conversation=c, to=v.email, next_attempt_at=timezone.now()
        )
    errors = []

    def worker():
        try:
            outbox_process()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            from django.db import connections

            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(m["To"] for m in smtp.messages) == sorted(f"v{i}@example.com" for i in range(12))
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
