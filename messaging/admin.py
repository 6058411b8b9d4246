"""Supervisors' admin: conversations with their full transcript, and the read-only message
history (every earlier body, who changed it, when).

The conversation admin lives here because its page is the transcript of messages. Status,
assignee and AI changes go through the services, so dashboards that are open update live
exactly as if an agent had made the change.
"""

from django.contrib import admin, messages
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from conversations import erasure_admin, services
from conversations.actors import Actor
from conversations.models import (
    Conversation,
    ConversationStatus,
    ConversationStatusChange,
    Visitor,
)
from livechat.errors import LivechatError
from messaging.models import Message, MessageEdit
from messaging.wire import message_sender


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["seq"]
    fields = ["seq", "sender_label", "text", "created_at", "state", "history"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("sender_agent", "sender_visitor")
            .prefetch_related(
                Prefetch("edits", queryset=MessageEdit.objects.order_by("changed_at"))
            )
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("sender"))
    def sender_label(self, message: Message) -> str:
        sender = message_sender(message)
        if message.internal:
            return f"{sender['name']} ({sender['type']}, {_('private note')})"
        return f"{sender['name']} ({sender['type']})"

    @admin.display(description=_("text"))
    def text(self, message: Message) -> str:
        if message.deleted:
            # The tombstone's old text lives in the history only supervisors see.
            last = message.edits.all()
            old = last[len(last) - 1].previous_body if last else ""
            return format_html("<del>{}</del>", old)
        return message.body

    @admin.display(description=_("state"))
    def state(self, message: Message) -> str:
        if message.deleted:
            return format_html("<strong>{}</strong> {}", _("deleted"), _when(message.deleted_at))
        if message.edited_at:
            return format_html("{} {}", _("edited"), _when(message.edited_at))
        return ""

    @admin.display(description=_("earlier versions"))
    def history(self, message: Message) -> str:
        return format_html_join(
            "",
            "<div>{} · {} · {}</div>",
            (
                (
                    _when(edit.changed_at),
                    edit.get_kind_display(),
                    edit.previous_body,
                )
                for edit in message.edits.all()
            ),
        )


class StatusChangeInline(admin.TabularInline):
    model = ConversationStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "changed_by_type", "changed_by_agent"]
    readonly_fields = fields
    verbose_name_plural = _("status history")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(erasure_admin.ErasureActionMixin, admin.ModelAdmin):
    list_display = [
        "visitor",
        "status",
        "assignee",
        "ai_enabled",
        "last_seq",
        "updated_at",
        "created_at",
    ]
    list_filter = [
        "status",
        "assignee",
        "ai_enabled",
        ("created_at", admin.DateFieldListFilter),
        ("updated_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "visitor__name",
        "visitor__email",
        "messages__body",
        "messages__edits__previous_body",
    ]
    list_select_related = ["visitor", "assignee"]
    date_hierarchy = "created_at"
    inlines = [MessageInline, StatusChangeInline]
    actions = ["close_conversations", "reopen_conversations", "assign_to_me", "erase_visitors"]
    readonly_fields = [
        "visitor",
        "version",
        "last_seq",
        "visitor_last_read_seq",
        "agent_last_read_seq",
        "created_at",
        "updated_at",
        "closed_at",
        "first_response_at",
        "first_response_by",
    ]
    # The three fields a supervisor edits (through the service, see save_model), then the rest.
    fields = ["visitor", "status", "assignee", "ai_enabled", *readonly_fields[1:]]

    def get_search_results(self, request, queryset, search_term):
        queryset, _may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        """Route the editable fields through the service instead of a bare save()."""
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changes:
            return
        assignee = changes.get("assignee", services.UNSET)
        try:
            services.conversation_update(
                actor=Actor.for_agent(request.user),
                conversation_id=obj.pk,
                status=changes.get("status", services.UNSET),
                assignee_id=assignee.pk if assignee not in (None, services.UNSET) else assignee,
                ai_enabled=changes.get("ai_enabled", services.UNSET),
            )
        except LivechatError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def _bulk(self, request, queryset, verb: str, **changes) -> None:
        actor = Actor.for_agent(request.user)
        done = 0
        for pk in queryset.values_list("pk", flat=True):
            services.conversation_update(actor=actor, conversation_id=pk, **changes)
            done += 1
        self.message_user(request, f"{verb} {done} conversation(s).", messages.SUCCESS)

    @admin.action(description=_("Close selected conversations"), permissions=["change"])
    def close_conversations(self, request, queryset):
        self._bulk(request, queryset, "Closed", status=ConversationStatus.CLOSED)

    @admin.action(description=_("Reopen selected conversations"), permissions=["change"])
    def reopen_conversations(self, request, queryset):
        self._bulk(request, queryset, "Reopened", status=ConversationStatus.OPEN)

    @admin.action(description=_("Assign selected conversations to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._bulk(request, queryset, "Assigned", assignee_id=request.user.pk)

    @admin.action(
        description=_("Erase the visitors of the selected conversations, with all their data"),
        permissions=["erase"],
    )
    def erase_visitors(self, request, queryset):
        visitors = Visitor.objects.filter(pk__in=queryset.values("visitor_id"))
        return erasure_admin.erase_visitors(self, request, queryset, visitors)


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
