"""Where the retrieval looks for answers: one function per source, listed in SOURCES.

A source takes the question's search terms and returns a `Corpus`: the passages that share
a term with it, plus how common each term is in the whole source (to weigh rare words
over common ones). `assist.retrieval` scores every source's passages the same way.

Adding a source (the team's canned responses, once they exist) is one function of this
shape appended to SOURCES, e.g.:

    def team_canned_responses(terms):
        return Corpus.of([Passage(source=r.title, text=r.body, key=f"canned:{r.pk}",
                                  terms=frozenset(text.terms(f"{r.title} {r.body}")))
                          for r in CannedResponse.objects.filter(scope="team")])
"""

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from assist import selectors

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


SOURCES: list[Callable[[frozenset[str]], Corpus]] = [knowledge_base]


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
