"""Reads of message history: pages by seq and catch-up by version (REST and `sync`).

Every answer is bounded (PROTOCOL section 5): at most `limit` (≤ 200) messages and at most
`PAGE_MAX_BYTES` of encoded JSON. A page cut short says `has_more`; a `since_version` page
then carries the version of its last message, so asking again from it continues.
"""

from dataclasses import dataclass

from django.conf import settings

from conversations.models import Conversation
from livechat.errors import ValidationFailed
from livechat.wire import encoded_length
from messaging.models import Message

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# The answer's envelope (`has_more`, `version`, an ack's `request_id`) needs a little room.
ENVELOPE_BYTES = 1024


@dataclass
class MessagePage:
    messages: list[dict]  # wire Message objects, in seq order
    has_more: bool
    version: int


def _int_param(name: str, value, *, minimum: int = 0) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or number < minimum:
        raise ValidationFailed.field(name, f"Must be an integer >= {minimum}.")
    return number


def parse_page_params(params) -> dict:
    limit = _int_param("limit", params.get("limit"), minimum=1)
    return {
        "after_seq": _int_param("after_seq", params.get("after_seq")),
        "before_seq": _int_param("before_seq", params.get("before_seq")),
        "since_version": _int_param("since_version", params.get("since_version")),
        "limit": min(limit or DEFAULT_LIMIT, MAX_LIMIT),
    }


def _within_budget(
    rows: list[Message], limit: int, *, for_visitor: bool = False
) -> tuple[list[dict], bool]:
    """`rows` (limit + 1 asked for) serialized, in their order, as many as fit in `limit`
    messages and the byte budget; always at least one, so a client never stalls."""
    budget = int(settings.LIVECHAT["PAGE_MAX_BYTES"]) - ENVELOPE_BYTES
    messages: list[dict] = []
    used = 0
    for row in rows[:limit]:
        wire = row.to_wire(for_visitor=for_visitor)
        used += encoded_length(wire) + 1  # and its comma
        if messages and used > budget:
            return messages, True
        messages.append(wire)
    return messages, len(rows) > limit


def message_page(
    *,
    conversation: Conversation,
    after_seq: int | None = None,
    before_seq: int | None = None,
    since_version: int | None = None,
    limit: int = DEFAULT_LIMIT,
    for_visitor: bool = False,
) -> MessagePage:
    """A page of `conversation`'s messages, always returned in `seq` order.

    - `since_version=V`: messages whose version > V, oldest change first; when cut,
      `version` is the last change returned, so asking again from it continues.
    - `before_seq=N`: the messages just before N (scrolling up).
    - `after_seq=N`: the messages just after N.
    - none: the latest messages.
    The filters combine. `version` is otherwise the conversation's, as loaded before the
    messages are read, so a change racing with this read is returned again, never skipped.
    `for_visitor`: no private notes, and every number (filters, answer) in the visitor's
    numbering, which notes do not advance (docs/protocol.md, "Private notes").
    """
    limit = min(limit, MAX_LIMIT)
    seq, ver = ("visitor_seq", "visitor_version") if for_visitor else ("seq", "version")
    version = conversation.visitor_version if for_visitor else conversation.version
    qs = Message.objects.filter(conversation_id=conversation.pk).select_related(
        "sender_agent", "sender_visitor"
    )
    if for_visitor:
        qs = qs.filter(internal=False)
    if after_seq is not None:
        qs = qs.filter(**{f"{seq}__gt": after_seq})
    if before_seq is not None:
        qs = qs.filter(**{f"{seq}__lt": before_seq})

    if since_version is not None:
        rows = list(qs.filter(**{f"{ver}__gt": since_version}).order_by(ver)[: limit + 1])
        messages, has_more = _within_budget(rows, limit, for_visitor=for_visitor)
        if has_more:
            version = messages[-1]["version"]
        messages.sort(key=lambda m: m["seq"])
        return MessagePage(messages, has_more, version)

    if after_seq is not None:
        rows = list(qs.order_by(seq)[: limit + 1])
        messages, has_more = _within_budget(rows, limit, for_visitor=for_visitor)
        return MessagePage(messages, has_more, version)

    # The latest messages (before `before_seq`): newest first, so a cut drops the oldest.
    rows = list(qs.order_by(f"-{seq}")[: limit + 1])
    messages, has_more = _within_budget(rows, limit, for_visitor=for_visitor)
    messages.reverse()
    return MessagePage(messages, has_more, version)
