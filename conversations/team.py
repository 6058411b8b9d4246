"""The team, as supervisors manage it: create agents, deactivate and reactivate them, make
or unmake supervisors, and links that let an agent set a password (an invitation, or a
reset). The admin (`conversations.team_admin`) calls only these.

A supervisor manages every account except superusers (whose passwords would be a way up),
and never deactivates or demotes themselves (a way to lock the team out).
"""

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from conversations.actors import AGENTS_GROUP, SUPERVISORS_GROUP, Actor, user_is_supervisor
from conversations.models import Agent, Conversation, ConversationStatus
from conversations.services import conversation_update
from livechat.errors import Forbidden, ValidationFailed


def access_team_member(*, by, agent) -> None:
    """May `by` manage `agent`'s account?"""
    if not user_is_supervisor(by):
        raise Forbidden("Only supervisors manage the team.")
    if agent.is_superuser and not by.is_superuser:
        raise Forbidden("Only a superuser can change a superuser's account.")


def _groups(*names: str) -> list[Group]:
    return [Group.objects.get_or_create(name=name)[0] for name in names]


def agent_create(*, by, agent: Agent, password: str | None, supervisor: bool = False) -> Agent:
    """Save a new agent (`agent` holds username, names and email). Without a password the
    account waits for the agent to set one through `agent_password_link`."""
    if not user_is_supervisor(by):
        raise Forbidden("Only supervisors manage the team.")
    with transaction.atomic():
        if password:
            agent.set_password(password)
        else:
            agent.set_unusable_password()
        agent.is_active = True
        agent.is_staff = supervisor
        agent.is_superuser = False
        agent.save()
        agent.groups.add(*_groups(AGENTS_GROUP, *([SUPERVISORS_GROUP] if supervisor else [])))
    return agent


def agent_set_active(*, by, agent_id: int, active: bool) -> Agent:
    """Deactivating signs the agent out everywhere (the accounts layer closes their sockets
    when `is_active` turns false) and hands their open conversations back to the queue."""
    with transaction.atomic():
        agent = Agent.objects.select_for_update().get(pk=agent_id)
        access_team_member(by=by, agent=agent)
        if agent.is_active == active:
            return agent
        if not active and agent.pk == by.pk:
            raise ValidationFailed.field("is_active", "You cannot deactivate your own account.")
        agent.is_active = active
        agent.save(update_fields=["is_active"])
        if not active:
            waiting = Conversation.objects.filter(
                assignee=agent,
                status__in=[ConversationStatus.OPEN, ConversationStatus.PENDING],
            ).values_list("pk", flat=True)
            for pk in list(waiting):
                conversation_update(actor=Actor.for_agent(by), conversation_id=pk, assignee_id=None)
        return agent


def agent_set_supervisor(*, by, agent_id: int, supervisor: bool) -> Agent:
    """A supervisor is staff in the `supervisors` group (which holds the admin permissions);
    either way the account stays an agent."""
    with transaction.atomic():
        agent = Agent.objects.select_for_update().get(pk=agent_id)
        access_team_member(by=by, agent=agent)
        is_now = agent.is_staff and agent.groups.filter(name=SUPERVISORS_GROUP).exists()
        if is_now == supervisor:
            return agent
        if not supervisor and agent.pk == by.pk:
            raise ValidationFailed.field(
                "supervisor", "You cannot remove your own supervisor role."
            )
        agents, supervisors = _groups(AGENTS_GROUP, SUPERVISORS_GROUP)
        agent.groups.add(agents)
        if supervisor:
            agent.groups.add(supervisors)
        else:
            agent.groups.remove(supervisors)
        agent.is_staff = supervisor
        agent.save(update_fields=["is_staff"])
        return agent


def agent_is_supervisor(agent) -> bool:
    return agent.is_staff and agent.groups.filter(name=SUPERVISORS_GROUP).exists()


def agent_password_link(*, by, agent) -> str:
    """The path of a signed link that lets `agent` choose a password: an invitation for a
    new account, a reset for an existing one. It expires after INVITATION_TTL and stops
    working once used (the token covers the password hash and the last login)."""
    access_team_member(by=by, agent=agent)
    if not agent.is_active:
        raise ValidationFailed.field("is_active", "Reactivate the account first.")
    uid = urlsafe_base64_encode(force_bytes(agent.pk))
    token = default_token_generator.make_token(agent)
    return reverse("agent-set-password", kwargs={"uidb64": uid, "token": token})
