"""Reads of the knowledge base and of the AI's turns."""

import uuid
from collections import Counter
from functools import reduce
from operator import or_
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet

from assist import text
from assist.models import AssistTurn, KnowledgeArticle, KnowledgePassage
from assist.suggestion import Context
from canned.models import CannedScope
from conversations.models import ConversationStatus
from livechat import async_db
from livechat.errors import ValidationFailed
from messaging.models import Message, SenderType

# The messages of the conversation an `openai` provider sees.
TRANSCRIPT_MESSAGES = 12
# Earlier visitor messages read with the one being answered.
EARLIER_MESSAGES = 2


def knowledge_articles(*, q: str | None = None, active: str | None = None) -> QuerySet:
    qs = KnowledgeArticle.objects.select_related("updated_by").order_by("title", "id")
    if active:
        if active not in ("true", "false"):
            raise ValidationFailed.field("active", "Must be true or false.")
        qs = qs.filter(active=active == "true")
    if q and q.strip():
        q = q.strip()[:200]
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return qs


def knowledge_stamp() -> tuple:
    """Changes whenever an article is added, changed or removed."""
    found = KnowledgeArticle.objects.aggregate(count=Count("pk"), changed=Max("updated_at"))
    return found["count"], found["changed"]


def knowledge_term_counts() -> tuple[int, Counter]:
    """Active passages, and in how many of them each term occurs."""
    frequency: Counter = Counter()
    size = 0
    rows = KnowledgePassage.objects.filter(article__active=True).values_list("terms", flat=True)
    for terms in rows.iterator(chunk_size=500):
        size += 1
        frequency.update(set(terms.split()))
    return size, frequency


class PassageRow(NamedTuple):
    article_id: uuid.UUID
    title: str
    position: int
    text: str
    terms: str


# PostgreSQL full-text search over the passages' terms, on the GIN index of migration 0002:
# the same SQL as `SearchVector("terms", config="simple")`, `SearchQuery(…, search_type="raw")`
# and `SearchRank`, written out because the ORM spent ten times the query's own CPU time
# building it, on every visitor message.
_FULL_TEXT_CANDIDATES = """
SELECT p.article_id, a.title, p.position, p.text, p.terms
FROM assist_knowledgepassage p JOIN assist_knowledgearticle a ON a.id = p.article_id
WHERE a.active AND to_tsvector('simple'::regconfig, COALESCE(p.terms, ''))
                   @@ to_tsquery('simple'::regconfig, %(query)s)
ORDER BY ts_rank(to_tsvector('simple'::regconfig, COALESCE(p.terms, '')),
                 to_tsquery('simple'::regconfig, %(query)s)) DESC,
         p.article_id, p.position
LIMIT %(limit)s
"""


def knowledge_passage_candidates(terms: frozenset[str], *, limit: int) -> list[PassageRow]:
    """Active passages sharing a term with the question, the likeliest first.

    PostgreSQL: full-text search, ranked by `ts_rank`. Other databases: whole-term LIKE
    matches, unranked (the caller scores them all anyway).
    """
    if not terms:
        return []
    if connection.vendor == "postgresql":
        # Terms are letters and digits only (assist.text), so quoting them is enough.
        query = " | ".join(f"'{term}'" for term in sorted(terms))
        with connection.cursor() as cursor:
            cursor.execute(_FULL_TEXT_CANDIDATES, {"query": query, "limit": limit})
            return [PassageRow(*row) for row in cursor.fetchall()]
    matches = reduce(or_, (Q(terms__contains=f" {term} ") for term in terms))
    rows = (
        KnowledgePassage.objects.filter(matches, article__active=True)
        .order_by()
        .values_list("article_id", "article__title", "position", "text", "terms")
    )
    # Unranked here, so more of them: the embedded default's knowledge bases are small.
    return [PassageRow(*row) for row in rows[: limit * 10]]


def latest_turn(conversation_id) -> AssistTurn | None:
    return (
        AssistTurn.objects.filter(conversation_id=conversation_id)
        .order_by("-seq")
        .only("message_id", "conversation_id", "suggestions")
        .first()
    )


def assist_context(*, message_id, conversation_id, seq: int) -> Context | None:
    """What the AI needs to answer a visitor message (one query); None if it is gone."""
    # Never a private note: the AI's words go to the visitor, and nothing it is given may
    # come from what only agents see.
    recent = list(
        Message.objects.filter(conversation_id=conversation_id, seq__lte=seq, internal=False)
        .order_by("-seq")
        .values_list(
            "pk",
            "sender_type",
            "body",
            "deleted_at",
            "conversation__visitor__language",
            "conversation__visitor__name",
            "conversation__visitor__email",
            "conversation__ai_enabled",
            "conversation__first_response_at",
            "conversation__status",
        )[:TRANSCRIPT_MESSAGES]
    )
    if not recent:
        return None
    pk, sender_type, question, deleted_at, visitor_language, *rest = recent[0]
    visitor_name, visitor_email, *state = rest
    if str(pk) != str(message_id) or sender_type != SenderType.VISITOR or deleted_at:
        return None
    ai_enabled, first_response_at, status = state
    recent = [(row[1], row[2]) for row in recent if not row[3]]
    earlier = []
    for kind, body in recent[1:]:
        if kind != SenderType.VISITOR or len(earlier) == EARLIER_MESSAGES:
            break
        earlier.append(body)
    recent.reverse()
    earlier.reverse()
    return Context(
        conversation_id=str(conversation_id),
        message_id=str(message_id),
        seq=seq,
        question=question,
        earlier=tuple(earlier),
        transcript=tuple(recent),
        language=text.language(question) or visitor_language or settings.LANGUAGE_CODE,
        visitor_name=visitor_name or "",
        visitor_email=visitor_email or "",
        ai_answering=ai_answering(
            ai_enabled=ai_enabled, first_response_at=first_response_at, status=status
        ),
    )


# `ai_answering` of the conversation, or a source the retrieval answers from (what
# `RetrievalProvider.can_suggest` asks; the `openai` provider is grounded in the same).
_MAY_ACT = """
SELECT (c.ai_enabled AND c.first_response_at IS NULL AND c.status <> %(closed)s)
    OR EXISTS (SELECT 1 FROM assist_knowledgearticle WHERE active)
    OR EXISTS (SELECT 1 FROM canned_cannedresponse WHERE scope = %(team)s)
FROM conversations_conversation c WHERE c.id = %(conversation)s
"""


async def ai_may_act(conversation_id) -> bool:
    """Whether the AI might do anything for a visitor message of this conversation: answer
    it, or suggest from an article or a team response. One statement through the loop's own
    pool (`livechat.async_db`, PostgreSQL only), no thread and no ORM: for a team without
    sources this is all a visitor message costs the AI. False if the conversation is gone."""
    pool = await async_db.pool()
    async with pool.connection() as conn:
        cursor = await conn.execute(
            _MAY_ACT,
            {
                "closed": ConversationStatus.CLOSED.value,
                "team": CannedScope.TEAM.value,
                "conversation": uuid.UUID(str(conversation_id)),
            },
        )
        row = await cursor.fetchone()
    return bool(row and row[0])


def ai_answering(*, ai_enabled: bool, first_response_at, status: str) -> bool:
    """The AI answers a conversation while it is on, no agent has replied (the AI never
    speaks after one) and it is not closed."""
    return ai_enabled and first_response_at is None and status != ConversationStatus.CLOSED
