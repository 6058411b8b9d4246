"""Reads of the knowledge base and of the AI's turns."""

from collections import Counter
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet

from assist import text
from assist.models import AssistTurn, KnowledgeArticle, KnowledgePassage
from assist.suggestion import Context
from messaging.models import Message, SenderType

# The messages of the conversation an `openai` provider sees.
TRANSCRIPT_MESSAGES = 12
# Earlier visitor messages read with the one being answered.
EARLIER_MESSAGES = 2
SEARCH_CONFIG = "simple"  # the terms are already stemmed: PostgreSQL only splits them


def knowledge_articles(*, q: str | None = None, active: str | None = None) -> QuerySet:
    qs = KnowledgeArticle.objects.select_related("updated_by").order_by("title", "id")
    if active in ("true", "false"):
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


def knowledge_passage_candidates(terms: frozenset[str], *, limit: int) -> list[KnowledgePassage]:
    """Active passages sharing a term with the question, the likeliest first.

    PostgreSQL: full-text search over the GIN-indexed terms, ranked by `ts_rank`. Other
    databases: whole-term LIKE matches, unranked (the caller scores them all anyway).
    """
    if not terms:
        return []
    qs = KnowledgePassage.objects.filter(article__active=True).select_related("article")
    if connection.vendor == "postgresql":
        vector = SearchVector("terms", config=SEARCH_CONFIG)
        query = SearchQuery(
            " | ".join(f"'{term}'" for term in sorted(terms)),
            search_type="raw",
            config=SEARCH_CONFIG,
        )
        qs = (
            qs.alias(document=vector)
            .filter(document=query)
            .annotate(rank=SearchRank(vector, query))
            .order_by("-rank", "article_id", "position")
        )
        return list(qs[:limit])
    matches = reduce(or_, (Q(terms__contains=f" {term} ") for term in terms))
    # Unranked here, so more of them: the embedded default's knowledge bases are small.
    return list(qs.filter(matches)[: limit * 10])


def latest_turn(conversation_id) -> AssistTurn | None:
    return (
        AssistTurn.objects.filter(conversation_id=conversation_id)
        .order_by("-seq")
        .only("message_id", "conversation_id", "suggestions")
        .first()
    )


def assist_context(message_id) -> Context | None:
    """What the AI needs to answer a visitor message; None if it is gone."""
    message = (
        Message.objects.select_related("conversation__visitor")
        .filter(pk=message_id, sender_type=SenderType.VISITOR, deleted_at__isnull=True)
        .first()
    )
    if message is None:
        return None
    recent = list(
        Message.objects.filter(
            conversation_id=message.conversation_id, seq__lte=message.seq, deleted_at__isnull=True
        )
        .order_by("-seq")
        .values_list("sender_type", "body")[:TRANSCRIPT_MESSAGES]
    )
    earlier = []
    for sender_type, body in recent[1:]:
        if sender_type != SenderType.VISITOR or len(earlier) == EARLIER_MESSAGES:
            break
        earlier.append(body)
    recent.reverse()
    earlier.reverse()
    visitor = message.conversation.visitor
    return Context(
        conversation_id=str(message.conversation_id),
        message_id=str(message.pk),
        seq=message.seq,
        question=message.body,
        earlier=tuple(earlier),
        transcript=tuple(recent),
        language=text.language(message.body) or visitor.language or settings.LANGUAGE_CODE,
    )
