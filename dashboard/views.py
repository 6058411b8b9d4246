"""Pages served by the chat server itself: the agent dashboard (and its knowledge-base page for
supervisors), the widget iframe and the demo shop.

Plus two small read-only JSON helpers the pages need beyond the public REST API: the list of
agents (for "assign to…" and the presence panel) and the read marks of conversations (for the
unread badges and the ✓✓ receipts), which the wire contract's Conversation does not carry.
"""

import uuid
from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET
from django.views.i18n import JavaScriptCatalog

from assist.models import MAX_ARTICLE_LENGTH, MAX_TITLE_LENGTH
from conversations.actors import (
    AGENTS_GROUP,
    user_display_name,
    user_is_agent,
    user_is_supervisor,
)
from conversations.models import Conversation
from dashboard.widget_api import read_marks
from livechat.error_responses import error_response
from livechat.middleware import widget_frame_ancestors
from messaging.models import MAX_BODY_LENGTH
from realtime import presence

MAX_READ_STATE_IDS = 200


def home(request):
    return redirect("dashboard")


# A page for agents: anyone else is sent to the login page.
agent_required = user_passes_test(user_is_agent)


def agent_json(view):
    """A JSON helper for agents: anyone else gets the contract's 403 body."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not user_is_agent(request.user):
            return error_response("Only agents can do this.", "forbidden", 403)
        return view(request, *args, **kwargs)

    return wrapped


def _client_limits() -> dict:
    """Server limits the pages' JavaScript must agree with (static/livechat/limits.js)."""
    return {
        "max_body_length": MAX_BODY_LENGTH,
        "typing_timeout_ms": round(float(settings.LIVECHAT["TYPING_TIMEOUT"]) * 1000),
        "typing_throttle_ms": round(float(settings.LIVECHAT["TYPING_THROTTLE"]) * 1000),
        "attachment_max_bytes": int(settings.ATTACHMENT_MAX_BYTES),
    }


def _me(user) -> dict:
    return {"id": str(user.pk), "name": user_display_name(user)}


@never_cache
@agent_required
def dashboard(request):
    user = request.user
    ai = {
        # Off: no toggle, no "AI" tags, no suggestions panel (nothing would ever fill them).
        "active": settings.AI_PROVIDER != "off",
        "can_edit_knowledge": user_is_supervisor(user),
    }
    return render(
        request,
        "dashboard/index.html",
        {
            "me": _me(user),
            "limits": _client_limits(),
            "ai": ai,
            "is_supervisor": user_is_supervisor(user),
        },
    )


@never_cache
@agent_required
def knowledge(request):
    """Supervisors add and edit the knowledge base the AI answers from (REST `knowledge/`)."""
    if not user_is_supervisor(request.user):
        raise PermissionDenied
    limits = {"max_title_length": MAX_TITLE_LENGTH, "max_article_length": MAX_ARTICLE_LENGTH}
    return render(
        request,
        "dashboard/knowledge.html",
        {"me": _me(request.user), "limits": limits, "is_supervisor": True},
    )


@never_cache
@agent_required
def canned_responses(request):
    """The agent's own canned responses and (supervisors) the team's: list, search, edit."""
    user = request.user
    me = {"id": str(user.pk), "name": user_display_name(user)}
    return render(
        request,
        "dashboard/canned.html",
        {"me": me, "is_supervisor": user_is_supervisor(user), "limits": _client_limits()},
    )


@require_GET
@never_cache
@agent_json
def agents(request):
    """Every agent, for the assignment menu and the presence panel (presence itself is live)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_staff=True) | Q(groups__name=AGENTS_GROUP))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return JsonResponse(
        {"agents": [{"id": str(u.pk), "name": user_display_name(u)} for u in users]}
    )


def _parse_ids(raw: str) -> list[uuid.UUID]:
    ids = []
    for part in raw.split(",")[:MAX_READ_STATE_IDS]:
        try:
            ids.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return ids


@require_GET
@never_cache
@agent_json
def read_state(request):
    """Read marks of the given conversations: `?ids=<id>,<id>` → `{id: {…}}`."""
    ids = _parse_ids(request.GET.get("ids", ""))
    rows = Conversation.objects.filter(pk__in=ids).only(
        "id", "last_seq", "visitor_last_seq", "agent_last_read_seq", "visitor_last_read_seq"
    )
    return JsonResponse({str(c.pk): read_marks(c) for c in rows})


@never_cache
@require_GET
async def widget_availability(request):
    """`{"online": bool}`: whether an agent is online now, for the widget's offline form
    before the visitor has a session (and so a socket that would say it)."""
    return JsonResponse({"online": await presence.agents_available()})


@xframe_options_exempt
def widget(request):
    """The chat inside the embedding site's iframe; may be framed by WIDGET_ALLOWED_ORIGINS."""
    # Cookies do not reach a third-party iframe, so the loader passes the language along.
    lang = request.GET.get("lang", "")
    if translation.check_for_language(lang) and lang in dict(_languages()):
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
    response = render(
        request,
        "widget/index.html",
        {
            "title": request.GET.get("title", "")[:60],
            "color": _safe_color(request.GET.get("color", "")),
            "limits": _client_limits(),
        },
    )
    response.csp_frame_ancestors = widget_frame_ancestors()
    return response


def widget_catalog(request, lang):
    """The JavaScript catalog in the language the widget was opened in (no cookie in iframes)."""
    if lang not in dict(_languages()):
        lang = "en"
    with translation.override(lang):
        return JavaScriptCatalog.as_view()(request)


DEMO_PRODUCTS = [
    ("Gayo Highland", "Aceh, Sumatra", "Rp 145.000", 1),
    ("Kintamani Bright", "Bali", "Rp 158.000", 2),
    ("Toraja Sapan", "Sulawesi", "Rp 172.000", 3),
    ("Java Preanger", "West Java", "Rp 139.000", 4),
    ("Flores Bajawa", "Flores", "Rp 151.000", 5),
    ("Wamena Papua", "Papua", "Rp 189.000", 6),
]


def demo(request):
    """A fake shop that embeds the widget exactly as a customer's site would: one script tag."""
    loader_url = request.build_absolute_uri(static("widget/loader.js"))
    return render(request, "demo/index.html", {"products": DEMO_PRODUCTS, "loader_url": loader_url})


def _languages():
    return settings.LANGUAGES


def _safe_color(value: str) -> str:
    value = value.strip()
    if (
        len(value) in (4, 7)
        and value.startswith("#")
        and all(c in "0123456789abcdefABCDEF" for c in value[1:])
    ):
        return value
    return ""
