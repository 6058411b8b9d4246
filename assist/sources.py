"""Where the retrieval looks for answers: one function per source, listed in SOURCES.

A source takes the question's search terms and returns a `Corpus`: the passages that share
a term with it, plus how common each term is in the whole source (to weigh rare words
over common ones). `assist.retrieval` scores every source's passages the same way.

Two sources: the knowledge base, and the team's canned responses (their variables filled
in for the conversation's visitor, so a reply never shows `{{visitor.name}}`).
`sources_for(context)` gives both; a new source is one more function of the same shape.
"""

import functools
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings

from assist import selectors, text
from canned.selectors import team_canned_responses
from canned.services import render_text

# Passages per source worth scoring: the database ranks them first (full-text rank on
# PostgreSQL), so a large knowledge base costs no more than this.
CANDIDATES = 50


@dataclass(frozen=True)
class Passage:
    source: str  # the suggestion's `source`: the article's title
    text: str  # the suggestion's `text`
    terms: frozenset[str]  # search terms of the text and of its title
    key: str  # one suggestion per key (per article), the best passage
    position: int = 0


@dataclass(frozen=True)
class Corpus:
    candidates: list[Passage]
    size: int  # passages in the whole source
    document_frequency: Mapping[str, int]  # term -> passages of the source containing it

    @classmethod
    def of(cls, passages: Iterable[Passage]) -> "Corpus":
        """A small source scored whole (everything is a candidate)."""
        passages = list(passages)
        return cls(passages, len(passages), Counter(t for p in passages for t in p.terms))


def knowledge_base(terms: frozenset[str]) -> Corpus:
    size, frequency = _knowledge_statistics()
    rows = selectors.knowledge_passage_candidates(terms, limit=CANDIDATES)
    return Corpus(
        [
            Passage(
                source=row.title,
                text=row.text,
                terms=frozenset(row.terms.split()),
                key=f"article:{row.article_id}",
                position=row.position,
            )
            for row in rows
        ],
        size,
        frequency,
    )


@functools.lru_cache(maxsize=4096)
def _canned_terms(pk, updated_at, title: str, body: str) -> frozenset[str]:
    """A response's search terms, worked out once per version of it (stemming is costly)."""
    return frozenset(text.terms(f"{title} {body}"))


def canned_responses(variables: Mapping[str, str]) -> Callable[[frozenset[str]], Corpus]:
    """The team's canned responses (never an agent's personal ones), scored whole: a team
    keeps tens or hundreds of them, not thousands."""

    def source(terms: frozenset[str]) -> Corpus:
        responses = team_canned_responses().only("id", "shortcut", "title", "body", "updated_at")
        return Corpus.of(
            Passage(
                source=r.title or f"/{r.shortcut}",
                text=render_text(r.body, variables),
                terms=_canned_terms(r.pk, r.updated_at, r.title, r.body),
                key=f"canned:{r.pk}",
            )
            for r in responses
        )

    return source


SOURCES: list[Callable[[frozenset[str]], Corpus]] = [knowledge_base]


def sources_for(context) -> list[Callable[[frozenset[str]], Corpus]]:
    """Where to look for an answer to `context` (an `assist.suggestion.Context`)."""
    variables = {
        "visitor.name": context.visitor_name,
        "visitor.email": context.visitor_email,
        "agent.name": settings.AI_NAME,
    }
    return [*SOURCES, canned_responses(variables)]


# Term frequencies of the knowledge base, per process, recomputed when it changes: one
# small aggregate query per question instead of a scan.
_statistics_lock = threading.Lock()
_statistics: tuple[tuple, int, Counter] | None = None


def _knowledge_statistics() -> tuple[int, Counter]:
    global _statistics
    stamp = selectors.knowledge_stamp()
    with _statistics_lock:
        if _statistics is not None and _statistics[0] == stamp:
            return _statistics[1], _statistics[2]
    size, frequency = selectors.knowledge_term_counts()
    with _statistics_lock:
        _statistics = (stamp, size, frequency)
    return size, frequency
