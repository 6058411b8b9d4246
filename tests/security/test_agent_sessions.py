"""An agent's sockets end with the agent's access (issue 9, finding 2; PROTOCOL section 5).

The role used to be checked at connect only: a socket outlived logout, deactivation, role
loss and a password change. Now every socket of the agent is closed with 4401 within 2
seconds of each, and a session that expired in the database (or a change made with a
queryset `.update()`, which sends no signal) is found within a heartbeat interval.
"""

import asyncio
import contextlib
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.revocation import agent_sessions_valid
from tests.support.asgi_sockets import Socket, agent_socket, close_all, communicator
from tests.support.auth import session_cookie
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
WITHIN = 2.0  # seconds: the contract's bound


async def closed_with(sock: Socket, timeout: float = WITHIN) -> int:
    """The close code the socket gets within `timeout` (frames on their way are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        output = await sock.comm.receive_output(max(0.01, deadline - time.monotonic()))
        if output["type"] == "websocket.close":
            with contextlib.suppress(TimeoutError):
                await sock.comm.wait(0.1)
            return output["code"]


async def open_agent(user) -> tuple[Socket, str]:
    """An agent socket and the `sessionid` value of its session."""
    cookie = await database_sync_to_async(session_cookie)(user)
    comm = communicator("/ws/agent/", cookie=cookie)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    sock = Socket(comm)
    sock.hello = await sock.next("hello")
    return sock, cookie.split("=", 1)[1]


@database_sync_to_async
def change(func):
    return func()


@pytest.fixture
def quick_heartbeat(settings):
    settings.LIVECHAT = {**django_settings.LIVECHAT, "HEARTBEAT_INTERVAL": 0.3}


async def test_logging_out_closes_the_agents_sockets_with_4401(alice, bob):
    sock, key = await open_agent(alice)
    other_tab, _ = await open_agent(alice)
    bobs = await agent_socket(bob)

    def log_out():
        client = Client()
        client.cookies[django_settings.SESSION_COOKIE_NAME] = key
        assert client.post("/accounts/logout/").status_code == 302

    await change(log_out)
    assert await closed_with(sock) == 4401
    # Every socket of the agent: the dashboard of a session that is still valid
    # reconnects by itself (static/dashboard/signout.js).
    assert await closed_with(other_tab) == 4401
    assert (await bobs.request("ping"))["type"] == "pong"  # nobody else's
    await close_all(bobs)


async def test_deactivating_the_agent_closes_its_sockets(alice):
    sock, _ = await open_agent(alice)

    def deactivate():
        alice.is_active = False
        alice.save()

    await change(deactivate)
    assert await closed_with(sock) == 4401


async def test_a_password_change_closes_the_agents_sockets(alice):
    sock, _ = await open_agent(alice)

    def new_password():
        alice.set_password("a-brand-new-passphrase")
        alice.save()

    await change(new_password)
    assert await closed_with(sock) == 4401


@pytest.mark.parametrize(
    "remove",
    [
        lambda user, agents: user.groups.remove(agents),
        lambda user, agents: user.groups.clear(),
        lambda user, agents: agents.user_set.remove(user),
        lambda user, agents: agents.user_set.clear(),
    ],
    ids=["groups.remove", "groups.clear", "user_set.remove", "user_set.clear"],
)
async def test_leaving_the_agents_group_closes_the_sockets(alice, remove):
    sock, _ = await open_agent(alice)
    await change(lambda: remove(alice, Group.objects.get(name="agents")))
    assert await closed_with(sock) == 4401


async def test_losing_the_staff_flag_closes_only_when_nothing_else_makes_an_agent(supervisor):
    staff_only = await change(lambda: UserFactory(username="stan", is_staff=True))
    staff_sock, _ = await open_agent(staff_only)
    sup_sock, _ = await open_agent(supervisor)  # also in the agents group

    def unstaff(user):
        user.is_staff = False
        user.save()

    await change(lambda: unstaff(supervisor))
    await change(lambda: unstaff(staff_only))
    assert await closed_with(staff_sock) == 4401
    assert (await sup_sock.request("ping"))["type"] == "pong"
    await close_all(sup_sock)


async def test_deleting_a_live_session_closes_its_sockets(alice):
    sock, key = await open_agent(alice)
    await change(lambda: Session.objects.filter(session_key=key).delete())
    assert await closed_with(sock) == 4401


async def test_deleting_the_user_closes_its_sockets(alice):
    sock, _ = await open_agent(alice)
    await change(alice.delete)
    assert await closed_with(sock) == 4401


# --- what no signal sees: the heartbeat --------------------------------------------------------


async def test_an_expired_session_closes_at_the_next_heartbeat(quick_heartbeat, alice):
    sock, key = await open_agent(alice)
    await change(
        lambda: Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
    )
    assert await closed_with(sock) == 4401


async def test_a_change_made_by_a_queryset_update_closes_at_the_next_heartbeat(
    quick_heartbeat, alice, bob
):
    sock, _ = await open_agent(alice)
    bobs = await agent_socket(bob)
    User = get_user_model()
    await change(lambda: User.objects.filter(pk=alice.pk).update(is_active=False))
    assert await closed_with(sock) == 4401
    await change(lambda: User.objects.filter(pk=bob.pk).update(password="!changed"))
    assert await closed_with(bobs) == 4401


async def test_a_valid_session_survives_its_heartbeats(quick_heartbeat, alice):
    sock, _ = await open_agent(alice)
    await asyncio.sleep(1.0)  # three heartbeats
    assert (await sock.request("ping"))["type"] == "pong"
    await close_all(sock)


@pytest.mark.django_db
def test_a_process_checks_all_its_agent_sessions_in_two_queries(
    django_assert_num_queries, alice, bob, supervisor
):
    def session_of(user) -> tuple[str, str, str]:
        key = session_cookie(user).split("=", 1)[1]
        data = Session.objects.get(session_key=key).get_decoded()
        return str(user.pk), key, data["_auth_user_hash"]

    sessions = {session_of(user) for user in (alice, alice, bob, supervisor)}
    forged = (str(bob.pk), session_of(bob)[1], "x" * 64)
    with django_assert_num_queries(2):
        assert agent_sessions_valid({*sessions, forged}) == sessions
