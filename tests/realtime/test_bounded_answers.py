"""History answers are bounded (PROTOCOL section 5): at most 200 messages and 512 KiB of
JSON per `sync` ack or REST page, `has_more` when cut, and a conversation of any size still
syncs completely by asking again. Big answers cost more of the frame rate limit."""

import json

import pytest
from channels.db import database_sync_to_async

from conversations.actors import Actor
from messaging.services import message_send
from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket
from tests.support.auth import token_client

pytestmark = pytest.mark.django_db(transaction=True)

# 5,000 emoji: 20 KB of UTF-8 each, the heaviest body the contract allows.
HEAVY = "😀" * 5000
LIMIT = 512 * 1024


@database_sync_to_async
def visitor_sends(visitor, bodies) -> str:
    actor = Actor.for_visitor(visitor)
    for body in bodies:
        message, _ = message_send(actor=actor, body=body)
    return str(message.conversation_id)


async def test_a_big_gap_syncs_completely_in_bounded_answers(alice, visitor):
    # 60 heavy messages: about 1.2 MB, more than daphne's 1 MiB frame limit in one answer.
    cid = await visitor_sends(visitor, [f"{i} {HEAVY}"[:5000] for i in range(60)])
    agent = await agent_socket(alice)
    try:
        seen, since, answers = {}, 0, 0
        while True:
            raw_before = len(agent.inbox)
            ack = await agent.ok("sync", conversation_id=cid, since_version=since)
            assert len(agent.inbox) == raw_before
            size = len(json.dumps(ack, ensure_ascii=False, separators=(",", ":")).encode())
            assert size <= LIMIT and len(ack["messages"]) <= 200
            answers += 1
            seen.update({m["id"]: m for m in ack["messages"]})
            assert ack["version"] > since
            since = ack["version"]
            if not ack["has_more"]:
                break
        assert answers >= 3 and len(seen) == 60
        assert sorted(m["seq"] for m in seen.values()) == list(range(1, 61))
    finally:
        await close_all(agent)


async def test_a_sync_answer_holds_at_most_200_messages(settings, alice, visitor):
    cid = await visitor_sends(visitor, [f"m{i}" for i in range(205)])
    agent = await agent_socket(alice)
    try:
        first = await agent.ok("sync", conversation_id=cid, since_version=0)
        assert len(first["messages"]) == 200 and first["has_more"] is True
        assert first["version"] == 200
        rest = await agent.ok("sync", conversation_id=cid, since_version=first["version"])
        assert [m["seq"] for m in rest["messages"]] == [201, 202, 203, 204, 205]
        assert rest["has_more"] is False
    finally:
        await close_all(agent)


@database_sync_to_async
def rest_pages(user, cid: str, query: str) -> list[dict]:
    client = token_client(user)
    pages, url = [], f"/api/v1/conversations/{cid}/messages/?{query}"
    while True:
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.content) <= LIMIT
        page = response.json()
        pages.append(page)
        if not page["has_more"] or "since_version" not in query:
            return pages
        url = f"/api/v1/conversations/{cid}/messages/?limit=200&since_version={page['version']}"


async def test_rest_answers_are_bounded_by_bytes_too(alice, visitor):
    cid = await visitor_sends(visitor, [f"{i} {HEAVY}"[:5000] for i in range(60)])
    pages = await rest_pages(alice, cid, "limit=200&since_version=0")
    assert len(pages) >= 3
    assert sorted(m["seq"] for p in pages for m in p["results"]) == list(range(1, 61))
    # The latest page (no cursor) keeps the newest messages and says there is more.
    (latest,) = await rest_pages(alice, cid, "limit=200")
    assert latest["has_more"] is True and latest["results"][-1]["seq"] == 60


async def test_big_answers_count_as_several_frames(settings, visitor):
    settings.LIVECHAT = {**settings.LIVECHAT, "RATE_PER_SECOND": 1.0, "RATE_BURST": 10.0}
    await visitor_sends(visitor, [f"{i} {HEAVY}"[:5000] for i in range(30)])
    budi = await visitor_socket(visitor)
    try:
        # About 600 KB of messages: cut to 512 KiB, which counts as 16 more frames, more
        # than the whole burst of 10; small frames keep costing one each.
        first = await budi.ok("sync", since_version=0)
        assert first["has_more"] is True
        assert (await budi.error("sync", since_version=0))["code"] == "rate_limited"
    finally:
        await close_all(budi)
