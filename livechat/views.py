"""Error pages: JSON under /api/ (the contract's error format), HTML elsewhere."""

from django.http import JsonResponse
from django.views import defaults

from livechat.errors import error_body


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("Not found.", "not_found"), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("Internal server error.", "server_error"), status=500)
    return defaults.server_error(request)
