"""Supervisors see what was emailed to visitors, what is waiting and why something failed."""

from django.contrib import admin

from followup.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["to", "kind", "status", "attempts", "created_at", "sent_at", "next_attempt_at"]
    list_filter = ["kind", "status"]
    search_fields = ["to"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
