"""The `openai` provider against an OpenAI-compatible server on loopback (tests/support/
openai_server.py): the real HTTP client, scripted replies, a slow one, errors and garbage.
Whatever the endpoint does, sending is never delayed."""

import time

import pytest
from channels.db import database_sync_to_async

from assist.models import AssistTurn, TurnOutcome
from messaging.models import Message
from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket
from tests.support.openai_server import FakeOpenAI, Reply

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "How long does shipping take to Bali?"
ANSWER = "Orders to Bali arrive 2-5 days after we ship them, within 2 working days of roasting."
AI_TIMEOUT = 2.0


@pytest.fixture
def llm(settings):
    with FakeOpenAI() as server:
        settings.AI_PROVIDER = "openai"
        settings.AI_BASE_URL = server.base_url
        settings.AI_MODEL = "test-model"
        settings.AI_API_KEY = "sk-test-key"
        settings.AI_TIMEOUT = AI_TIMEOUT
        yield server


async def ask(alice, visitor, question=QUESTION):
    """Alice joined; the visitor's first message is `question`. Returns the sockets, the
    question's ack and how long the ack took."""
    alice_sock = await agent_socket(alice)
    budi = await visitor_socket(visitor)
    hello = await budi.ok("send_message", body="Hi", client_id="c-hi")
    await alice_sock.ok("conversation:join", conversation_id=hello["message"]["conversation_id"])
    await alice_sock.settle()
    await budi.settle()
    started = time.perf_counter()
    ack = await budi.ok("send_message", body=question, client_id="c-q")
    return alice_sock, budi, ack, time.perf_counter() - started


@database_sync_to_async
def turn_of(message_id) -> AssistTurn:
    return AssistTurn.objects.get(message_id=message_id)


@database_sync_to_async
def senders(conversation_id) -> list[str]:
    return list(
        Message.objects.filter(conversation_id=conversation_id)
        .order_by("seq")
        .values_list("sender_type", flat=True)
    )


async def test_the_model_answers_from_the_knowledge_base(knowledge, llm, alice, visitor):
    llm.script(Reply(content=f"  {ANSWER}\n"))
    alice_sock, budi, ack, _ = await ask(alice, visitor)
    try:
        suggestion = await alice_sock.next("ai_suggestion")
        first, *grounding = suggestion["suggestions"]
        assert first == {"text": ANSWER, "source": first["source"], "score": 1.0}
        assert "Shipping and delivery times" in first["source"]
        assert grounding and grounding[0]["source"] == "Shipping and delivery times"
        answer = await budi.next("new_message")
        if answer["message"]["id"] == ack["message"]["id"]:
            answer = await budi.next("new_message")
        assert answer["message"]["sender"]["type"] == "ai"
        assert answer["message"]["body"] == ANSWER

        # What the endpoint was asked: the model, the grounding, the conversation.
        request = llm.requests[-1]
        assert request["path"] == "/v1/chat/completions"
        assert request["headers"]["Authorization"] == "Bearer sk-test-key"
        body = request["body"]
        assert body["model"] == "test-model"
        system, *turns = body["messages"]
        assert system["role"] == "system"
        assert "ONLY the numbered sources" in system["content"]
        assert "Write in English" in system["content"]
        assert "Delivery takes 1-2 days within Java" in system["content"]
        assert turns[-1] == {"role": "user", "content": QUESTION}
    finally:
        await close_all(alice_sock, budi)


async def test_when_the_model_cannot_answer_the_ai_hands_off(knowledge, llm, alice, visitor):
    llm.script(Reply(content="NO_ANSWER"))
    alice_sock, budi, ack, _ = await ask(alice, visitor)
    try:
        suggestion = await alice_sock.next("ai_suggestion")
        # The agents still see the passages; none of them was sent to the visitor.
        assert suggestion["suggestions"][0]["source"] == "Shipping and delivery times"
        assert (await budi.next("ai_status_changed"))["ai_enabled"] is False
        assert await senders(ack["message"]["conversation_id"]) == [
            "visitor",
            "visitor",
            "system",
        ]
    finally:
        await close_all(alice_sock, budi)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(content=ANSWER, delay=AI_TIMEOUT * 5),  # slower than AI_TIMEOUT
        Reply(status=500),
        Reply(status=429),
        Reply(raw=b"<html>Bad gateway</html>"),
        Reply(raw=b'{"choices": []}'),
        Reply(content=None),
        Reply(content=""),
        Reply(content="x" * 6000),
    ],
    ids=["slow", "500", "429", "html", "no-choices", "null", "empty", "too-long"],
)
async def test_a_failing_endpoint_means_no_suggestion_and_never_a_late_ack(
    knowledge, llm, alice, visitor, reply
):
    llm.default = reply
    alice_sock, budi, ack, ack_seconds = await ask(alice, visitor)
    try:
        assert ack_seconds < AI_TIMEOUT / 2
        # Sending goes on as usual meanwhile.
        started = time.perf_counter()
        await budi.ok("send_message", body="Hello?", client_id="c-2")
        assert time.perf_counter() - started < AI_TIMEOUT / 2
        turn = None
        deadline = time.monotonic() + AI_TIMEOUT * 3
        while turn is None and time.monotonic() < deadline:
            try:
                turn = await turn_of(ack["message"]["id"])
            except AssistTurn.DoesNotExist:
                await budi.settle(0.2)
        assert turn is not None and turn.outcome == TurnOutcome.FAILED
        assert turn.suggestions == []
        await alice_sock.none_of("ai_suggestion")
        await budi.none_of("ai_status_changed")
        kinds = await senders(ack["message"]["conversation_id"])
        assert "ai" not in kinds and "system" not in kinds
    finally:
        await close_all(alice_sock, budi)


async def test_without_a_grounding_passage_the_model_is_not_asked(knowledge, llm, alice, visitor):
    alice_sock, budi, _ack, _ = await ask(alice, visitor, "Do you also sell green tea?")
    try:
        assert (await budi.next("ai_status_changed"))["ai_enabled"] is False
        assert llm.requests == []
    finally:
        await close_all(alice_sock, budi)
