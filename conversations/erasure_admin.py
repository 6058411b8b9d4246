"""The admin's way to erase visitors (the generic delete is off for visitors and
conversations: it would bypass the audit record). A confirmation page shows what will be
deleted; confirming calls `conversations.erasure.visitors_forget`."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conversations.erasure import erasure_counts, visitors_forget
from conversations.models import ErasureRecord, Visitor

ERASE_PERMISSION = "conversations.erase_visitor"


def erase_visitors(modeladmin, request, selected: QuerySet, visitors: QuerySet[Visitor]):
    """Confirm, then erase `visitors`; `selected` is what the action was run on."""
    if request.POST.get("post") == "yes":
        record = visitors_forget(visitors=visitors, via="admin", performed_by=request.user)
        modeladmin.message_user(
            request,
            ngettext(
                "Erased %(count)d visitor and %(rows)d stored rows (audit record #%(record)s).",
                "Erased %(count)d visitors and %(rows)d stored rows (audit record #%(record)s).",
                record.visitors,
            )
            % {"count": record.visitors, "rows": record.total_rows, "record": record.pk},
            messages.SUCCESS,
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Erase visitors and all their data?"),
        "opts": modeladmin.model._meta,
        "visitors": list(visitors.order_by("created_at")[:100]),
        "visitor_count": visitors.count(),
        "counts": sorted(erasure_counts(visitors).items()),
        "selected": selected.values_list("pk", flat=True),
        "action": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/conversations/erase_confirmation.html", context)


class ErasureActionMixin:
    """`has_erase_permission` for `@admin.action(permissions=["erase"])`."""

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm(ERASE_PERMISSION)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "action",
        "via",
        "performed_by",
        "operator",
        "visitors",
        "total_rows",
    ]
    list_filter = ["action", "via"]
    readonly_fields = [
        "created_at",
        "action",
        "via",
        "performed_by",
        "operator",
        "visitors",
        "rows",
    ]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="rows")
    def total_rows(self, record) -> int:
        return record.total_rows
