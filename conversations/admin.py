"""Supervisors' admin for visitors, the team (`team_admin`) and erasures (`erasure_admin`);
the conversation transcript is in `messaging.admin`."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from conversations import erasure_admin, services, team_admin  # noqa: F401 (registers admins)
from conversations.models import Visitor


@admin.register(Visitor)
class VisitorAdmin(erasure_admin.ErasureActionMixin, admin.ModelAdmin):
    list_display = [
        "display_name",
        "email",
        "page_url",
        "created_at",
        "last_seen_at",
        "token_revoked_at",
    ]
    search_fields = ["name", "email", "page_url"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    readonly_fields = [
        "id",
        "page_url",
        "user_agent",
        "created_at",
        "last_seen_at",
        "token_revoked_at",
    ]
    fields = ["id", "name", "email", *readonly_fields[1:]]
    actions = ["revoke_tokens", "erase"]

    def has_add_permission(self, request) -> bool:
        return False  # visitors come from the widget

    @admin.action(
        description=_("Revoke the widget token (signs the visitor out)"), permissions=["change"]
    )
    def revoke_tokens(self, request, queryset):
        for visitor in queryset:
            services.visitor_revoke_token(visitor=visitor)
        self.message_user(request, f"Revoked {queryset.count()} token(s).", messages.SUCCESS)

    @admin.action(
        description=_("Erase selected visitors and everything stored about them"),
        permissions=["erase"],
    )
    def erase(self, request, queryset):
        return erasure_admin.erase_visitors(self, request, queryset, queryset)
