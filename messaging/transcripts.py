"""Transcripts for `manage.py livechat_export`: conversations with their messages, read in
chunks so an export of any size runs in bounded memory, as JSON lines or CSV rows."""

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from conversations.models import Conversation
from conversations.selectors import conversation_queryset
from conversations.wire import serialize_conversation
from messaging.models import Message

CHUNK = 200
CSV_COLUMNS = [
    "conversation_id",
    "conversation_created_at",
    "status",
    "visitor_name",
    "visitor_email",
    "assignee",
    "seq",
    "message_id",
    "created_at",
    "sender_type",
    "sender_name",
    "body",
    "edited_at",
    "deleted",
]
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def conversations_created(start: datetime, end: datetime) -> list:
    """Ids of the conversations created in [start, end), oldest first."""
    return list(
        Conversation.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )


def transcripts(ids: list) -> Iterator[tuple[dict, list[dict]]]:
    """(Conversation, [Message…]) as the contract shows them, `CHUNK` conversations a query."""
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        conversations = conversation_queryset().in_bulk(chunk)
        by_conversation: dict = {pk: [] for pk in chunk}
        rows = (
            Message.objects.filter(conversation_id__in=chunk)
            .select_related("sender_agent", "sender_visitor")
            .order_by("conversation_id", "seq")
        )
        for message in rows:
            by_conversation[message.conversation_id].append(message.to_wire())
        for pk in chunk:
            if pk in conversations:  # erased meanwhile
                yield serialize_conversation(conversations[pk]), by_conversation[pk]


def write_jsonl(out: IO[str], items) -> Iterator[None]:
    for conversation, messages in items:
        out.write(
            json.dumps({"conversation": conversation, "messages": messages}, ensure_ascii=False)
            + "\n"
        )
        yield


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(out: IO[str], items) -> Iterator[None]:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for conversation, messages in items:
        visitor, assignee = conversation["visitor"], conversation["assignee"]
        for m in messages:
            row = [
                conversation["id"],
                conversation["created_at"],
                conversation["status"],
                visitor["name"],
                visitor["email"],
                assignee["name"] if assignee else "",
                m["seq"],
                m["id"],
                m["created_at"],
                m["sender"]["type"],
                m["sender"]["name"],
                m["body"],
                m["edited_at"],
                "true" if m["deleted"] else "false",
            ]
            writer.writerow([_cell(v) for v in row])
        yield
