"""The AI over the WebSocket (in process): suggestions to joined agents, answers, the hand-off.

The demo shop's knowledge base; the visitor's first message creates the conversation with
the AI answering (AI_DEFAULT_ENABLED unset and an active article).
"""

import pytest
from channels.db import database_sync_to_async

from assist.models import AssistTurn, TurnOutcome
from conversations.actors import Actor
from conversations.models import Conversation
from messaging.models import Message
from messaging.services import message_send
from tests.support.asgi_sockets import agent_socket, close_all, visitor_socket
from tests.support.factories import VisitorFactory

pytestmark = pytest.mark.django_db(transaction=True)

AI = {"type": "ai", "id": None, "name": "AI assistant"}
QUESTION = "How long does shipping take to Bali?"
HANDOFF_EN = "Thanks for your message! Someone from our team will reply here as soon as possible."
HANDOFF_ID = "Terima kasih atas pesan Anda! Tim kami akan segera membalas di sini."


async def start(alice, visitor, first: str = "Hi there"):
    """Alice's and the visitor's sockets, a conversation started by `first`, Alice joined."""
    alice_sock = await agent_socket(alice)
    budi = await visitor_socket(visitor)
    ack = await budi.ok("send_message", body=first, client_id="c-first")
    conversation_id = ack["message"]["conversation_id"]
    await alice_sock.next("new_conversation")
    await alice_sock.ok("conversation:join", conversation_id=conversation_id)
    return alice_sock, budi, conversation_id


@database_sync_to_async
def conversation_row(conversation_id) -> Conversation:
    return Conversation.objects.get(pk=conversation_id)


@database_sync_to_async
def messages_of(conversation_id) -> list[tuple[str, str]]:
    rows = Message.objects.filter(conversation_id=conversation_id).order_by("seq")
    return [(m.sender_type, m.body) for m in rows]


async def test_a_question_gets_suggestions_then_an_answer_from_the_knowledge_base(
    knowledge, alice, visitor, as_alice
):
    alice_sock, budi, conversation_id = await start(alice, visitor)
    try:
        await budi.settle()
        await alice_sock.settle()
        ack = await budi.ok("send_message", body=QUESTION, client_id="c-q")
        question_id = ack["message"]["id"]

        suggestion = await alice_sock.next("ai_suggestion")
        assert suggestion["conversation_id"] == conversation_id
        assert suggestion["message_id"] == question_id
        best = suggestion["suggestions"][0]
        assert best["source"] == "Shipping and delivery times"
        assert best["score"] == 1.0
        # The passage that answers, not the whole article.
        assert best["text"].startswith("We roast to order in Bandung")
        assert "tracking number" not in best["text"]
        assert 1 <= len(suggestion["suggestions"]) <= 3
        assert all(0 <= s["score"] <= 1 for s in suggestion["suggestions"])

        for sock in (budi, alice_sock):
            answer = await sock.next("new_message")
            if answer["message"]["id"] == question_id:  # the question itself first
                answer = await sock.next("new_message")
            assert answer["message"]["sender"] == AI
            assert answer["message"]["body"] == best["text"]
        await budi.none_of("ai_suggestion", "ai_status_changed")

        # A dashboard opened later asks REST for the same suggestions.
        r = await database_sync_to_async(as_alice.get)(
            f"/api/v1/conversations/{conversation_id}/suggestions/"
        )
        assert r.status_code == 200
        assert r.json() == {k: v for k, v in suggestion.items() if k != "type"}
        conversation = await conversation_row(conversation_id)
        assert conversation.ai_enabled is True and conversation.first_response_at is None
    finally:
        await close_all(alice_sock, budi)


async def test_an_unanswerable_question_hands_off_once_in_the_visitors_language(
    knowledge, alice, bob
):
    visitor = await database_sync_to_async(VisitorFactory)(name="Sari", language="id")
    alice_sock, sari, conversation_id = await start(alice, visitor, first="Halo kak")
    bob_sock = await agent_socket(bob)
    try:
        await sari.settle()
        await alice_sock.settle()
        await sari.ok("send_message", body="Apakah kalian juga jual teh hijau?", client_id="c-1")
        for sock in (sari, alice_sock, bob_sock):
            changed = await sock.next("ai_status_changed")
            assert changed == {
                "type": "ai_status_changed",
                "conversation_id": conversation_id,
                "ai_enabled": False,
                "changed_by": AI,
            }
            notice = await sock.next("new_message")
            while notice["message"]["sender"]["type"] == "visitor":
                notice = await sock.next("new_message")
            assert notice["message"]["sender"]["type"] == "system"
            assert notice["message"]["body"] == HANDOFF_ID

        # Once: another question nobody can answer changes nothing more.
        await sari.ok("send_message", body="Kalau teh melati ada?", client_id="c-2")
        await sari.next("new_message")
        await sari.none_of("ai_status_changed", "new_message", timeout=1.0)
        conversation = await conversation_row(conversation_id)
        assert conversation.status == "open" and conversation.ai_enabled is False
        kinds = [kind for kind, _ in await messages_of(conversation_id)]
        assert kinds == ["visitor", "visitor", "system", "visitor"]
    finally:
        await close_all(alice_sock, sari, bob_sock)


@pytest.mark.parametrize(
    ("question", "notice"),
    [("Can I talk to a human please?", HANDOFF_EN), ("Mau bicara dengan CS dong", HANDOFF_ID)],
)
async def test_asking_for_a_person_hands_off_at_once(knowledge, alice, visitor, question, notice):
    alice_sock, budi, _conversation_id = await start(alice, visitor)
    try:
        await budi.settle()
        await budi.ok("send_message", body=question, client_id="c-person")
        assert (await budi.next("ai_status_changed"))["ai_enabled"] is False
        frames = [await budi.next("new_message"), await budi.next("new_message")]
        assert [f["message"]["sender"]["type"] for f in frames] == ["visitor", "system"]
        assert frames[1]["message"]["body"] == notice
    finally:
        await close_all(alice_sock, budi)


async def test_the_ai_never_speaks_after_an_agent_replied(knowledge, alice, visitor):
    alice_sock, budi, conversation_id = await start(alice, visitor)
    try:
        await alice_sock.ok(
            "send_message", conversation_id=conversation_id, body="Hi! How can I help?"
        )
        await budi.settle()
        await alice_sock.settle()
        ack = await budi.ok("send_message", body=QUESTION, client_id="c-q")
        # Suggestions still help the agent ...
        suggestion = await alice_sock.next("ai_suggestion")
        assert suggestion["message_id"] == ack["message"]["id"]
        assert suggestion["suggestions"][0]["score"] == 1.0
        # ... but the AI neither answers nor hands off.
        await budi.next("new_message")
        await budi.none_of("new_message", "ai_status_changed", timeout=1.0)
        conversation = await conversation_row(conversation_id)
        assert conversation.ai_enabled is True
    finally:
        await close_all(alice_sock, budi)


async def test_a_greeting_asks_nothing_and_gets_nothing(knowledge, alice, visitor):
    alice_sock, budi, conversation_id = await start(alice, visitor, first="Halo, selamat pagi!")
    try:
        await budi.next("new_message")
        await budi.none_of("new_message", "ai_status_changed", timeout=1.0)
        await alice_sock.none_of("ai_suggestion")
        turn = await database_sync_to_async(AssistTurn.objects.get)(conversation_id=conversation_id)
        assert turn.outcome == TurnOutcome.SUGGESTED and turn.suggestions == []
    finally:
        await close_all(alice_sock, budi)


async def test_with_the_ai_switched_off_agents_still_get_suggestions(knowledge, alice, visitor):
    alice_sock, budi, conversation_id = await start(alice, visitor)
    try:
        await alice_sock.ok("ai:toggle", conversation_id=conversation_id, enabled=False)
        await budi.settle()
        await alice_sock.settle()
        await budi.ok("send_message", body="Can I pay with GoPay?", client_id="c-pay")
        suggestion = await alice_sock.next("ai_suggestion")
        assert suggestion["suggestions"][0]["source"] == "Payment methods"
        await budi.next("new_message")
        await budi.none_of("new_message", "ai_status_changed", timeout=1.0)
    finally:
        await close_all(alice_sock, budi)


def test_a_message_sent_outside_any_server_is_answered_too(knowledge, visitor):
    """A command or a shell has no event loop: the AI runs in a thread of its own."""
    from assist.runner import wait_idle

    message, _ = message_send(actor=Actor.for_visitor(visitor), body="Can I pay with OVO?")
    assert wait_idle(10)
    rows = Message.objects.filter(conversation=message.conversation).order_by("seq")
    assert [m.sender_type for m in rows] == ["visitor", "ai"]
    assert "OVO" in rows[1].body
    turn = AssistTurn.objects.get(message=message)
    assert turn.outcome == TurnOutcome.REPLIED


def test_the_ai_is_on_for_new_conversations_only_when_it_can_answer(db, settings, visitor):
    from assist.services import knowledge_article_create, knowledge_article_update
    from conversations.ai_default import ai_enabled_default

    assert ai_enabled_default() is False  # an empty knowledge base never speaks for the team
    article = knowledge_article_create(actor=Actor.system(), title="Hours", body="9 to 5.")
    assert ai_enabled_default() is True
    knowledge_article_update(actor=Actor.system(), article_id=article.pk, active=False)
    assert ai_enabled_default() is False
    settings.AI_DEFAULT_ENABLED = True
    assert ai_enabled_default() is True
    settings.AI_DEFAULT_ENABLED = None
    settings.AI_PROVIDER = "openai"
    assert ai_enabled_default() is True
    settings.AI_PROVIDER = "off"
    settings.AI_DEFAULT_ENABLED = False
    message, _ = message_send(actor=Actor.for_visitor(visitor), body="Hello?")
    assert message.conversation.ai_enabled is False


def test_team_canned_responses_answer_too_with_the_visitor_filled_in(knowledge, supervisor, alice):
    """The team's canned responses are the AI's second source; personal ones never are."""
    from assist.runner import wait_idle
    from canned.services import canned_response_create

    canned_response_create(
        actor=Actor.for_agent(supervisor),
        shortcut="giftwrap",
        title="Gift wrapping",
        body="Hi {{visitor.name}}! Yes, we gift-wrap any order for free: tick gift wrapping "
        "at checkout and add a card message.",
        scope="team",
    )
    canned_response_create(
        actor=Actor.for_agent(alice),
        shortcut="mywrap",
        title="Gift wrapping (Alice)",
        body="Alice's own words on gift wrapping at checkout, never the AI's.",
    )
    sari = VisitorFactory(name="Sari")
    message, _ = message_send(
        actor=Actor.for_visitor(sari), body="Do you offer gift wrapping at checkout?"
    )
    assert wait_idle(10)
    turn = AssistTurn.objects.get(message=message)
    sources = [s["source"] for s in turn.suggestions]
    assert sources[0] == "Gift wrapping" and "Gift wrapping (Alice)" not in sources
    assert turn.suggestions[0]["text"].startswith("Hi Sari! Yes, we gift-wrap")


def test_a_private_note_never_reaches_the_ai(knowledge, alice, visitor):
    """The AI's answer goes to the visitor: nothing only agents see may be in what it reads."""
    from assist.runner import wait_idle
    from assist.selectors import assist_context

    first, _ = message_send(actor=Actor.for_visitor(visitor), body="Hello")
    message_send(
        actor=Actor.for_agent(alice),
        conversation_id=first.conversation_id,
        body="Internal: this customer owes us Rp 500.000, do not ship",
        internal=True,
    )
    question, _ = message_send(actor=Actor.for_visitor(visitor), body="Can I pay with OVO?")
    assert wait_idle(10)
    context = assist_context(
        message_id=question.pk, conversation_id=question.conversation_id, seq=question.seq
    )
    assert all("owes" not in body for _kind, body in context.transcript)
    reply = Message.objects.filter(conversation=question.conversation, sender_type="ai").last()
    assert reply is not None and "owes" not in reply.body


def test_without_sources_a_message_costs_the_ai_nothing_unless_it_answers(db, supervisor):
    """No article and no team response, AI off for the conversation: no turn, no queries
    beyond the one that finds that out. A team response, or the AI answering, and it works."""
    from assist.runner import wait_idle
    from canned.services import canned_response_create

    def turns_for(body: str) -> int:
        message, _ = message_send(actor=Actor.for_visitor(VisitorFactory()), body=body)
        assert message.conversation.ai_enabled is False  # nothing to answer from
        assert wait_idle(10)
        return AssistTurn.objects.filter(message=message).count()

    assert turns_for("Do you offer gift wrapping at checkout?") == 0
    canned_response_create(
        actor=Actor.for_agent(supervisor),
        shortcut="giftwrap",
        title="Gift wrapping",
        body="Yes, we gift-wrap any order for free.",
        scope="team",
    )
    assert turns_for("Do you offer gift wrapping at checkout?") == 1


def test_an_answering_ai_without_sources_still_hands_off(db, settings):
    from assist.runner import wait_idle

    settings.AI_DEFAULT_ENABLED = True
    message, _ = message_send(
        actor=Actor.for_visitor(VisitorFactory()), body="Do you ship to Bali by courier?"
    )
    assert wait_idle(10)
    assert AssistTurn.objects.get(message=message).outcome == TurnOutcome.HANDED_OFF


async def test_on_the_server_a_team_without_sources_gets_no_turn_until_it_has_one(
    alice, supervisor, visitor
):
    """The server's path (a socket's message, the AI on the server's loop): no article, no
    team response, the AI not answering: nothing is recorded. The moment a team response
    exists, the next message gets suggestions from it (the check is not cached)."""
    from assist.runner import wait_idle
    from canned.services import canned_response_create

    alice_sock, budi, conversation_id = await start(alice, visitor)
    try:
        assert (await conversation_row(conversation_id)).ai_enabled is False
        await budi.ok("send_message", body="Do you offer gift wrapping?", client_id="c-gift")
        assert await database_sync_to_async(wait_idle)(10)
        count = database_sync_to_async(
            AssistTurn.objects.filter(conversation_id=conversation_id).count
        )
        assert await count() == 0
        await alice_sock.none_of("ai_suggestion", timeout=0.3)

        await database_sync_to_async(canned_response_create)(
            actor=Actor.for_agent(supervisor),
            shortcut="giftwrap",
            title="Gift wrapping",
            body="Yes, we gift-wrap any order for free.",
            scope="team",
        )
        await budi.ok("send_message", body="Do you offer gift wrapping?", client_id="c-gift-2")
        suggestion = await alice_sock.next("ai_suggestion")
        assert suggestion["suggestions"][0]["source"] == "Gift wrapping"
        assert await count() == 1
    finally:
        await close_all(alice_sock, budi)
