"""Error pages: JSON under /api/ (the contract's error format), HTML elsewhere."""

from django.views import defaults

from livechat.error_responses import error_response


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return error_response("Not found.", "not_found", 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return error_response("Internal server error.", "server_error", 500)
    return defaults.server_error(request)
