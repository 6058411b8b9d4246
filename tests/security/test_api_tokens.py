"""REST API tokens (issue 9, finding 6): stored hashed, expiring after API_TOKEN_TTL, gone
when the agent's password changes or the account is deactivated, revocable by supervisors
in the admin; `Authorization: Token <key>` and `POST /api/v1/auth/token/` unchanged."""

import hashlib
from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.django_db


def obtain(username: str = "alice", password: str = PASSWORD) -> str:
    r = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert r.status_code == 200, r.content
    assert set(r.json()) == {"token"}
    return r.json()["token"]


def status_with(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/conversations/").status_code


@pytest.mark.parametrize("username", ["ali\x00ce", "\x00"])
def test_a_username_with_a_nul_is_refused_like_any_wrong_one(alice, username):
    # PostgreSQL text cannot hold NUL: found by schemathesis as a 500.
    r = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert r.status_code == 400, r.content
    assert r.json()["detail"] == "Unable to log in with provided credentials."


def test_a_token_is_stored_only_as_its_hash(alice):
    token = obtain()
    assert status_with(token) == 200
    stored = ApiToken.objects.get(user=alice)
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiToken.objects.filter(pk=stored.pk).values().first())
    assert len(token) >= 40  # 256 random bits, URL-safe


def test_a_wrong_or_malformed_token_is_401(alice):
    token = obtain()
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x", "x" * 500, f"{token} x"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {bad}")
        r = client.get("/api/v1/conversations/")
        assert r.status_code == 401 and r.json()["code"] == "not_authenticated", bad
        assert r["WWW-Authenticate"] == "Token"


def test_a_token_expires_after_api_token_ttl(alice, settings):
    settings.API_TOKEN_TTL = 3600
    token = obtain()
    stored = ApiToken.objects.get(user=alice)
    assert stored.expires_at - stored.created_at == pytest.approx(
        timedelta(hours=1), abs=timedelta(seconds=5)
    )
    ApiToken.objects.filter(pk=stored.pk).update(expires_at=timezone.now())
    assert status_with(token) == 401


def test_each_client_gets_its_own_token_and_the_oldest_go(alice):
    first, second = obtain(), obtain()
    assert first != second and status_with(first) == status_with(second) == 200
    for _ in range(10):
        obtain()
    assert ApiToken.objects.filter(user=alice).count() == 10
    assert status_with(first) == 401


def test_a_password_change_revokes_every_token(alice):
    tokens = [obtain(), obtain()]
    alice.set_password("a-new-long-passphrase")
    alice.save()
    assert [status_with(t) for t in tokens] == [401, 401]
    assert status_with(obtain(password="a-new-long-passphrase")) == 200


def test_a_password_changed_in_the_admin_revokes_tokens(client, supervisor):
    token = obtain("sam")
    client.force_login(supervisor)
    new = "another-long-passphrase"
    r = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert r.status_code == 302, r.content[:500]
    assert status_with(token) == 401


def test_deactivation_revokes_every_token_for_good(alice):
    token = obtain()
    alice.is_active = False
    alice.save()
    assert status_with(token) == 401
    alice.is_active = True
    alice.save()
    assert status_with(token) == 401  # reactivating does not bring old tokens back


def test_supervisors_see_and_revoke_tokens_in_the_admin(client, alice, supervisor):
    token = obtain()
    stored = ApiToken.objects.get(user=alice)
    client.force_login(supervisor)
    page = client.get("/admin/accounts/apitoken/")
    assert page.status_code == 200
    html = page.content.decode()
    assert stored.prefix in html and token not in html and stored.key_hash not in html
    assert "Revoke the selected API tokens" in html
    r = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [str(stored.pk)]}
    )
    assert r.status_code == 302
    assert status_with(token) == 401


def test_agents_cannot_see_tokens_in_the_admin(client, alice, bob):
    obtain("bob")
    client.force_login(alice)
    assert client.get("/admin/accounts/apitoken/").status_code == 302  # to the admin login


def test_tokens_of_drf_authtoken_are_adopted_hashed_and_the_plain_keys_deleted(alice):
    """An upgrade from DRF's authtoken: old clients keep working, no plain key is left."""
    migration = import_module("accounts.migrations.0001_api_tokens")
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token "
            "(key varchar(40) PRIMARY KEY, created timestamp, user_id integer)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, timezone.now(), alice.pk]
        )
    try:
        migration.adopt_drf_tokens(django_apps, SimpleNamespace(connection=connection))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")
    assert status_with(key) == 200
    assert ApiToken.objects.get(user=alice).key_hash == hashlib.sha256(key.encode()).hexdigest()
