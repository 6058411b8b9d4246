"""How well the `retrieval` provider finds answers, on a fixed set (quality_set.py): the right
article first for at least 85% of the questions, in English and Indonesian, quoting the
passage in the question's language; and never confident enough to answer by itself a
question that no article answers. `-s` prints the figures (docs/architecture.md has them)."""

import pytest

from assist import retrieval, text
from assist.services import knowledge_article_create
from conversations.actors import Actor
from tests.assist.quality_set import ARTICLES, QUESTIONS, UNANSWERABLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def quality_articles(db) -> dict[str, str]:
    """The set's articles; returns title -> key."""
    return {
        knowledge_article_create(actor=Actor.system(), title=title, body=body).title: key
        for key, (title, body) in ARTICLES.items()
    }


def test_the_right_article_comes_first_in_both_languages(quality_articles, settings):
    right, in_language, confident, misses = 0, 0, 0, []
    for question, expected in QUESTIONS:
        found = retrieval.rank(question)
        first = quality_articles.get(found[0].source) if found else None
        if first == expected:
            right += 1
            asked_in = text.language(question)
            in_language += asked_in is None or text.language(found[0].text) == asked_in
            confident += found[0].score >= settings.AI_REPLY_MIN_SCORE
        else:
            misses.append((question, expected, first, found[0].score if found else None))
    total = len(QUESTIONS)
    print(
        f"\nretrieval: right article first {right}/{total} ({right / total:.0%}); "
        f"passage in the question's language {in_language}/{right}; "
        f"confident enough to answer (>= {settings.AI_REPLY_MIN_SCORE}) {confident}/{right}"
    )
    for miss in misses:
        print("  miss:", miss)
    assert total >= 20 and len({q for q, _ in QUESTIONS}) == total
    assert right / total >= 0.85, misses
    assert in_language / right >= 0.85


def test_no_answer_is_confident_for_questions_none_answers(quality_articles, settings):
    best = {q: max((s.score for s in retrieval.rank(q)), default=0.0) for q in UNANSWERABLE}
    print(f"\nunanswerable: best scores {sorted(round(s, 2) for s in best.values())}")
    assert len(best) >= 8
    too_sure = {q: s for q, s in best.items() if s >= settings.AI_REPLY_MIN_SCORE}
    assert not too_sure


def test_scores_are_between_zero_and_one_and_at_most_three(quality_articles):
    for question, _ in QUESTIONS:
        found = retrieval.rank(question)
        assert len(found) <= 3
        assert all(0.0 <= s.score <= 1.0 for s in found)
        assert len({s.source for s in found}) == len(found)  # one passage per article
        scores = [s.score for s in found]
        assert scores == sorted(scores, reverse=True)
