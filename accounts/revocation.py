"""An agent's access ends everywhere when the account changes (PROTOCOL section 5).

Every agent socket is in the group `agent.<user id>`. When the agent logs out, is
deactivated or deleted, loses the agents group and the staff flag, changes password, or a
live session of theirs is deleted, a `Close(4401)` goes to that group on commit, so every
socket of the agent closes within moments (a dashboard whose own session is still valid
reconnects at once: see static/dashboard/signout.js). A password change or a deactivation
also deletes the agent's API tokens.

The signals catch changes made through the ORM's `save()`, `delete()` and the groups
relation. What they cannot see (a queryset `.update()`, a session that expired or was
changed in bulk) each process finds for all its agent sockets at once every
HEARTBEAT_INTERVAL (`agent_sessions_valid`, realtime/session_watch.py).
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_out
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db.models import Exists, OuterRef
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.tokens import api_tokens_revoke
from conversations.actors import AGENTS_GROUP, user_is_agent
from realtime import events, groups
from realtime.broadcast import send_on_commit
from realtime.close_codes import CloseCode

# The fields of a user whose change can end the agent's access, as loaded.
_WATCHED = ("password", "is_active", "is_staff")
_LOADED = "_livechat_access_fields"


def agent_sockets_close(user_id) -> None:
    """Close every socket of the agent with 4401, once the transaction commits."""
    send_on_commit(
        events.session_revoked(groups.agent_group(user_id), code=CloseCode.UNAUTHENTICATED)
    )


# --- what the signals see -------------------------------------------------------------------


def _remember_loaded(sender, instance, **kwargs) -> None:
    # From __dict__: a deferred field is not fetched here (it would cost a query per user).
    setattr(instance, _LOADED, tuple(instance.__dict__.get(name) for name in _WATCHED))


def _on_user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    before = getattr(instance, _LOADED, None)
    _remember_loaded(sender, instance)
    if created or before is None:
        return
    if update_fields is not None and not set(update_fields) & set(_WATCHED):
        return  # e.g. last_login on every sign-in
    old_password, was_active, was_staff = before
    if old_password is None:  # loaded without it: trust what the save says it wrote
        password_changed = update_fields is not None and "password" in update_fields
    else:
        password_changed = old_password != instance.password
    deactivated = bool(was_active) and not instance.is_active
    if password_changed or deactivated:
        api_tokens_revoke(user_id=instance.pk)
        agent_sockets_close(instance.pk)
    elif was_staff and not instance.is_staff and not user_is_agent(instance):
        agent_sockets_close(instance.pk)


def _on_user_deleted(sender, instance, **kwargs) -> None:
    agent_sockets_close(instance.pk)


def _on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None and user.pk is not None:
        agent_sockets_close(user.pk)


def _on_groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A user left the agents group (or it was cleared): closed if no longer an agent."""
    if reverse and instance.name != AGENTS_GROUP:
        return  # another group: membership of it makes nobody an agent
    if action == "pre_clear" and reverse:
        # `group.user_set.clear()`: the members are only known before.
        instance._livechat_cleared = list(instance.user_set.values_list("pk", flat=True))
        return
    if action not in ("post_remove", "post_clear"):
        return
    if not reverse:
        user_ids = [instance.pk]
    elif action == "post_remove":
        user_ids = list(pk_set or [])
    else:
        user_ids = getattr(instance, "_livechat_cleared", [])
    for user in get_user_model().objects.filter(pk__in=user_ids):
        if not user_is_agent(user):
            agent_sockets_close(user.pk)


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _session_exists(store, session_key: str) -> bool:
    if store.__module__ == "django.contrib.sessions.backends.signed_cookies":
        return True  # the cookie is the session: nothing on the server can end it
    return store().exists(session_key)


def _on_session_deleted(sender, instance, **kwargs) -> None:
    if instance.expire_date <= timezone.now():
        return  # expired: its sockets went at their heartbeat
    user_id = instance.get_decoded().get(SESSION_KEY)
    if user_id is not None:
        agent_sockets_close(user_id)


def connect_signals() -> None:
    User = get_user_model()
    post_init.connect(_remember_loaded, sender=User, dispatch_uid="livechat_user_loaded")
    post_save.connect(_on_user_saved, sender=User, dispatch_uid="livechat_user_saved")
    post_delete.connect(_on_user_deleted, sender=User, dispatch_uid="livechat_user_deleted")
    user_logged_out.connect(_on_logged_out, dispatch_uid="livechat_user_logged_out")
    m2m_changed.connect(
        _on_groups_changed, sender=User.groups.through, dispatch_uid="livechat_groups_changed"
    )
    store = _session_store()
    if issubclass(store, DatabaseSessionStore):
        post_delete.connect(
            _on_session_deleted,
            sender=store.get_model_class(),
            dispatch_uid="livechat_session_deleted",
        )


# --- what the sockets' periodic check asks ------------------------------------------------------

AgentSession = tuple[str, str | None, str | None]  # (user id, session key, session auth hash)


def agent_sessions_valid(sessions: set[AgentSession]) -> set[AgentSession]:
    """Those of `sessions` that still stand: the session exists and has not expired, it was
    signed with the user's current password (Django's session hash), and the user is an
    active agent. Two queries however many there are (one without database sessions)."""
    if not sessions:
        return set()
    User = get_user_model()
    users = {
        str(pk): (password, is_staff or in_agents)
        for pk, password, is_staff, in_agents in User.objects.filter(
            pk__in={user_id for user_id, _key, _hash in sessions}, is_active=True
        )
        .annotate(in_agents=Exists(Group.objects.filter(name=AGENTS_GROUP, user=OuterRef("pk"))))
        .values_list("pk", "password", "is_staff", "in_agents")
    }
    alive = _live_session_keys({key for _user, key, _hash in sessions if key})
    valid = set()
    for session in sessions:
        user_id, key, session_hash = session
        password, is_agent = users.get(str(user_id), (None, False))
        if is_agent and key in alive and _hash_matches(user_id, password, session_hash):
            valid.add(session)
    return valid


def _live_session_keys(keys: set[str]) -> set[str]:
    store = _session_store()
    if issubclass(store, DatabaseSessionStore):
        return set(
            store.get_model_class()
            .objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
            .values_list("session_key", flat=True)
        )
    return {key for key in keys if _session_exists(store, key)}


def _hash_matches(user_id, password: str, session_hash: str | None) -> bool:
    if not session_hash:
        return False
    user = get_user_model()(pk=user_id, password=password)
    return any(
        constant_time_compare(session_hash, expected)
        for expected in (user.get_session_auth_hash(), *user.get_session_auth_fallback_hash())
    )
