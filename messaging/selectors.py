"""Reads of message history: pages by seq and catch-up by version."""

from dataclasses import dataclass

from conversations.models import Conversation
from livechat.errors import ValidationFailed
from messaging.models import Message

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass
class MessagePage:
    results: list[Message]
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
        msg = f"Must be an integer >= {minimum}."
        raise ValidationFailed(f"{name}: {msg}", errors={name: [msg]})
    return number


def parse_page_params(params) -> dict:
    limit = _int_param("limit", params.get("limit"), minimum=1)
    return {
        "after_seq": _int_param("after_seq", params.get("after_seq")),
        "before_seq": _int_param("before_seq", params.get("before_seq")),
        "since_version": _int_param("since_version", params.get("since_version")),
        "limit": min(limit or DEFAULT_LIMIT, MAX_LIMIT),
    }


def message_page(
    *,
    conversation: Conversation,
    after_seq: int | None = None,
    before_seq: int | None = None,
    since_version: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> MessagePage:
    """A page of `conversation`'s messages, always returned in `seq` order.

    - `since_version=V`: messages whose version > V, oldest change first; when cut by
      `limit`, `version` is the last change returned, so asking again from it continues.
    - `before_seq=N`: the `limit` messages just before N (scrolling up).
    - `after_seq=N`: the `limit` messages just after N.
    - none: the latest `limit` messages.
    The filters combine. `version` is the conversation's as loaded before the messages
    are read, so a change racing with this read is returned again next time, never skipped.
    """
    version = conversation.version
    qs = Message.objects.filter(conversation_id=conversation.pk).select_related(
        "sender_agent", "sender_visitor"
    )
    if after_seq is not None:
        qs = qs.filter(seq__gt=after_seq)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)

    if since_version is not None:
        rows = list(qs.filter(version__gt=since_version).order_by("version")[: limit + 1])
        has_more = len(rows) > limit
        rows = rows[:limit]
        if has_more:
            version = rows[-1].version
        rows.sort(key=lambda m: m.seq)
        return MessagePage(rows, has_more, version)

    if after_seq is not None:
        rows = list(qs.order_by("seq")[: limit + 1])
        has_more = len(rows) > limit
        return MessagePage(rows[:limit], has_more, version)

    rows = list(qs.order_by("-seq")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return MessagePage(rows, has_more, version)
