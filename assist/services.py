"""Changes to the knowledge base, and what the AI does about a visitor message.

The same order as every service: clean the input, check access and lock, return early on a
no-op, write, then the events on commit. The AI acts through the same services as people
(`message_send`, `conversation_update`) as `Actor.ai()`, and hands off as `Actor.system()`.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from assist import events, selectors, text
from assist.models import (
    MAX_ARTICLE_LENGTH,
    MAX_TITLE_LENGTH,
    AssistTurn,
    KnowledgeArticle,
    KnowledgePassage,
    TurnOutcome,
)
from assist.suggestion import MAX_SUGGESTIONS, Context, Suggestion
from conversations.access import parse_id
from conversations.actors import Actor
from conversations.models import Conversation
from conversations.services import conversation_update
from livechat.errors import Forbidden, NotFound, ValidationFailed
from livechat.text import clean_text
from messaging.models import Message, SenderType
from messaging.services import message_send
from realtime.broadcast import send_on_commit

UNSET = object()

# The AI's hand-off, in the visitor's language (PROTOCOL section 8).
HANDOFF_MESSAGE = gettext_noop(
    "Thanks for your message! Someone from our team will reply here as soon as possible."
)


# --- the knowledge base ------------------------------------------------------------------------


def clean_title(title) -> str:
    return clean_text("title", title, max_length=MAX_TITLE_LENGTH)


def clean_body(body) -> str:
    return clean_text("body", body, max_length=MAX_ARTICLE_LENGTH)


def _clean_active(active) -> bool:
    if not isinstance(active, bool):
        raise ValidationFailed.field("active", "Must be true or false.")
    return active


def _require_editor(actor: Actor) -> None:
    if not (actor.is_supervisor or actor.type == "system"):
        raise Forbidden("Only supervisors can change the knowledge base.")


def _store_passages(article: KnowledgeArticle) -> None:
    """Cut the article into passages with their search terms (what the retrieval reads)."""
    article.passages.all().delete()
    title_terms = set(text.terms(article.title))
    KnowledgePassage.objects.bulk_create(
        KnowledgePassage(
            article=article,
            position=position,
            text=passage,
            terms=f" {' '.join(sorted(title_terms | set(text.terms(passage))))} ",
        )
        for position, passage in enumerate(text.passages(article.body))
    )


def knowledge_article_create(*, actor: Actor, title=None, body=None, active=True):
    title = clean_title(title)
    body = clean_body(body)
    active = _clean_active(active)
    _require_editor(actor)
    with transaction.atomic():
        article = KnowledgeArticle.objects.create(
            title=title, body=body, active=active, created_by=actor.user, updated_by=actor.user
        )
        _store_passages(article)
        return article


def knowledge_article_update(
    *, actor: Actor, article_id, title=UNSET, body=UNSET, active=UNSET
) -> KnowledgeArticle:
    changes = {}
    if title is not UNSET:
        changes["title"] = clean_title(title)
    if body is not UNSET:
        changes["body"] = clean_body(body)
    if active is not UNSET:
        changes["active"] = _clean_active(active)
    _require_editor(actor)
    with transaction.atomic():
        article = _lock_article(article_id)
        changes = {k: v for k, v in changes.items() if getattr(article, k) != v}
        if not changes:
            return article
        for name, value in changes.items():
            setattr(article, name, value)
        article.updated_at = timezone.now()
        article.updated_by = actor.user
        article.save(update_fields=[*changes, "updated_at", "updated_by"])
        if {"title", "body"} & set(changes):
            _store_passages(article)
        return article


def knowledge_reindex() -> int:
    """Cut every article into passages again (after the way text becomes terms changed)."""
    count = 0
    for pk in KnowledgeArticle.objects.values_list("pk", flat=True):
        with transaction.atomic():
            _store_passages(_lock_article(pk))
        count += 1
    return count


def knowledge_article_delete(*, actor: Actor, article_id) -> None:
    _require_editor(actor)
    with transaction.atomic():
        _lock_article(article_id).delete()


def _lock_article(article_id) -> KnowledgeArticle:
    pk = parse_id(article_id, what="Article")
    article = (
        KnowledgeArticle.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise NotFound("Article not found.")
    return article


# --- the AI's turn -------------------------------------------------------------------------------


def assist_turn_complete(
    *, context: Context, suggestions: list[Suggestion] | None
) -> AssistTurn | None:
    """Record what the AI made of a visitor message and act on it, once per message.

    `suggestions` is None when the provider failed or timed out: nothing is shown and the
    AI does nothing else. Otherwise the suggestions go to the agents who joined the
    conversation and, while the AI answers this conversation (`ai_enabled`, no agent reply
    yet, this is the visitor's latest message), it answers with the best one scoring at
    least AI_REPLY_MIN_SCORE, or hands off: AI off and a system message saying the team
    will reply. The conversation's lock orders this against agents' replies and toggles,
    and against the turns of the visitor's other messages in any process.
    """
    shown = [] if suggestions is None else suggestions[:MAX_SUGGESTIONS]
    try:
        with transaction.atomic():
            return _complete(context, suggestions, shown)
    except IntegrityError:
        return None  # this message had its turn already (its primary key), or is gone


def _complete(context: Context, suggestions, shown: list[Suggestion]) -> AssistTurn | None:
    conversation = None
    if suggestions is not None and context.ai_answering:
        # About to act: take the lock, which orders this against agents' replies and
        # toggles and the other turns of this conversation, and look again.
        conversation = (
            Conversation.objects.select_for_update().filter(pk=context.conversation_id).first()
        )
        if conversation is None:
            return None
    outcome, answer = _decide(conversation, context, suggestions)
    turn = AssistTurn.objects.create(
        message_id=context.message_id,
        conversation_id=context.conversation_id,
        seq=context.seq,
        suggestions=[s.to_wire() for s in shown],
        outcome=outcome,
    )
    if shown:
        send_on_commit(
            events.ai_suggestion(
                conversation_id=context.conversation_id,
                message_id=context.message_id,
                suggestions=turn.suggestions,
            )
        )
    if outcome == TurnOutcome.REPLIED:
        message_send(actor=Actor.ai(), conversation_id=context.conversation_id, body=answer.text)
    elif outcome == TurnOutcome.HANDED_OFF:
        conversation_update(
            actor=Actor.ai(), conversation_id=context.conversation_id, ai_enabled=False
        )
        with translation.override(context.language):
            notice = gettext(HANDOFF_MESSAGE)
        message_send(actor=Actor.system(), conversation_id=context.conversation_id, body=notice)
    return turn


def _decide(
    conversation: Conversation | None, context: Context, suggestions: list[Suggestion] | None
) -> tuple[str, Suggestion | None]:
    """What the AI does; `conversation` is the locked row, or None when it does not answer."""
    if suggestions is None:
        return TurnOutcome.FAILED, None
    answering = conversation is not None and selectors.ai_answering(
        ai_enabled=conversation.ai_enabled,
        first_response_at=conversation.first_response_at,
        status=conversation.status,
    )
    if not answering or _newer_question(conversation, context.seq):
        return TurnOutcome.SUGGESTED, None
    if text.asks_for_person(context.question):
        return TurnOutcome.HANDED_OFF, None
    answer = next(
        (s for s in suggestions if s.replyable and s.score >= settings.AI_REPLY_MIN_SCORE), None
    )
    if answer is not None:
        return TurnOutcome.REPLIED, answer
    if not any(text.terms(m) for m in (context.question, *context.earlier)):
        return TurnOutcome.SUGGESTED, None  # "hi", "ok": nothing asked yet
    return TurnOutcome.HANDED_OFF, None


def _newer_question(conversation: Conversation, seq: int) -> bool:
    """The visitor wrote again since: that message's turn answers, with this one as context."""
    return Message.objects.filter(
        conversation=conversation, seq__gt=seq, sender_type=SenderType.VISITOR
    ).exists()
