"""The AI providers behind one small interface: `await provider.suggest(context)` returns up to
three `Suggestion`s, best first (PROTOCOL section 8, `AI_PROVIDER`).

- `retrieval` (the default, no network): the knowledge base's best passages (assist.retrieval).
- `openai`: an OpenAI-compatible chat-completions endpoint, grounded in the same passages
  (assist.llm).
- `off`: nothing.

A provider may raise or be slow: the caller bounds it by `AI_TIMEOUT` and treats either as
"no suggestion".
"""

from typing import Protocol

from django.conf import settings

from assist import retrieval
from assist.models import KnowledgeArticle
from assist.runner import database
from assist.sources import sources_for
from assist.suggestion import Context, Suggestion
from canned.selectors import team_canned_responses


class Provider(Protocol):
    async def suggest(self, context: Context) -> list[Suggestion]: ...

    def can_suggest(self) -> bool:
        """Whether `suggest` could return anything at all (synchronous: database)."""
        ...


class RetrievalProvider:
    async def suggest(self, context: Context) -> list[Suggestion]:
        return await database(retrieval.rank)(
            context.question, context.earlier, sources=sources_for(context)
        )

    def can_suggest(self) -> bool:
        # Its only sources: with neither, every question scores nothing.
        return (
            KnowledgeArticle.objects.filter(active=True).exists()
            or team_canned_responses().exists()
        )


class OffProvider:
    async def suggest(self, context: Context) -> list[Suggestion]:
        return []

    def can_suggest(self) -> bool:
        return False


def get_provider() -> Provider:
    """The configured provider (read at each use, so settings can change under tests)."""
    if settings.AI_PROVIDER == "openai":
        from assist.llm import OpenAICompatibleProvider

        return OpenAICompatibleProvider()
    if settings.AI_PROVIDER == "retrieval":
        return RetrievalProvider()
    return OffProvider()


def ai_can_answer() -> bool:
    """Whether the AI could answer anything at all: what `ai_enabled` of new conversations
    defaults to when AI_DEFAULT_ENABLED is unset (PROTOCOL section 8)."""
    if settings.AI_PROVIDER == "openai":
        return True
    if settings.AI_PROVIDER == "retrieval":
        return KnowledgeArticle.objects.filter(active=True).exists()
    return False
