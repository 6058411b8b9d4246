"""The AI on real daphne processes, PostgreSQL and Redis: the visitor on one process, the agent
on the other; answers and the hand-off happen once; a slow provider never slows sending."""

import time

import pytest
from channels.db import database_sync_to_async

from assist.demo import ARTICLES
from assist.models import AssistTurn
from assist.services import knowledge_article_create
from conversations.actors import Actor
from messaging.models import Message
from realtime.client import LiveSocket
from tests.support.auth import session_cookie
from tests.support.openai_server import FakeOpenAI, Reply

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

AI = {"type": "ai", "id": None, "name": "AI assistant"}


@pytest.fixture
def knowledge(db):
    for title, body in ARTICLES:
        knowledge_article_create(actor=Actor.system(), title=title, body=body)


@database_sync_to_async
def senders(conversation_id) -> list[str]:
    rows = Message.objects.filter(conversation_id=conversation_id).order_by("seq")
    return list(rows.values_list("sender_type", flat=True))


@database_sync_to_async
def turns(conversation_id) -> int:
    return AssistTurn.objects.filter(conversation_id=conversation_id).count()


def new_from(kind):
    return lambda f: f["type"] == "new_message" and f["message"]["sender"]["type"] == kind


async def test_the_ai_answers_then_hands_off_once_across_processes(
    livestack, knowledge, alice, visitor
):
    a, b = livestack.servers
    budi = await LiveSocket.visitor(a.url, visitor.token)
    agent = await LiveSocket.agent(b.url, await database_sync_to_async(session_cookie)(alice))
    try:
        first = await budi.request("send_message", body="Hi!", client_id="v1")
        conversation_id = first["message"]["conversation_id"]
        created = await agent.expect("new_conversation")
        assert created["conversation"]["ai_enabled"] is True  # the knowledge base can answer
        await agent.request("conversation:join", conversation_id=conversation_id)

        ask = await budi.request(
            "send_message", body="Can I pay with GoPay or OVO?", client_id="v2"
        )
        suggestion = await agent.expect("ai_suggestion")
        assert suggestion["message_id"] == ask["message"]["id"]
        assert suggestion["suggestions"][0]["source"] == "Payment methods"
        for sock in (budi, agent):
            answer = await sock.wait_for(new_from("ai"))
            assert answer["message"]["sender"] == AI
            assert answer["message"]["body"] == suggestion["suggestions"][0]["text"]

        await budi.request("send_message", body="Do you also sell green tea?", client_id="v3")
        for sock in (budi, agent):
            changed = await sock.expect("ai_status_changed")
            assert changed["ai_enabled"] is False and changed["changed_by"] == AI
            notice = await sock.wait_for(new_from("system"))
            assert "Someone from our team will reply" in notice["message"]["body"]

        await budi.request("send_message", body="And matcha powder?", client_id="v4")
        await budi.none_of("ai_status_changed", wait=1.5)
        assert await senders(conversation_id) == [
            "visitor",
            "visitor",
            "ai",
            "visitor",
            "system",
            "visitor",
        ]
        assert await turns(conversation_id) == 4  # one per visitor message, no more
    finally:
        await budi.close()
        await agent.close()


async def test_a_slow_provider_never_slows_sending(make_livestack, knowledge, alice, visitor):
    timeout = 2.0
    with FakeOpenAI(default=Reply(content="Too late", delay=timeout * 10)) as llm:
        stack = make_livestack(
            1,
            AI_PROVIDER="openai",
            AI_BASE_URL=llm.base_url,
            AI_MODEL="test-model",
            AI_TIMEOUT=str(timeout),
        )
        server = stack.servers[0]
        budi = await LiveSocket.visitor(server.url, visitor.token)
        agent = await LiveSocket.agent(
            server.url, await database_sync_to_async(session_cookie)(alice)
        )
        try:
            acks = []
            for i in range(5):
                started = time.perf_counter()
                ack = await budi.request(
                    "send_message", body=f"How long does shipping to Bali take? ({i})"
                )
                acks.append(time.perf_counter() - started)
                if i == 0:
                    conversation_id = ack["message"]["conversation_id"]
                    await agent.request("conversation:join", conversation_id=conversation_id)
            assert max(acks) < timeout / 2, acks
            assert len(llm.requests) >= 1  # the provider was asked, and is still thinking
            await agent.none_of("ai_suggestion", wait=timeout + 1)
            await budi.none_of("ai_status_changed")
            assert set(await senders(conversation_id)) == {"visitor"}
        finally:
            await budi.close()
            await agent.close()
