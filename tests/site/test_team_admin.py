"""Supervisors manage the team in the admin; agents never reach it."""

import re

import pytest
from django.contrib.auth import get_user_model

from conversations import services as conversation_services
from conversations.actors import Actor, user_is_agent, user_is_supervisor
from messaging.services import message_send

pytestmark = pytest.mark.django_db(transaction=True)

AGENTS = "/admin/conversations/agent/"
NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def admin_client(client, supervisor):
    client.force_login(supervisor)
    return client


def link_in(response) -> str:
    text = " ".join(str(m) for m in response.context["messages"])
    return re.search(r"http://testserver(/accounts/password/\S+/)", text).group(1)


def test_a_supervisor_never_gets_a_403_on_the_team_pages(admin_client, alice):
    for url in [
        "/admin/",
        AGENTS,
        f"{AGENTS}?role=supervisor",
        f"{AGENTS}?is_active__exact=0",
        f"{AGENTS}add/",
        f"{AGENTS}{alice.pk}/change/",
        f"{AGENTS}{alice.pk}/password/",
        "/admin/conversations/erasurerecord/",
    ]:
        assert admin_client.get(url).status_code == 200, url
    assert "Alice" in admin_client.get(AGENTS).content.decode()


def test_agents_never_reach_them(client, alice, bob):
    client.force_login(alice)
    for url in [
        AGENTS,
        f"{AGENTS}add/",
        f"{AGENTS}{bob.pk}/change/",
        f"{AGENTS}{bob.pk}/password/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_create_an_agent_with_a_password(admin_client, client):
    r = admin_client.post(
        f"{AGENTS}add/",
        {
            "username": "dewi",
            "first_name": "Dewi",
            "last_name": "Lestari",
            "email": "dewi@example.com",
            "sign_in": "password",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    dewi = get_user_model().objects.get(username="dewi")
    assert dewi.check_password(NEW_PASSWORD) and user_is_agent(dewi)
    assert not dewi.is_staff and not user_is_supervisor(dewi)


def test_a_bad_password_is_refused_with_a_message(admin_client):
    r = admin_client.post(
        f"{AGENTS}add/",
        {"username": "x", "sign_in": "password", "password1": "short", "password2": "short"},
    )
    assert r.status_code == 200 and "too short" in r.content.decode()
    assert not get_user_model().objects.filter(username="x").exists()


def test_an_invitation_link_lets_the_agent_choose_a_password(admin_client, client):
    r = admin_client.post(
        f"{AGENTS}add/",
        {"username": "rina", "first_name": "Rina", "sign_in": "invite", "supervisor": "on"},
        follow=True,
    )
    assert r.status_code == 200
    rina = get_user_model().objects.get(username="rina")
    assert not rina.has_usable_password() and user_is_supervisor(rina)
    link = link_in(r)
    page = client.get(link, follow=True)
    assert page.status_code == 200 and "Choose a password for rina" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200  # signed in
    rina.refresh_from_db()
    assert rina.check_password(NEW_PASSWORD)
    # Used once, the link is dead.
    client.logout()
    assert "no longer works" in client.get(link, follow=True).content.decode()


def test_links_expire_and_die_with_the_account(admin_client, client, alice, settings):
    r = admin_client.post(
        AGENTS, {"action": "password_links", "_selected_action": [alice.pk]}, follow=True
    )
    link = link_in(r)
    settings.PASSWORD_RESET_TIMEOUT = -1
    assert "no longer works" in client.get(link, follow=True).content.decode()
    settings.PASSWORD_RESET_TIMEOUT = 3600
    assert "Choose a password" in client.get(link, follow=True).content.decode()
    admin_client.post(AGENTS, {"action": "deactivate", "_selected_action": [alice.pk]})
    assert "no longer works" in client.get(link, follow=True).content.decode()


def test_deactivating_returns_open_conversations_to_the_queue(
    admin_client, supervisor, alice, conversation, sent_frames
):
    conversation_services.conversation_update(
        actor=Actor.for_agent(supervisor), conversation_id=conversation.pk, assignee_id=alice.pk
    )
    sent_frames.clear()
    admin_client.post(AGENTS, {"action": "deactivate", "_selected_action": [alice.pk]})
    alice.refresh_from_db()
    conversation.refresh_from_db()
    assert not alice.is_active and conversation.assignee is None
    assert [f["type"] for _, f in sent_frames] == ["conversation:updated"]
    admin_client.post(AGENTS, {"action": "reactivate", "_selected_action": [alice.pk]})
    alice.refresh_from_db()
    assert alice.is_active


def test_the_change_form_deactivates_and_promotes_through_the_services(admin_client, bob):
    r = admin_client.post(
        f"{AGENTS}{bob.pk}/change/",
        {
            "username": "bob",
            "first_name": "Bobby",
            "last_name": "Baker",
            "email": "",
            "supervisor": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    bob.refresh_from_db()
    assert bob.first_name == "Bobby" and not bob.is_active  # is_active unticked
    assert user_is_supervisor(get_user_model().objects.get(pk=bob.pk)) is False  # inactive
    bob.is_active = True
    bob.save()
    assert user_is_supervisor(get_user_model().objects.get(pk=bob.pk))


def test_make_and_unmake_supervisor(admin_client, alice):
    admin_client.post(AGENTS, {"action": "make_supervisor", "_selected_action": [alice.pk]})
    assert user_is_supervisor(get_user_model().objects.get(pk=alice.pk))
    admin_client.post(AGENTS, {"action": "remove_supervisor", "_selected_action": [alice.pk]})
    alice = get_user_model().objects.get(pk=alice.pk)
    assert not user_is_supervisor(alice) and user_is_agent(alice) and not alice.is_staff


def test_a_supervisor_cannot_lock_themselves_out(admin_client, supervisor):
    for action in ("deactivate", "remove_supervisor"):
        r = admin_client.post(
            AGENTS, {"action": action, "_selected_action": [supervisor.pk]}, follow=True
        )
        assert "You cannot" in r.content.decode()
    assert user_is_supervisor(get_user_model().objects.get(pk=supervisor.pk))


def test_superusers_are_out_of_a_supervisors_reach(admin_client, client):
    root = get_user_model().objects.create_superuser("root", "root@example.com", NEW_PASSWORD)
    assert "root" not in admin_client.get(AGENTS).content.decode()
    for url in (f"{AGENTS}{root.pk}/change/", f"{AGENTS}{root.pk}/password/"):
        assert admin_client.get(url).status_code in (302, 404)
    r = admin_client.post(f"{AGENTS}{root.pk}/password/", {"password1": "x", "password2": "x"})
    assert r.status_code in (302, 404)
    root.refresh_from_db()
    assert root.check_password(NEW_PASSWORD)
    # A superuser sees and manages everyone.
    client.force_login(root)
    assert "root" in client.get(AGENTS).content.decode()


def test_a_supervisor_sets_a_password_directly(admin_client, bob):
    r = admin_client.post(
        f"{AGENTS}{bob.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    bob.refresh_from_db()
    assert bob.check_password(NEW_PASSWORD)


def test_agents_cannot_be_deleted_only_deactivated(admin_client, alice, conversation):
    message_send(actor=Actor.for_agent(alice), conversation_id=conversation.pk, body="hi")
    assert admin_client.get(f"{AGENTS}{alice.pk}/delete/").status_code == 403
    assert "delete_selected" not in admin_client.get(AGENTS).content.decode()
