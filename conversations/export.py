"""Everything stored about a visitor, for `manage.py livechat_export_visitor` (a subject
access request): the conversation as the contract shows it, and every stored row that
erasure would delete (so the two always agree), with the files those rows hold.
"""

import json
import os
import zipfile
from typing import IO

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from conversations.erasure import collect
from conversations.models import Visitor
from conversations.selectors import visitor_conversation
from conversations.wire import serialize_conversation, serialize_visitor
from livechat.wire import iso_datetime

# A hash of the visitor's bearer token: a credential, not information about the person.
HIDDEN_FIELDS = {Visitor: {"token_hash"}}


def _records(rows_by_model: dict[type, list]) -> tuple[dict, list]:
    records, files = {}, []
    for model, rows in sorted(rows_by_model.items(), key=lambda item: item[0]._meta.label):
        hidden = HIDDEN_FIELDS.get(model, set())
        fields = [f.name for f in model._meta.concrete_fields if f.name not in hidden]
        serialized = serializers.serialize("python", rows, fields=fields)
        records[model._meta.label] = [{"id": row["pk"], **row["fields"]} for row in serialized]
        for row in rows:
            for f in model._meta.concrete_fields:
                stored = getattr(row, f.name) if isinstance(f, models.FileField) else None
                if stored:
                    files.append(
                        {
                            "model": model._meta.label,
                            "id": str(row.pk),
                            "field": f.name,
                            "name": stored.name,
                            "archive_path": f"files/{model._meta.label}/{row.pk}/"
                            + os.path.basename(stored.name),
                            "_file": stored,
                        }
                    )
    return records, files


def _conversation(visitor: Visitor) -> dict | None:
    conversation = visitor_conversation(visitor)
    if conversation is None:
        return None
    wire = serialize_conversation(conversation)
    messages = conversation.messages.select_related("sender_agent", "sender_visitor")
    wire["messages"] = [m.to_wire() for m in messages.order_by("seq")]
    return wire


def visitor_export(visitors: QuerySet[Visitor]) -> tuple[dict, list]:
    """The export document and the files it refers to (`_file`: the stored file)."""
    people, all_files = [], []
    for visitor in visitors.order_by("created_at"):
        records, files = _records(collect(Visitor.objects.filter(pk=visitor.pk)))
        people.append(
            {
                "visitor": serialize_visitor(visitor),
                "conversation": _conversation(visitor),
                "records": records,
                "files": [{k: v for k, v in f.items() if k != "_file"} for f in files],
            }
        )
        all_files += files
    document = {"exported_at": iso_datetime(timezone.now()), "visitors": people}
    return document, all_files


def export_json(document: dict) -> str:
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def write_zip(document: dict, files: list, out: IO[bytes]) -> None:
    """`export.json` and every stored file under `files/<model>/<id>/<name>`."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", export_json(document))
        for item in files:
            with item["_file"].open("rb") as handle:
                archive.writestr(item["archive_path"], handle.read())
