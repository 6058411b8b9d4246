"""Who is acting: an agent (a Django user), a visitor, or the product itself (the AI
assistant, or the system: maintenance commands, automatic messages).

Services take an `Actor` instead of a request so that REST, WebSocket and admin calls go
through the same permission checks.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from conversations.models import Visitor

AGENTS_GROUP = "agents"
SUPERVISORS_GROUP = "supervisors"
SYSTEM_NAME = "System"


def user_display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def user_is_agent(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff:
        return True
    # Prefetched by the authentication path on hot paths; a query otherwise.
    return user.groups.filter(name=AGENTS_GROUP).exists()


def user_is_supervisor(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm("messaging.delete_message"))
    )


def sender(kind: str, *, user=None, visitor: Visitor | None = None) -> dict:
    """The `{type, id, name}` object PROTOCOL uses for senders, readers, typists and
    `changed_by`: the one place it is built, for actors and for stored messages alike."""
    if kind == "agent":
        return {"type": "agent", "id": str(user.pk), "name": user_display_name(user)}
    if kind == "visitor":
        return {"type": "visitor", "id": str(visitor.pk), "name": visitor.display_name}
    return {"type": kind, "id": None, "name": settings.AI_NAME if kind == "ai" else SYSTEM_NAME}


@dataclass(frozen=True)
class Actor:
    type: str  # "agent" | "visitor" | "ai" | "system"
    user: AbstractBaseUser | None = None
    visitor: Visitor | None = None

    @classmethod
    def for_agent(cls, user) -> "Actor":
        return cls(type="agent", user=user)

    @classmethod
    def for_visitor(cls, visitor: Visitor) -> "Actor":
        return cls(type="visitor", visitor=visitor)

    @classmethod
    def ai(cls) -> "Actor":
        return cls(type="ai")

    @classmethod
    def system(cls) -> "Actor":
        return cls(type="system")

    @property
    def is_agent(self) -> bool:
        return self.type == "agent"

    @property
    def is_visitor(self) -> bool:
        return self.type == "visitor"

    @property
    def is_automatic(self) -> bool:
        """The AI or the system: acts on any conversation, never through a socket."""
        return self.type in ("ai", "system")

    @property
    def is_supervisor(self) -> bool:
        return self.is_agent and user_is_supervisor(self.user)

    def as_sender(self) -> dict:
        return sender(self.type, user=self.user, visitor=self.visitor)
