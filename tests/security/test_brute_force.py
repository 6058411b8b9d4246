"""Password guessing (issue 9, finding 3; PROTOCOL section 5).

Throttles key on the address our own proxies report, so a rotating `X-Forwarded-For`
buys nothing; five failures for one username, from any address, lock it out of every way
in (the login page, the admin, the token endpoint) for 15 minutes, right password or not;
an address spraying many usernames is locked out too; and the answers never tell a right
password from a wrong one.
"""

import asyncio
import re

import pytest
from channels.db import database_sync_to_async
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from conversations.models import Visitor
from livechat.client_address import client_address
from realtime.client import http
from tests.support.factories import PASSWORD, AgentFactory, SupervisorFactory
from tests.support.live_fixtures import make_livestack  # noqa: F401

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-in attempts"
# One client each, without cookies: every request is a stranger's (and a new test client
# per request would rebuild the middleware, whitenoise's file scan included).
API = APIClient()
WEB = Client()


def token_attempt(password: str, *, username: str = "alice", address: str = "203.0.113.7"):
    return API.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        HTTP_X_FORWARDED_FOR=address,
    )


def login_attempt(path: str, password: str, *, username: str = "alice", address="203.0.113.7"):
    WEB.cookies.clear()
    return WEB.post(
        path, {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=address
    )


def alert_of(response) -> str:
    match = re.search(r'role="alert"[^>]*>(.*?)</', response.content.decode(), re.S)
    if match is None:  # the admin's own error block
        match = re.search(r'class="errornote"[^>]*>(.*?)</p>', response.content.decode(), re.S)
    return " ".join(match.group(1).split()) if match else ""


def fail(where: str, *, username: str = "alice", address: str = "203.0.113.7"):
    if where == "token":
        assert token_attempt("wrong", username=username, address=address).status_code == 400
    else:
        r = login_attempt(where, "wrong", username=username, address=address)
        assert r.status_code == 200 and alert_of(r), where


@pytest.fixture
def behind_a_proxy(settings):
    """The suite's client is the proxy (127.0.0.1); X-Forwarded-For names the visitor."""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]


@pytest.fixture
def sam(db):
    return SupervisorFactory(username="sam")


# --- the client address ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "trusted, remote, forwarded, expected",
    [
        ([], "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # nobody trusted: header ignored
        (["10.0.0.0/8"], "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # not from our proxy
        (["10.0.0.0/8"], "10.0.0.2", "203.0.113.9", "203.0.113.9"),
        # The client wrote the left part itself; our proxies appended the right part.
        (["10.0.0.0/8"], "10.0.0.2", "1.1.1.1, 203.0.113.9, 10.0.0.3", "203.0.113.9"),
        (["10.0.0.0/8"], "10.0.0.2", "nonsense, 10.0.0.3", "10.0.0.3"),
        (["10.0.0.0/8"], "10.0.0.2", "", "10.0.0.2"),
        (["10.0.0.2", "2001:db8::/32"], "2001:db8::1", "2001:db8::2, 203.0.113.9", "203.0.113.9"),
    ],
)
def test_the_client_address_believes_x_forwarded_for_only_from_trusted_proxies(
    settings, trusted, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}
    assert client_address(meta) == expected


def test_rotating_x_forwarded_for_does_not_escape_the_token_throttle():
    """The review made 70 guesses at 60/min by changing the header on every request."""
    codes = [
        API.post(
            "/api/v1/auth/token/", {}, format="json", HTTP_X_FORWARDED_FOR=f"10.9.{i}.1"
        ).status_code
        for i in range(61)
    ]
    assert codes[:60] == [400] * 60
    assert codes[60] == 429


def test_rotating_x_forwarded_for_does_not_escape_the_widget_session_throttle():
    """300 sessions from one address in 4 s made 300 visitor rows."""
    codes = [
        API.post(
            "/api/v1/widget/session/", {}, format="json", HTTP_X_FORWARDED_FOR=f"10.8.{i}.1"
        ).status_code
        for i in range(300)
    ]
    assert codes.count(201) == 30 and set(codes[30:]) == {429}
    assert Visitor.objects.count() == 30


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(behind_a_proxy):
    def session(address):
        return API.post("/api/v1/widget/session/", {}, format="json", HTTP_X_FORWARDED_FOR=address)

    assert [session("203.0.113.1").status_code for _ in range(31)][-2:] == [201, 429]
    assert session("203.0.113.2").status_code == 201


def test_trusted_proxies_must_be_addresses():
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "TRUSTED_PROXIES": "lb1"}
    r = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode != 0 and "TRUSTED_PROXIES" in r.stderr


# --- lockout per username ----------------------------------------------------------------------


@pytest.mark.parametrize("where", ["/accounts/login/", "/admin/login/", "token"])
def test_five_failures_lock_the_username_out_of_every_way_in(behind_a_proxy, alice, sam, where):
    # Five failures, each from another address: the lock is on the username.
    for i in range(4):
        fail(where, address=f"203.0.113.{10 + i}")
    assert token_attempt(PASSWORD, address="203.0.113.99").status_code == 200  # not yet
    # The success started the count afresh: five more failures are needed.
    for i in range(5):
        fail(where, address=f"203.0.113.{20 + i}")

    # The right password, from an address that never failed, on every way in.
    r = token_attempt(PASSWORD, address="198.51.100.50")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert 840 <= int(r["Retry-After"]) <= 900
    login = login_attempt("/accounts/login/", PASSWORD, address="198.51.100.50")
    assert login.status_code == 200  # not the redirect of a successful sign-in
    assert alert_of(login).startswith(LOCKED) and "15 minutes" in alert_of(login)
    admin = login_attempt("/admin/login/", PASSWORD, address="198.51.100.50")
    assert admin.status_code == 200 and LOCKED in admin.content.decode()
    # Someone else is not affected.
    assert login_attempt("/accounts/login/", PASSWORD, username="sam").status_code == 302


def test_a_locked_username_answers_the_same_whatever_the_password(alice):
    for _ in range(5):
        fail("token")
    right, wrong = token_attempt(PASSWORD), token_attempt("wrong")
    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())
    assert right.status_code == 429
    right = login_attempt("/accounts/login/", PASSWORD)
    wrong = login_attempt("/accounts/login/", "wrong")
    assert alert_of(right) == alert_of(wrong) and alert_of(right).startswith(LOCKED)


def test_the_lockout_message_is_translated(alice):
    for _ in range(5):
        fail("/accounts/login/")
    WEB.cookies.clear()
    r = WEB.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="id",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert "15 menit" in alert_of(r), alert_of(r)


def test_the_token_endpoint_gives_one_error_for_a_wrong_password_and_a_non_agent(alice, stranger):
    """The review: a non-agent learnt that the password was right."""
    wrong = token_attempt("wrong", username="alice")
    not_agent = token_attempt(PASSWORD, username="eve")
    unknown = token_attempt(PASSWORD, username="nobody")
    assert wrong.status_code == not_agent.status_code == unknown.status_code == 400
    assert wrong.json() == not_agent.json() == unknown.json()
    # And it counts like a wrong one: after five, eve is locked out too.
    for _ in range(4):
        token_attempt(PASSWORD, username="eve", address="198.51.100.1")
    assert token_attempt(PASSWORD, username="eve").status_code == 429


def test_an_inactive_agent_with_the_right_password_looks_like_a_wrong_password(alice):
    alice.is_active = False
    alice.save()
    assert token_attempt(PASSWORD).json() == token_attempt("wrong").json()


# --- lockout per address -----------------------------------------------------------------------


def test_an_address_spraying_usernames_is_locked_out(behind_a_proxy, alice, settings):
    """One password tried on many accounts: the address, not the usernames, is caught."""
    sprayer = "203.0.113.66"
    for i in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        fail("/accounts/login/", username=f"user{i}", address=sprayer)
    r = token_attempt(PASSWORD, address=sprayer)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert alert_of(login_attempt("/accounts/login/", PASSWORD, address=sprayer)).startswith(LOCKED)
    # alice herself, elsewhere, is not locked.
    assert login_attempt("/accounts/login/", PASSWORD, address="198.51.100.9").status_code == 302


# --- every process shares the count ------------------------------------------------------------


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
async def test_failures_on_different_processes_add_up(make_livestack, settings):  # noqa: F811
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    await database_sync_to_async(AgentFactory)(username="alice")
    stack = await asyncio.to_thread(make_livestack, 2)
    urls = [server.url for server in stack.servers]

    def attempt(url: str, password: str):
        return http(
            "POST",
            f"{url}/api/v1/auth/token/",
            body={"username": "alice", "password": password},
        )

    for i in range(5):
        status, _body, _ = await asyncio.to_thread(attempt, urls[i % 2], "wrong")
        assert status == 400
    for url in urls:
        status, body, _ = await asyncio.to_thread(attempt, url, PASSWORD)
        assert (status, body["code"]) == (429, "rate_limited"), url


# --- passwords -------------------------------------------------------------------------------


def test_common_and_numeric_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("password", "12345678", "iloveyou", "98765432123"):
        with pytest.raises(ValidationError):
            validate_password(weak)


@pytest.mark.parametrize(
    "password, reason",
    [("12345678901", "entirely numeric"), ("password123", "too common"), ("short", "too short")],
)
def test_create_agent_refuses_weak_passwords_with_a_clear_error(password, reason):
    with pytest.raises(CommandError) as refused:
        call_command("create_agent", "carol", "--password", password)
    assert reason in str(refused.value)
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="carol").exists()


def test_an_operator_lifts_a_lockout_with_signin_unlock(alice, settings):
    for _ in range(5):
        fail("token")
    assert token_attempt(PASSWORD).status_code == 429
    with pytest.raises(CommandError):
        call_command("signin_unlock")
    if "locmem" in settings.CACHES["default"]["BACKEND"]:
        # The embedded run: the server's memory is out of a command's reach, and it says so.
        with pytest.raises(CommandError, match="restart"):
            call_command("signin_unlock", "alice")
        return
    call_command("signin_unlock", "alice")
    assert token_attempt(PASSWORD).status_code == 200


def test_a_plain_drf_throttle_ignores_x_forwarded_for_too(rf):
    """Defence in depth: a throttle added later without our client address is safe."""
    from rest_framework.throttling import AnonRateThrottle

    class Plain(AnonRateThrottle):
        rate = "10/min"

    request = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert Plain().get_ident(request) == "198.51.100.1"
