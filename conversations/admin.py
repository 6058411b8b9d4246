"""Supervisors' admin for visitors (the conversation transcript is in `messaging.admin`)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from conversations import services
from conversations.models import Visitor


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
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
    actions = ["revoke_tokens"]

    def has_add_permission(self, request) -> bool:
        return False  # visitors come from the widget

    @admin.action(
        description=_("Revoke the widget token (signs the visitor out)"), permissions=["change"]
    )
    def revoke_tokens(self, request, queryset):
        for visitor in queryset:
            services.visitor_revoke_token(visitor=visitor)
        self.message_user(request, f"Revoked {queryset.count()} token(s).", messages.SUCCESS)
