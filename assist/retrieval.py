"""Ranking passages against a visitor's question: the `retrieval` provider, and the grounding
of the `openai` one.

The score of a passage is the share of the question's meaning it contains: each search
term of the question weighs its inverse document frequency (a word in every article, like
"order", weighs little; "gopay" weighs a lot), and the score is the weight of the terms the
passage (or its article's title) contains over the weight of all of them. So it is 0..1
and means the same on every database: the database only finds candidates (full-text search
on PostgreSQL), the score is computed here. 0.6 (AI_REPLY_MIN_SCORE's default) means
"most of what was asked, and the rarest words of it, are in this passage".

The visitor's earlier messages of the same turn count at half weight; a passage scores
the better of the question alone and the question in that context, so context can help a
short follow-up ("and to Bali?") but never hurts a complete question. A passage's score
also counts, at ARTICLE_WEIGHT, what its whole article holds.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from assist import text
from assist.sources import SOURCES, Corpus, Passage
from assist.suggestion import MAX_SUGGESTIONS, Suggestion

# A passage is worth an agent's look when it holds at least this share of what the question
# asks that the source knows words for: "Do you ship to Makassar?" scores low (a place no
# article names), yet the shipping article is the one to read. Only the score (all of the
# question) decides whether the AI answers by itself.
SUGGEST_MIN_SCORE = 0.3
# ... and scores at least this share of the best one: next to a 100% answer, a 37% one is noise.
RELATIVE_MIN_SCORE = 0.5
EARLIER_WEIGHT = 0.5
# A passage's score blends what it holds itself with what its whole article holds: an
# answer split over two paragraphs still scores, a long article matching a word here and
# a word there does not.
ARTICLE_WEIGHT = 0.3


@dataclass(frozen=True)
class Query:
    alone: Mapping[str, float]  # the question's terms
    in_context: Mapping[str, float]  # and the earlier messages', at EARLIER_WEIGHT

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(self.in_context)


def make_query(question: str, earlier: Iterable[str] = ()) -> Query:
    alone = dict.fromkeys(text.terms(question), 1.0)
    in_context = {term: EARLIER_WEIGHT for message in earlier for term in text.terms(message)}
    in_context.update(alone)
    return Query(alone, in_context)


def _idf(corpus: Corpus) -> Callable[[str], float]:
    n = corpus.size
    frequency = corpus.document_frequency

    def idf(term: str) -> float:
        df = frequency.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))  # BM25's: positive, highest if unseen

    return idf


def _coverage(weights: Mapping[str, float], terms: frozenset[str], idf) -> float:
    total = sum(weight * idf(term) for term, weight in weights.items())
    if total <= 0:
        return 0.0
    return sum(weight * idf(term) for term, weight in weights.items() if term in terms) / total


def _score(query: Query, terms: frozenset[str], idf) -> float:
    return max(_coverage(query.alone, terms, idf), _coverage(query.in_context, terms, idf))


def _blend(query: Query, passage: frozenset[str], article: frozenset[str], idf) -> float:
    """What the passage holds, and (at ARTICLE_WEIGHT) what its whole article holds."""
    return (1 - ARTICLE_WEIGHT) * _score(query, passage, idf) + ARTICLE_WEIGHT * _score(
        query, article, idf
    )


def rank(
    question: str,
    earlier: Iterable[str] = (),
    *,
    sources: Iterable[Callable[[frozenset[str]], Corpus]] = SOURCES,
    limit: int = MAX_SUGGESTIONS,
    min_score: float = SUGGEST_MIN_SCORE,
) -> list[Suggestion]:
    """The best passage of each of the best-matching articles, best first."""
    query = make_query(question, earlier)
    if not query.in_context:
        return []  # "hi", "ok?": nothing asked yet
    best: list[tuple[tuple, Passage]] = []
    for source in sources:
        corpus = source(query.terms)
        idf = _idf(corpus)
        known = Query(
            {t: w for t, w in query.alone.items() if corpus.document_frequency.get(t)},
            {t: w for t, w in query.in_context.items() if corpus.document_frequency.get(t)},
        )
        by_key: dict[str, list[Passage]] = {}
        for passage in corpus.candidates:
            by_key.setdefault(passage.key, []).append(passage)
        for passages in by_key.values():
            article = frozenset().union(*(p.terms for p in passages))
            title = frozenset(text.terms(passages[0].source))
            ranked = []
            for passage in passages:
                score = _blend(query, passage.terms, article, idf)
                # Ties go to the article whose title says it, then to the passage whose
                # own text holds more of the question, then to the earlier passage.
                own = frozenset(text.terms(passage.text))
                key = (
                    round(score, 6),
                    _coverage(query.alone, title, idf),
                    _coverage(query.alone, own, idf),
                    -passage.position,
                )
                ranked.append((key, passage))
            key, passage = max(ranked, key=lambda item: item[0])
            if _blend(known, passage.terms, article, idf) >= min_score:
                best.append((key, passage))
    best.sort(key=lambda item: item[0], reverse=True)
    floor = best[0][0][0] * RELATIVE_MIN_SCORE if best else 0
    return [
        Suggestion(text=passage.text, source=passage.source, score=key[0])
        for key, passage in best[:limit]
        if key[0] >= floor
    ]
