"""Supervisors' admin for the knowledge base: search, filter, and edits through the services."""

from django import forms
from django.contrib import admin

from assist import services
from assist.models import KnowledgeArticle
from conversations.actors import Actor
from livechat.errors import ValidationFailed


class KnowledgeArticleForm(forms.ModelForm):
    class Meta:
        model = KnowledgeArticle
        fields = ["title", "body", "active"]

    def _service_clean(self, name: str, clean):
        try:
            return clean(self.cleaned_data.get(name))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.errors[name][0]) from None

    def clean_title(self) -> str:
        return self._service_clean("title", services.clean_title)

    def clean_body(self) -> str:
        return self._service_clean("body", services.clean_body)


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    form = KnowledgeArticleForm
    list_display = ["title", "active", "updated_at", "updated_by"]
    list_filter = ["active", ("updated_at", admin.DateFieldListFilter)]
    search_fields = ["title", "body"]
    list_select_related = ["updated_by"]
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]
    fields = ["title", "body", "active", *readonly_fields]

    def save_model(self, request, obj, form, change):
        """Through the service, which also re-cuts the article into searchable passages."""
        actor = Actor.for_agent(request.user)
        values = {name: form.cleaned_data[name] for name in ("title", "body", "active")}
        if change:
            saved = services.knowledge_article_update(actor=actor, article_id=obj.pk, **values)
        else:
            saved = services.knowledge_article_create(actor=actor, **values)
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.knowledge_article_delete(actor=Actor.for_agent(request.user), article_id=obj.pk)

    def delete_queryset(self, request, queryset):
        actor = Actor.for_agent(request.user)
        for pk in queryset.values_list("pk", flat=True):
            services.knowledge_article_delete(actor=actor, article_id=pk)
