"""Every change to canned responses, and filling one in for a conversation.

The services are the only validators: REST and the admin go through them alike.
"""

import re

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from canned.models import (
    MAX_BODY_LENGTH,
    MAX_SHORTCUT_LENGTH,
    MAX_TITLE_LENGTH,
    CannedResponse,
    CannedScope,
)
from canned.selectors import access_canned_response
from conversations.access import access_conversation
from conversations.actors import Actor, user_display_name
from conversations.models import Conversation
from livechat.errors import Conflict, Forbidden, ValidationFailed
from livechat.text import clean_text

SHORTCUT_RE = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_SHORTCUT_LENGTH}}}")
# `{{ visitor.name }}`: spaces inside the braces are allowed, as people type them.
VARIABLE_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")

UNSET = object()


def clean_shortcut(shortcut) -> str:
    if not isinstance(shortcut, str):
        raise ValidationFailed.field("shortcut", "This field is required and must be a string.")
    shortcut = shortcut.strip().removeprefix("/")
    if not SHORTCUT_RE.fullmatch(shortcut):
        raise ValidationFailed.field(
            "shortcut",
            f"Use 1 to {MAX_SHORTCUT_LENGTH} letters, digits, '-' or '_' (no spaces).",
        )
    return shortcut


def clean_title(title) -> str:
    return clean_text(
        "title", title, max_length=MAX_TITLE_LENGTH, allow_blank=True, missing_is_blank=True
    )


def clean_canned_body(body) -> str:
    return clean_text("body", body, max_length=MAX_BODY_LENGTH)


def clean_scope(scope) -> str:
    if scope is None:
        return CannedScope.PERSONAL
    if scope not in CannedScope.values:
        raise ValidationFailed.field("scope", "Must be team or personal.")
    return scope


def _taken(*, shortcut: str, scope: str, owner, exclude=None) -> bool:
    qs = CannedResponse.objects.annotate(lower=Lower("shortcut")).filter(
        lower=shortcut.lower(), scope=scope, owner=owner
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.exists()


def _save_unique(canned: CannedResponse, *, creating: bool) -> None:
    """Save, turning a taken shortcut into a clear 409 (checked first for the message,
    and by the database constraint for two saves racing)."""
    if _taken(
        shortcut=canned.shortcut,
        scope=canned.scope,
        owner=canned.owner,
        exclude=None if creating else canned,
    ):
        raise _shortcut_conflict(canned)
    try:
        with transaction.atomic():
            canned.save()
    except IntegrityError:
        raise _shortcut_conflict(canned) from None


def _shortcut_conflict(canned: CannedResponse) -> Conflict:
    where = "the team's" if canned.scope == CannedScope.TEAM else "your"
    return Conflict(f"shortcut: /{canned.shortcut} is already one of {where} responses.")


def canned_response_create(
    *, actor: Actor, shortcut=None, title=None, body=None, scope=None
) -> CannedResponse:
    if not actor.is_agent:
        raise Forbidden("Only agents can create canned responses.")
    canned = CannedResponse(
        shortcut=clean_shortcut(shortcut),
        title=clean_title(title),
        body=clean_canned_body(body),
        scope=clean_scope(scope),
    )
    if canned.scope == CannedScope.TEAM:
        if not actor.is_supervisor:
            raise Forbidden("Only supervisors can create team responses.")
    else:
        canned.owner = actor.user
    _save_unique(canned, creating=True)
    return canned


def canned_response_update(
    *, actor: Actor, canned_id, shortcut=UNSET, title=UNSET, body=UNSET, scope=UNSET
) -> CannedResponse:
    """Change the shortcut, title or body; the scope of a response is fixed at creation."""
    changes = {}
    if shortcut is not UNSET:
        changes["shortcut"] = clean_shortcut(shortcut)
    if title is not UNSET:
        changes["title"] = clean_title(title)
    if body is not UNSET:
        changes["body"] = clean_canned_body(body)
    canned = access_canned_response(actor=actor, canned_id=canned_id, write=True)
    if scope is not UNSET and scope != canned.scope:
        raise ValidationFailed.field(
            "scope", "The scope cannot be changed; create a new response instead."
        )
    changes = {k: v for k, v in changes.items() if getattr(canned, k) != v}
    if not changes:
        return canned
    for name, value in changes.items():
        setattr(canned, name, value)
    _save_unique(canned, creating=False)
    return canned


def canned_response_delete(*, actor: Actor, canned_id) -> None:
    canned = access_canned_response(actor=actor, canned_id=canned_id, write=True)
    canned.delete()


def render_text(template: str, variables: dict[str, str]) -> str:
    """Fill in `{{name}}` variables; an unknown or empty one becomes an empty string. Plain
    substitution, never a template language: a response cannot reach anything else."""
    return VARIABLE_RE.sub(lambda match: variables.get(match.group(1)) or "", template)


def canned_response_render(*, actor: Actor, canned_id, conversation_id=None) -> str:
    """The response's text with the conversation's visitor and the agent filled in."""
    canned = access_canned_response(actor=actor, canned_id=canned_id)
    if conversation_id is None or conversation_id == "":
        raise ValidationFailed.field("conversation_id", "This field is required.")
    conversation = access_conversation(
        actor=actor,
        conversation_id=conversation_id,
        queryset=Conversation.objects.select_related("visitor"),
    )
    visitor = conversation.visitor
    return render_text(
        canned.body,
        {
            "visitor.name": visitor.name,
            "visitor.email": visitor.email or "",
            "agent.name": user_display_name(actor.user),
        },
    )
