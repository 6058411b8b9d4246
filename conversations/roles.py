"""The `agents` and `supervisors` groups and the permissions supervisors get."""

from django.contrib.auth.models import Group, Permission

from conversations.actors import AGENTS_GROUP, SUPERVISORS_GROUP

SUPERVISOR_MODELS = {
    "accounts": ["apitoken"],
    "conversations": ["visitor", "conversation", "agent", "erasurerecord"],
    "messaging": ["message", "messageedit"],
    "assist": ["knowledgearticle"],
    "canned": ["cannedresponse"],
}


def ensure_role_groups(sender=None, using: str = "default", **kwargs) -> None:
    Group.objects.using(using).get_or_create(name=AGENTS_GROUP)
    supervisors, _ = Group.objects.using(using).get_or_create(name=SUPERVISORS_GROUP)
    for app_label, models in SUPERVISOR_MODELS.items():
        perms = Permission.objects.using(using).filter(
            content_type__app_label=app_label, content_type__model__in=models
        )
        supervisors.permissions.add(*perms)
