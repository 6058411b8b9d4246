"""The knowledge-base article and the suggestions, as REST and the WebSocket send them (built
by hand, like `messaging.wire`; `assist.serializers` describes them for OpenAPI)."""

from conversations.actors import user_display_name
from livechat.wire import iso_datetime


def serialize_article(article) -> dict:
    editor = article.updated_by
    return {
        "id": str(article.pk),
        "title": article.title,
        "body": article.body,
        "active": article.active,
        "created_at": iso_datetime(article.created_at),
        "updated_at": iso_datetime(article.updated_at),
        "updated_by": None
        if editor is None
        else {"id": str(editor.pk), "name": user_display_name(editor)},
    }


def serialize_suggestions(*, conversation_id, message_id, suggestions: list[dict]) -> dict:
    """`ai_suggestion`'s payload, and what `GET conversations/<id>/suggestions/` answers."""
    return {
        "conversation_id": str(conversation_id),
        "message_id": None if message_id is None else str(message_id),
        "suggestions": suggestions,
    }
