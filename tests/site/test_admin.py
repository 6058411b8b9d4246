"""The supervisors' admin: transcript with history, actions through the services."""

import pytest

from conversations.actors import Actor
from conversations.models import Conversation
from messaging.services import message_delete, message_edit, message_send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(client, supervisor):
    client.force_login(supervisor)
    return client


def test_transcript_shows_deleted_text_and_edits_only_in_admin(admin_client, alice, conversation):
    agent = Actor.for_agent(alice)
    m, _ = message_send(actor=agent, conversation_id=conversation.pk, body="first draft")
    message_edit(actor=agent, message_id=m.pk, body="second draft")
    message_delete(actor=agent, message_id=m.pk)
    r = admin_client.get(f"/admin/conversations/conversation/{conversation.pk}/change/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "first draft" in html and "second draft" in html
    assert "deleted" in html
    r = admin_client.get(f"/admin/messaging/message/{m.pk}/change/")
    assert r.status_code == 200 and "first draft" in r.content.decode()


def test_filters_and_search(admin_client, conversation, other_conversation):
    r = admin_client.get("/admin/conversations/conversation/?status__exact=open&q=Sari")
    assert r.status_code == 200
    assert "Sari" in r.content.decode() and "Budi" not in r.content.decode()
    r = admin_client.get("/admin/conversations/conversation/?q=anyone+there")
    assert "Budi" in r.content.decode()


def test_close_and_reopen_actions_broadcast_like_agents(admin_client, conversation, sent_frames):
    url = "/admin/conversations/conversation/"
    r = admin_client.post(
        url, {"action": "close_conversations", "_selected_action": [conversation.pk]}
    )
    assert r.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "closed"
    assert (
        sent_frames[-1][1]["type"] == "conversation:updated"
        and sent_frames[-1][1]["conversation"]["status"] == "closed"
    )
    admin_client.post(
        url, {"action": "reopen_conversations", "_selected_action": [conversation.pk]}
    )
    conversation.refresh_from_db()
    assert conversation.status == "open"


def test_assign_to_me_action(admin_client, supervisor, conversation, sent_frames):
    admin_client.post(
        "/admin/conversations/conversation/",
        {"action": "assign_to_me", "_selected_action": [conversation.pk]},
    )
    assert Conversation.objects.get(pk=conversation.pk).assignee == supervisor
    assert sent_frames[-1][1]["conversation"]["assignee"]["id"] == str(supervisor.pk)


def test_change_form_goes_through_the_service(admin_client, conversation, sent_frames):
    r = admin_client.post(
        f"/admin/conversations/conversation/{conversation.pk}/change/",
        {
            "status": "pending",
            "assignee": "",
            # Unchanged: a checkbox is posted only when ticked.
            **({"ai_enabled": "on"} if conversation.ai_enabled else {}),
            # The read-only transcript inline still posts its management form.
            "messages-TOTAL_FORMS": "0",
            "messages-INITIAL_FORMS": "0",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    conversation.refresh_from_db()
    assert conversation.status == "pending"
    assert conversation.version == 2
    assert [f["type"] for _, f in sent_frames] == ["conversation:updated"]


def test_message_history_is_read_only(admin_client, alice, conversation):
    m, _ = message_send(actor=Actor.for_agent(alice), conversation_id=conversation.pk, body="x")
    r = admin_client.post(f"/admin/messaging/message/{m.pk}/change/", {"body": "tampered"})
    assert r.status_code == 403
    assert admin_client.get(f"/admin/messaging/message/{m.pk}/delete/").status_code == 403


def test_agents_who_are_not_staff_cannot_open_the_admin(client, alice):
    client.force_login(alice)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_xss_in_visitor_name_is_escaped_in_admin(admin_client):
    from tests.support.factories import VisitorFactory

    v = VisitorFactory(name="<script>alert(1)</script>")
    message_send(actor=Actor.for_visitor(v), body="<img src=x onerror=alert(1)>")
    html = admin_client.get("/admin/conversations/conversation/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_supervisors_manage_canned_responses_in_the_admin(admin_client):
    from canned.models import CannedResponse

    add = "/admin/canned/cannedresponse/add/"
    r = admin_client.post(add, {"shortcut": "hours", "title": "", "body": "  ", "scope": "team"})
    assert r.status_code == 200 and not CannedResponse.objects.exists()  # the form, with errors
    r = admin_client.post(
        add, {"shortcut": "hours", "title": "Opening hours", "body": "9 to 5", "scope": "team"}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert CannedResponse.objects.get().shortcut == "hours"
    r = admin_client.post(add, {"shortcut": "HOURS", "title": "", "body": "x", "scope": "team"})
    assert r.status_code == 200 and CannedResponse.objects.count() == 1
    assert admin_client.get("/admin/canned/cannedresponse/?q=9+to").status_code == 200


def test_the_admin_transcript_marks_private_notes(admin_client, alice, conversation):
    message_send(
        actor=Actor.for_agent(alice),
        conversation_id=conversation.pk,
        body="internal remark",
        internal=True,
    )
    r = admin_client.get(f"/admin/conversations/conversation/{conversation.pk}/change/")
    html = r.content.decode()
    assert "internal remark" in html and "private note" in html
