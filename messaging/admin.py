"""Read-only message history for supervisors: every earlier body, who changed it, when."""

from django.contrib import admin

from messaging.models import Message, MessageEdit


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MessageEditInline(admin.TabularInline):
    model = MessageEdit
    extra = 0
    fields = ["changed_at", "kind", "changed_by_type", "changed_by_agent", "previous_body"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = [
        "conversation",
        "seq",
        "sender_type",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
    ]
    list_filter = ["sender_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["body", "edits__previous_body", "conversation__visitor__name"]
    list_select_related = ["conversation__visitor"]
    inlines = [MessageEditInline]


@admin.register(MessageEdit)
class MessageEditAdmin(ReadOnlyAdmin):
    list_display = ["message", "kind", "changed_by_type", "changed_by_agent", "changed_at"]
    list_filter = ["kind", "changed_by_type"]
    search_fields = ["previous_body"]
    list_select_related = ["message", "changed_by_agent"]
