"""What agents see about a visitor in the side panel: where they are, on what, what time it
is for them, and whether they came before.

The user agent is parsed with `ua-parser` (the maintained port of the Browserscope / uap-core
rules, updated monthly through `ua-parser-builtins`): user agents are too varied and change
too often for a hand-written parser to stay right. Parsing happens when agents read the
context, never on the visitor's path, and is cached per user agent string.
"""

from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings

from conversations.models import Conversation, Visitor
from conversations.wire import serialize_visitor
from livechat.origins import normalize_origin
from livechat.wire import iso_datetime

MAX_PAGE_URL_LENGTH = 2000


def page_origin_and_path(url) -> str:
    """`https://shop.example/cart` of any http(s) URL: the query string and fragment can carry
    tokens, emails or order numbers, and a `user:password@` part certainly does, so they are
    never stored. Anything else is blank."""
    if not isinstance(url, str) or not url:
        return ""
    try:
        parts = urlsplit(url.strip())
        origin = normalize_origin(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not origin:
        return ""
    return f"{origin}{parts.path or '/'}"[:MAX_PAGE_URL_LENGTH]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def clean_time_zone(value) -> str:
    """An IANA time zone name the server knows (`Asia/Jakarta`), or blank."""
    if not isinstance(value, str) or not value or len(value) > 64 or value not in _zones():
        return ""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return value


def clean_language(value) -> str:
    """One of settings.LANGUAGES (`id-ID` counts as `id`), or blank."""
    if not isinstance(value, str):
        return ""
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in dict(settings.LANGUAGES) else ""


def _version(part) -> str:
    return ".".join(p for p in (part.major, part.minor) if p) if part else ""


@lru_cache(maxsize=2048)
def parse_user_agent(user_agent: str) -> dict:
    """`{"browser": {"name", "version"}, "os": {"name", "version"}, "device": str|None}`;
    names are blank for an unknown or empty user agent."""
    from ua_parser import parse  # the rules load on first use: only agents pay for it

    result = parse(user_agent or "")
    browser, os, device = result.user_agent, result.os, result.device
    return {
        "browser": {
            "name": browser.family if browser and browser.family != "Other" else "",
            "version": _version(browser),
        },
        "os": {
            "name": os.family if os and os.family != "Other" else "",
            "version": _version(os),
        },
        "device": device.family if device and device.family not in ("Other", "Mac") else None,
    }


def earlier_conversations(visitor: Visitor) -> int:
    """Conversations the same person had before, as far as we can tell: a visitor has one
    conversation per widget session, so these are other visitors' with the same email."""
    if not visitor.email:
        return 0
    return (
        Conversation.objects.filter(
            visitor__email__iexact=visitor.email, created_at__lt=visitor.created_at
        )
        .exclude(visitor_id=visitor.pk)
        .count()
    )


def visitor_detail(visitor: Visitor) -> dict:
    """The Visitor object, with what the dashboard's side panel shows."""
    conversation_id = (
        Conversation.objects.filter(visitor_id=visitor.pk).values_list("pk", flat=True).first()
    )
    return {
        **serialize_visitor(visitor),
        "conversation_id": None if conversation_id is None else str(conversation_id),
        "page_url": visitor.page_url,
        **parse_user_agent(visitor.user_agent),
        "language": visitor.language,
        "time_zone": visitor.time_zone,
        "first_seen_at": iso_datetime(visitor.created_at),
        "last_seen_at": iso_datetime(visitor.last_seen_at),
        "earlier_conversations": earlier_conversations(visitor),
    }
