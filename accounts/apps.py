from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Agents' accounts: API tokens, the sign-in lockout, and ending an agent's sessions
    (sockets and tokens) when the account changes."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import lockout, revocation

        lockout.connect_signals()
        revocation.connect_signals()
