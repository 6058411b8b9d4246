"""The `openai` provider: any OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI's
v1 API, vLLM, Ollama, LM Studio …) at `AI_BASE_URL`, model `AI_MODEL`, key `AI_API_KEY`.

The model gets the knowledge base's best passages (the `retrieval` ranking) and the end of
the conversation, and is told to answer only from those passages and to say NO_ANSWER when
they do not answer. Its answer scores what its best passage scored: the AI answers a
visitor by itself only when the knowledge base really holds the answer, whatever the model
claims. The passages stay suggestions too, for the agents; they are never sent as such.

Anything unexpected from the endpoint (an HTTP error, a body that is not a completion, an
empty or oversized answer) raises `ProviderError`: no suggestion for that message.
"""

import logging

import httpx
from django.conf import settings

from assist import retrieval
from assist.runner import database
from assist.sources import sources_for
from assist.suggestion import MAX_SUGGESTIONS, Context, Suggestion
from messaging.models import MAX_BODY_LENGTH

logger = logging.getLogger(__name__)

NO_ANSWER = "NO_ANSWER"
LANGUAGE_NAMES = {"en": "English", "id": "Indonesian (Bahasa Indonesia)"}
# The conversation's roles as the chat-completions API names them (system notes are left out).
ROLES = {"visitor": "user", "agent": "assistant", "ai": "assistant"}
MAX_ANSWER_TOKENS = 400

PROMPT = """You are {name}, the assistant of a customer-support team, replying to a visitor \
in a live chat on the team's website.
Answer the visitor's last message using ONLY the numbered sources below.
- Write in {language}, in plain text (no Markdown), in at most four short sentences.
- Never state a price, date, policy or promise that the sources do not state.
- If the sources do not answer the message, or it needs a person (looking up an order, a \
complaint), reply with exactly {no_answer} and nothing else.

Sources:
{sources}"""


class ProviderError(Exception):
    pass


class OpenAICompatibleProvider:
    async def suggest(self, context: Context) -> list[Suggestion]:
        grounding = await database(retrieval.rank)(
            context.question, context.earlier, sources=sources_for(context)
        )
        if not grounding:
            return []  # nothing to answer from: no need to ask
        answer = await self.complete(self.messages(context, grounding))
        found = []
        if answer is not None:
            # Named after the passages that could answer on their own (or the best one).
            sure = [s for s in grounding if s.score >= settings.AI_REPLY_MIN_SCORE]
            titles = list(dict.fromkeys(s.source for s in sure or grounding[:1]))
            found.append(
                Suggestion(text=answer, source=", ".join(titles)[:200], score=grounding[0].score)
            )
        found += [
            Suggestion(s.text, s.source, s.score, replyable=False)
            for s in grounding[: MAX_SUGGESTIONS - len(found)]
        ]
        return found

    def can_suggest(self) -> bool:
        # Grounded in the retrieval's passages: without sources it never asks.
        from assist.providers import RetrievalProvider

        return RetrievalProvider().can_suggest()

    def messages(self, context: Context, grounding: list[Suggestion]) -> list[dict]:
        sources = "\n\n".join(
            f"[{i}] {s.source}\n{s.text}" for i, s in enumerate(grounding, start=1)
        )
        system = PROMPT.format(
            name=settings.AI_NAME,
            language=LANGUAGE_NAMES.get(context.language, LANGUAGE_NAMES["en"]),
            no_answer=NO_ANSWER,
            sources=sources,
        )
        turns = [
            {"role": ROLES[kind], "content": body}
            for kind, body in context.transcript
            if kind in ROLES and body
        ]
        return [{"role": "system", "content": system}, *turns]

    async def complete(self, messages: list[dict]) -> str | None:
        """The model's answer; None when it says the sources do not answer."""
        headers = {}
        if settings.AI_API_KEY:
            # Bearer for OpenAI and most servers; `api-key` for Azure OpenAI.
            key = settings.AI_API_KEY
            headers = {"Authorization": f"Bearer {key}", "api-key": key}
        body = {
            "model": settings.AI_MODEL,
            "messages": messages,
            "temperature": 0.2,
            "max_tokens": MAX_ANSWER_TOKENS,
        }
        async with httpx.AsyncClient(timeout=settings.AI_TIMEOUT) as client:
            try:
                response = await client.post(
                    f"{settings.AI_BASE_URL}/chat/completions", json=body, headers=headers
                )
            except httpx.HTTPError as exc:
                raise ProviderError(f"{type(exc).__name__} from the AI endpoint") from exc
        if response.status_code != 200:
            raise ProviderError(f"the AI endpoint answered HTTP {response.status_code}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderError("the AI endpoint's answer is not a chat completion") from exc
        return clean_answer(content)


def clean_answer(content) -> str | None:
    if not isinstance(content, str):
        raise ProviderError("the completion's content is not text")
    content = content.strip()
    if NO_ANSWER in content.upper():
        return None
    if not content or len(content) > MAX_BODY_LENGTH or "\x00" in content:
        raise ProviderError("the completion is empty, too long or not text")
    return content
