"""What a provider is given (`Context`) and what it gives back (`Suggestion`)."""

from dataclasses import dataclass

# PROTOCOL section 8: "up to 3 suggestions".
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Suggestion:
    text: str
    source: str  # the article (or canned response) it comes from, as agents see it
    score: float  # 0..1: how well it answers the visitor; AI_REPLY_MIN_SCORE applies to it
    # Whether the AI may send `text` to the visitor as its answer. Quotes an `openai`
    # provider only uses as grounding are shown to agents but never sent as they are.
    replyable: bool = True

    def to_wire(self) -> dict:
        return {"text": self.text, "source": self.source, "score": round(self.score, 3)}


@dataclass(frozen=True)
class Context:
    """The visitor message to answer and what a provider may know around it."""

    conversation_id: str
    message_id: str
    seq: int
    question: str
    # The visitor's messages just before it, since the team last spoke, oldest first: a
    # question is often typed in pieces ("hi", "I ordered beans", "when do they ship?").
    earlier: tuple[str, ...]
    # The end of the conversation as `(sender type, body)`, oldest first, `question` last.
    transcript: tuple[tuple[str, str], ...]
    # The language the AI speaks to this visitor in (`en` or `id`).
    language: str
    # What a team canned response's `{{visitor.name}}` / `{{visitor.email}}` become.
    visitor_name: str = ""
    visitor_email: str = ""
    # Whether the AI answered this conversation when the context was read (`ai_enabled`, no
    # agent reply, not closed); checked again under the conversation's lock before acting.
    ai_answering: bool = False
