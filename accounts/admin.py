"""Supervisors see and revoke API tokens; both admin and agent sign-in honour the lockout."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import AdminLoginForm
from accounts.models import ApiToken

admin.site.login_form = AdminLoginForm


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: a token is only ever issued to its own user; revoking deletes it."""

    list_display = ["prefix", "user", "created_at", "expires_at", "last_used_at"]
    list_filter = [("expires_at", admin.DateFieldListFilter)]
    search_fields = ["user__username", "user__first_name", "user__last_name", "prefix"]
    list_select_related = ["user"]
    fields = ["user", "prefix", "created_at", "expires_at", "last_used_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "revoke" says what deleting a token means
        return actions

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["delete"])
    def revoke(self, request, queryset):
        count, _deleted = queryset.delete()
        self.message_user(
            request,
            ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", count)
            % {"count": count},
            messages.SUCCESS,
        )
