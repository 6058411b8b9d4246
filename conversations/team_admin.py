"""Supervisors manage the team in the admin (/admin/conversations/agent/): create an agent
with a password or an invitation link, deactivate and reactivate, make or unmake supervisors,
reset passwords. Every change goes through `conversations.team`."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from conversations import team
from conversations.actors import AGENTS_GROUP, SUPERVISORS_GROUP, user_display_name
from conversations.models import Agent
from livechat.errors import LivechatError

INVITE, PASSWORD = "invite", "password"


class AgentCreationForm(forms.ModelForm):
    supervisor = forms.BooleanField(
        label=_("Supervisor"),
        required=False,
        help_text=_("Supervisors see reports and manage the team and data in this admin."),
    )
    sign_in = forms.ChoiceField(
        label=_("First sign-in"),
        choices=[
            (INVITE, _("Create an invitation link (the agent chooses a password)")),
            (PASSWORD, _("Set a password now")),
        ],
        initial=INVITE,
        widget=forms.RadioSelect,
    )
    password1 = forms.CharField(
        label=_("Password"), required=False, strip=False, widget=forms.PasswordInput
    )
    password2 = forms.CharField(
        label=_("Password again"), required=False, strip=False, widget=forms.PasswordInput
    )

    class Meta:
        model = Agent
        fields = ["username", "first_name", "last_name", "email"]

    def clean(self):
        data = super().clean()
        if data.get("sign_in") == PASSWORD:
            first, second = data.get("password1"), data.get("password2")
            if not first:
                self.add_error("password1", _("Enter a password, or send an invitation."))
            elif first != second:
                self.add_error("password2", _("The two passwords differ."))
            else:
                try:
                    validate_password(first, self.instance)
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return data


class AgentChangeForm(UserChangeForm):
    supervisor = forms.BooleanField(label=_("Supervisor"), required=False)

    class Meta:
        model = Agent
        fields = ["username", "first_name", "last_name", "email", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].initial = team.agent_is_supervisor(self.instance)
        self.fields["is_active"].help_text = _(
            "Deactivating signs the agent out at once and returns their open conversations "
            "to the queue. Their messages stay."
        )


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [("supervisor", _("Supervisors")), ("agent", _("Agents"))]

    def queryset(self, request, queryset):
        supervisors = Q(is_staff=True, groups__name=SUPERVISORS_GROUP)
        if self.value() == "supervisor":
            return queryset.filter(supervisors)
        if self.value() == "agent":
            return queryset.exclude(pk__in=queryset.filter(supervisors).values("pk"))
        return queryset


@admin.register(Agent)
class AgentAdmin(UserAdmin):
    form = AgentChangeForm
    add_form = AgentCreationForm
    list_display = ["username", "name", "email", "role", "is_active", "last_login"]
    list_filter = ["is_active", RoleFilter]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["username"]
    filter_horizontal = []
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Name"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Access"), {"fields": ["is_active", "supervisor"]}),
        (_("Activity"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "first_name", "last_name", "email", "supervisor"]}),
        (_("Sign-in"), {"fields": ["sign_in", "password1", "password2"]}),
    ]
    actions = [
        "deactivate",
        "reactivate",
        "make_supervisor",
        "remove_supervisor",
        "password_links",
    ]

    def get_queryset(self, request):
        qs = (
            super()
            .get_queryset(request)
            .filter(Q(is_staff=True) | Q(groups__name__in=[AGENTS_GROUP, SUPERVISORS_GROUP]))
            .distinct()
            .prefetch_related("groups")
        )
        return qs if request.user.is_superuser else qs.filter(is_superuser=False)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Agents' messages keep their author: deactivate instead.
        return False

    @admin.display(description=_("name"), ordering="first_name")
    def name(self, agent) -> str:
        return user_display_name(agent)

    @admin.display(description=_("role"))
    def role(self, agent) -> str:
        is_supervisor = agent.is_staff and any(
            g.name == SUPERVISORS_GROUP for g in agent.groups.all()
        )
        return _("Supervisor") if is_supervisor else _("Agent")

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                password = form.cleaned_data.get("password1")
                invite = form.cleaned_data["sign_in"] == INVITE
                team.agent_create(
                    by=request.user,
                    agent=obj,
                    password=None if invite else password,
                    supervisor=form.cleaned_data["supervisor"],
                )
                if invite:
                    self._show_link(request, obj, _("Invitation link for %(name)s"))
                return
            profile = [
                f
                for f in ("username", "first_name", "last_name", "email")
                if f in form.changed_data
            ]
            if profile:
                obj.save(update_fields=profile)
            if "is_active" in form.changed_data:
                team.agent_set_active(
                    by=request.user, agent_id=obj.pk, active=form.cleaned_data["is_active"]
                )
            if "supervisor" in form.changed_data:
                team.agent_set_supervisor(
                    by=request.user, agent_id=obj.pk, supervisor=form.cleaned_data["supervisor"]
                )
        except LivechatError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def _show_link(self, request, agent, title) -> None:
        path = team.agent_password_link(by=request.user, agent=agent)
        self.message_user(
            request,
            f"{title % {'name': user_display_name(agent)}}: {request.build_absolute_uri(path)}",
            messages.SUCCESS,
        )

    def _each(self, request, queryset, verb, call) -> None:
        done = 0
        for agent in queryset:
            try:
                call(agent)
                done += 1
            except LivechatError as exc:
                self.message_user(request, f"{agent.get_username()}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb}: {done}.", messages.SUCCESS)

    @admin.action(
        description=_("Deactivate selected agents (signs them out)"), permissions=["change"]
    )
    def deactivate(self, request, queryset):
        self._each(
            request,
            queryset,
            _("Deactivated"),
            lambda a: team.agent_set_active(by=request.user, agent_id=a.pk, active=False),
        )

    @admin.action(description=_("Reactivate selected agents"), permissions=["change"])
    def reactivate(self, request, queryset):
        self._each(
            request,
            queryset,
            _("Reactivated"),
            lambda a: team.agent_set_active(by=request.user, agent_id=a.pk, active=True),
        )

    @admin.action(description=_("Make selected agents supervisors"), permissions=["change"])
    def make_supervisor(self, request, queryset):
        self._each(
            request,
            queryset,
            _("Now supervisors"),
            lambda a: team.agent_set_supervisor(by=request.user, agent_id=a.pk, supervisor=True),
        )

    @admin.action(description=_("Remove the supervisor role"), permissions=["change"])
    def remove_supervisor(self, request, queryset):
        self._each(
            request,
            queryset,
            _("No longer supervisors"),
            lambda a: team.agent_set_supervisor(by=request.user, agent_id=a.pk, supervisor=False),
        )

    @admin.action(description=_("Create a link to set a new password"), permissions=["change"])
    def password_links(self, request, queryset):
        self._each(
            request,
            queryset,
            _("Links created"),
            lambda a: self._show_link(request, a, _("Password link for %(name)s")),
        )
