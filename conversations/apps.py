from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ConversationsConfig(AppConfig):
    name = "conversations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from conversations.roles import ensure_role_groups

        # A data migration creates the groups once; a database flush (tests, `flush`)
        # wipes them, and post_migrate runs after both, so they always exist.
        post_migrate.connect(ensure_role_groups, dispatch_uid="livechat_role_groups")
