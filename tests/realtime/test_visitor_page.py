"""`visitor:page`: the widget reports the page its visitor is on; agents see it live."""

import pytest

from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_page_reaches_every_agent_without_its_query_string(alice, bob, visitor):
    agent_a = await agent_socket(alice)
    agent_b = await agent_socket(bob)
    sock = await visitor_socket(visitor)
    try:
        await sock.ok(
            "visitor:page",
            page_url="https://shop.example/cart/?coupon=SECRET#pay",
            time_zone="Asia/Makassar",
        )
        for agent in (agent_a, agent_b):
            frame = await agent.next("visitor:updated")
            assert frame["visitor"]["id"] == str(visitor.pk)
            assert frame["visitor"]["page_url"] == "https://shop.example/cart/"
            assert frame["visitor"]["time_zone"] == "Asia/Makassar"
            assert "SECRET" not in str(frame)
        # The same page again is a no-op: acked, sent to nobody.
        await sock.ok("visitor:page", page_url="https://shop.example/cart/?coupon=OTHER")
        await agent_a.none_of("visitor:updated")
        # The visitor's own widget never gets the agents' view of it.
        await sock.none_of("visitor:updated")
    finally:
        await close_all(agent_a, agent_b, sock)


@pytest.mark.parametrize(
    "fields",
    [{}, {"page_url": 7}, {"page_url": "javascript:alert(1)"}, {"page_url": "x", "time_zone": 3}],
)
async def test_a_bad_page_is_a_validation_error(alice, visitor, fields):
    agent = await agent_socket(alice)
    sock = await visitor_socket(visitor)
    try:
        reply = await sock.error("visitor:page", **fields)
        assert reply["code"] == "validation_error"
        await agent.none_of("visitor:updated")
    finally:
        await close_all(agent, sock)


async def test_agents_cannot_send_it(alice):
    agent = await agent_socket(alice)
    try:
        reply = await agent.error("visitor:page", page_url="https://shop.example/")
        assert reply["code"] == "forbidden"
        assert reply["message"] == "Only visitors can send visitor:page."
    finally:
        await close_all(agent)
