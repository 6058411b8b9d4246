import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q

from conversations.ai_default import ai_enabled_default


def hash_token_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Visitor(models.Model):
    """Someone chatting from the widget. Authenticates with a bearer token.

    The token is `<visitor id>.<secret>`; only the SHA-256 of the secret is stored, so a
    database leak does not hand out live sessions, and the id lets us compare one row's
    hash in constant time instead of searching by secret.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254, blank=True, null=True)
    page_url = models.URLField(max_length=2000, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    # The widget's language and time zone (IANA name), as its browser reports them: emails
    # are written in that language; agents see the visitor's local time.
    language = models.CharField(max_length=10, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    # Set by the unsubscribe link of an email: no follow-up email is sent from then on.
    email_unsubscribed_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, editable=False)
    token_revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        # Erasure deletes everything about a visitor at once, so it is a permission of its
        # own instead of the generic delete (which bypasses the audit record).
        permissions = [("erase_visitor", "Can erase a visitor and everything stored about them")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or f"Visitor {self.id.hex[:6]}"

    def issue_token(self) -> str:
        """Set a fresh secret (revoking any earlier token) and return the bearer token."""
        secret = secrets.token_urlsafe(32)  # 256 bits
        self.token_hash = hash_token_secret(secret)
        self.token_revoked_at = None
        return f"{self.id}.{secret}"

    def token_matches(self, secret: str) -> bool:
        return self.token_revoked_at is None and hmac.compare_digest(
            self.token_hash, hash_token_secret(secret)
        )


class ConversationStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    CLOSED = "closed", "Closed"


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    visitor = models.OneToOneField(Visitor, on_delete=models.CASCADE, related_name="conversation")
    status = models.CharField(
        max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
    )
    ai_enabled = models.BooleanField("AI enabled", default=ai_enabled_default)
    # The change counter: every change to the conversation or one of its messages takes
    # the next value, so `since_version` finds exactly what changed.
    version = models.PositiveBigIntegerField(default=0)
    last_seq = models.PositiveIntegerField(default=0)
    # The same counters as the visitor sees them: private notes advance only the ones above.
    # Equal to them in a conversation that never had a note.
    visitor_version = models.PositiveBigIntegerField(default=0)
    visitor_last_seq = models.PositiveIntegerField(default=0)
    last_message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # In the visitor's numbering (`visitor_seq`); the agents' mark in theirs (`seq`).
    visitor_last_read_seq = models.PositiveIntegerField(default=0)
    visitor_read_at = models.DateTimeField(null=True, blank=True)
    agent_last_read_seq = models.PositiveIntegerField(default=0)
    agent_read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # Who sent that first agent message: reports credit the conversation to its assignee,
    # or to this agent when nobody was assigned.
    first_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["-updated_at"], name="conv_activity_idx"),
            models.Index(fields=["status", "-updated_at"], name="conv_status_activity_idx"),
            models.Index(fields=["assignee", "status", "-updated_at"], name="conv_assignee_idx"),
            # Reports: conversations created, and closed, in a date range.
            models.Index(fields=["created_at"], name="conv_created_idx"),
            models.Index(
                fields=["closed_at"], name="conv_closed_idx", condition=Q(closed_at__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ConversationStatus.values), name="conv_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(status=ConversationStatus.CLOSED),
                name="conv_closed_at_only_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"Conversation with {self.visitor.display_name}"


class ConversationStatusChange(models.Model):
    """One change of a conversation's status, kept for reports (reopened conversations)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=10, choices=ConversationStatus.choices)
    to_status = models.CharField(max_length=10, choices=ConversationStatus.choices)
    changed_by_type = models.CharField(max_length=10)  # agent | visitor | ai | system
    changed_by_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "changed_at"], name="convstatus_conv_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} at {self.changed_at:%Y-%m-%d %H:%M}"


class ErasureRecord(models.Model):
    """The audit trail of erasures and retention purges: who, when, how many rows.

    Never anything about the people erased (no ids, names or emails): the record must
    survive the data it accounts for.
    """

    class Action(models.TextChoices):
        FORGET = "forget", "Visitor erased on request"
        PURGE = "purge", "Retention purge"

    action = models.CharField(max_length=10, choices=Action.choices)
    via = models.CharField(max_length=20)  # "admin" or "command"
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The account or operating-system user who ran it, kept when the account is gone.
    operator = models.CharField(max_length=150, blank=True)
    visitors = models.PositiveIntegerField(default=0)
    rows = models.JSONField(default=dict)  # {"app_label.Model": count}
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.visitors}) at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class Agent(User):
    """The team as supervisors manage it in the admin (a proxy: the same rows as auth.User).

    A model of its own so that supervisors get permissions on agents without getting
    Django's full user admin (superusers, groups, arbitrary permissions).
    """

    class Meta:
        proxy = True
        verbose_name = "agent"
        verbose_name_plural = "agents"
