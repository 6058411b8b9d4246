"""Supervisors' admin for canned responses. Saves go through the services, so the admin
refuses exactly what REST refuses (an empty body, a taken shortcut)."""

from django import forms
from django.contrib import admin

from canned import services
from canned.models import CannedResponse, CannedScope
from livechat.errors import LivechatError


class CannedResponseForm(forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = ["shortcut", "title", "body", "scope", "owner"]

    def clean(self):
        data = super().clean()
        try:
            data["shortcut"] = services.clean_shortcut(data.get("shortcut"))
            data["title"] = services.clean_title(data.get("title"))
            data["body"] = services.clean_canned_body(data.get("body"))
        except LivechatError as exc:
            field = next(iter(exc.errors or {}), None)
            raise forms.ValidationError({field: exc.errors[field]} if field else exc.message)
        scope, owner = data.get("scope"), data.get("owner")
        if scope == CannedScope.TEAM and owner is not None:
            self.add_error("owner", "Team responses have no owner.")
        if scope == CannedScope.PERSONAL and owner is None:
            self.add_error("owner", "A personal response belongs to an agent.")
        return data


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    form = CannedResponseForm
    list_display = ["shortcut", "title", "scope", "owner", "updated_at"]
    list_filter = ["scope"]
    search_fields = ["shortcut", "title", "body"]
    autocomplete_fields = ["owner"]
    ordering = ["scope", "shortcut"]
