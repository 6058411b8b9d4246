"""The pages the links of an email open: reopening the chat, and unsubscribing."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from followup import services
from followup.links import visitor_from_resume_token, visitor_from_unsubscribe_token


def _in_visitor_language(visitor) -> None:
    if visitor is not None and visitor.language:
        translation.activate(visitor.language)


@never_cache
def resume(request, token: str):
    """Checks the link, then its script asks for a visitor token and opens the chat."""
    visitor = visitor_from_resume_token(token)
    _in_visitor_language(visitor)
    status = 200 if visitor is not None else 410
    return render(request, "followup/resume.html", {"valid": visitor is not None}, status=status)


@never_cache
@csrf_exempt  # the signed token in the URL is the credential; RFC 8058 one-click POSTs too
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET shows a button (link scanners only GET); POST, from it or a mail client's
    one-click unsubscribe, stops every email to this visitor."""
    visitor = visitor_from_unsubscribe_token(token)
    _in_visitor_language(visitor)
    if visitor is None:
        return render(request, "followup/unsubscribe.html", {"state": "invalid"}, status=404)
    if request.method == "POST":
        services.unsubscribe(visitor)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(status=200)
        return render(request, "followup/unsubscribe.html", {"state": "done"})
    state = "done" if visitor.email_unsubscribed_at else "ask"
    return render(request, "followup/unsubscribe.html", {"state": state, "email": visitor.email})
