"""Erasure in the admin: through the audited action only, never the generic delete."""

import pytest
from django.contrib.auth import get_user_model

from conversations.actors import Actor
from conversations.models import Conversation, ErasureRecord, Visitor
from messaging.models import Message, MessageEdit
from messaging.services import message_edit, message_send
from realtime.broadcast import Close

pytestmark = pytest.mark.django_db(transaction=True)

VISITORS = "/admin/conversations/visitor/"
CONVERSATIONS = "/admin/conversations/conversation/"


@pytest.fixture
def admin_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def history(visitor, alice, conversation):
    m, _ = message_send(actor=Actor.for_agent(alice), conversation_id=conversation.pk, body="Hai")
    message_edit(actor=Actor.for_agent(alice), message_id=m.pk, body="Hai Budi")
    return conversation


def test_the_generic_delete_is_gone(admin_client, visitor, history):
    assert admin_client.get(f"{VISITORS}{visitor.pk}/delete/").status_code == 403
    assert admin_client.get(f"{CONVERSATIONS}{history.pk}/delete/").status_code == 403
    for url in (VISITORS, CONVERSATIONS):
        html = admin_client.get(url).content.decode()
        assert "delete_selected" not in html and "Erase" in html
    change = admin_client.get(f"{VISITORS}{visitor.pk}/change/").content.decode()
    assert "deletelink" not in change


def test_erase_from_the_visitors_list(admin_client, supervisor, visitor, history, sent_frames):
    ask = admin_client.post(VISITORS, {"action": "erase", "_selected_action": [visitor.pk]})
    assert ask.status_code == 200
    page = ask.content.decode()
    assert "Budi" in page and "messaging.Message: 2" in page and "messaging.MessageEdit: 1" in page
    assert Visitor.objects.filter(pk=visitor.pk).exists()  # nothing yet
    done = admin_client.post(
        VISITORS, {"action": "erase", "_selected_action": [visitor.pk], "post": "yes"}, follow=True
    )
    assert "Erased 1 visitor" in done.content.decode()
    assert not Visitor.objects.filter(pk=visitor.pk).exists()
    assert not Conversation.objects.filter(pk=history.pk).exists()
    assert not Message.objects.filter(conversation_id=history.pk).exists()
    assert not MessageEdit.objects.exists()
    record = ErasureRecord.objects.get()
    assert (record.via, record.performed_by, record.operator) == ("admin", supervisor, "sam")
    assert ([f"visitor.{visitor.pk}"], Close(4401)) in sent_frames
    assert (
        admin_client.get(f"/admin/conversations/erasurerecord/{record.pk}/change/").status_code
        == 200
    )


def test_erase_from_the_conversations_list(admin_client, visitor, history, other_conversation):
    admin_client.post(
        CONVERSATIONS,
        {"action": "erase_visitors", "_selected_action": [history.pk], "post": "yes"},
    )
    assert list(Conversation.objects.values_list("pk", flat=True)) == [other_conversation.pk]
    assert not Visitor.objects.filter(pk=visitor.pk).exists()


def test_a_superuser_can_erase_despite_the_read_only_message_admins(client, visitor, history):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456789")
    client.force_login(root)
    client.post(VISITORS, {"action": "erase", "_selected_action": [visitor.pk], "post": "yes"})
    assert not Visitor.objects.filter(pk=visitor.pk).exists()


def test_without_the_erase_permission_there_is_no_action(client, visitor, history):
    from django.contrib.auth.models import Group, Permission

    helper = get_user_model().objects.create_user("helper", password="pw-123456789", is_staff=True)
    helper.groups.add(Group.objects.get(name="agents"))
    helper.user_permissions.add(
        Permission.objects.get(codename="view_visitor"),
        Permission.objects.get(codename="change_visitor"),
    )
    client.force_login(helper)
    assert "Erase" not in client.get(VISITORS).content.decode()
    client.post(VISITORS, {"action": "erase", "_selected_action": [visitor.pk], "post": "yes"})
    assert Visitor.objects.filter(pk=visitor.pk).exists()
