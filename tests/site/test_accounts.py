"""Login page, logout, API tokens and the create_agent command."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from conversations.actors import user_is_agent, user_is_supervisor
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_styled_and_has_a_csrf_form(client):
    r = client.get("/accounts/login/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "csrfmiddlewaretoken" in html and 'name="username"' in html and 'name="password"' in html
    assert re.search(r'href="/static/livechat/base(\.[0-9a-f]{12})?\.css"', html)
    assert "script-src 'self'" in r["Content-Security-Policy"]


def test_agent_logs_in_and_lands_on_the_dashboard(alice):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.get("/accounts/login/")
    token = c.cookies["csrftoken"].value
    r = c.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert r.status_code == 302 and r["Location"] == "/dashboard/"
    assert c.get("/dashboard/").status_code == 200
    assert c.get("/api/v1/conversations/").status_code == 200


def test_wrong_password_shows_an_error(client, alice):
    r = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert r.status_code == 200
    assert 'role="alert"' in r.content.decode()


def test_dashboard_sends_strangers_to_login(client, stranger):
    assert client.get("/dashboard/")["Location"].startswith("/accounts/login/")
    client.force_login(stranger)
    assert client.get("/dashboard/")["Location"].startswith("/accounts/login/")


def test_logout(client, alice):
    client.force_login(alice)
    r = client.post("/accounts/logout/")
    assert r.status_code == 302
    assert client.get("/api/v1/conversations/").status_code in (401, 403)


def test_session_writes_need_csrf(alice, conversation):
    from rest_framework.test import APIClient

    c = APIClient(enforce_csrf_checks=True)
    c.force_login(alice)
    r = c.post(f"/api/v1/conversations/{conversation.pk}/messages/", {"body": "hi"}, format="json")
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]


def test_api_token_for_agents_only(anonymous, alice, stranger):
    r = anonymous.post(
        "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert r.status_code == 200
    token = r.json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/v1/conversations/").status_code == 200
    r = anonymous.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "bad"}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "validation_error"
    r = anonymous.post(
        "/api/v1/auth/token/", {"username": "eve", "password": PASSWORD}, format="json"
    )
    assert r.status_code == 400


def test_create_agent_is_non_interactive_and_idempotent(client):
    call_command("create_agent", "carol", "--password", "s3cret-pass", "--name", "Carol Chen")
    call_command("create_agent", "carol", "--password", "n3w-pass-456")
    User = get_user_model()
    carol = User.objects.get(username="carol")
    assert User.objects.filter(username="carol").count() == 1
    assert carol.check_password("n3w-pass-456")
    assert carol.get_full_name() == "Carol Chen"
    assert user_is_agent(carol) and not user_is_supervisor(carol)
    assert client.login(username="carol", password="n3w-pass-456")


def test_create_agent_supervisor_can_use_the_admin(client):
    call_command("create_agent", "sue", "--password", "s3cret-pass", "--supervisor")
    sue = get_user_model().objects.get(username="sue")
    assert user_is_supervisor(sue)
    client.force_login(sue)
    assert client.get("/admin/conversations/conversation/").status_code == 200


def test_create_agent_without_password_and_no_tty_fails_cleanly(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError):
        call_command("create_agent", "dave")
