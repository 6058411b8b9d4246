"""The canned response object of the wire contract (PROTOCOL section 7)."""

from canned.models import CannedResponse
from conversations.actors import user_display_name
from livechat.wire import iso_datetime


def serialize_canned_response(canned: CannedResponse) -> dict:
    owner = canned.owner
    return {
        "id": str(canned.pk),
        "shortcut": canned.shortcut,
        "title": canned.title,
        "body": canned.body,
        "scope": canned.scope,
        "owner": None if owner is None else {"id": str(owner.pk), "name": user_display_name(owner)},
        "updated_at": iso_datetime(canned.updated_at),
    }
