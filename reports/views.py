"""The supervisors' reports page: the overview drawn as cards, charts and a table."""

from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from conversations.actors import user_display_name, user_is_supervisor
from reports.selectors import MAX_DAYS


def _signed_in(user) -> bool:
    return user.is_authenticated


@never_cache
@user_passes_test(_signed_in)
def reports_page(request):
    # Signed in but not a supervisor: a plain 403, not the login page (which would send a
    # signed-in agent straight back here).
    if not user_is_supervisor(request.user):
        raise PermissionDenied
    me = {"id": str(request.user.pk), "name": user_display_name(request.user)}
    return render(
        request, "dashboard/reports.html", {"me": me, "max_days": MAX_DAYS, "is_supervisor": True}
    )
