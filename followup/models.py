"""The outbox of emails to visitors: written by the request (or the scheduler), sent later
by the outbox worker, so no request ever waits for an SMTP server (docs/architecture.md)."""

import uuid

from django.db import models
from django.db.models import Q


class EmailKind(models.TextChoices):
    FOLLOWUP = "followup", "Unread replies"
    TRANSCRIPT = "transcript", "Transcript"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class OutboundEmail(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=12, choices=EmailKind.choices)
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="emails"
    )
    to = models.EmailField(max_length=254)
    # Follow-ups: the visitor-side seq of the last reply this email covers.
    up_to_seq = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The worker's "what is due": pending rows by due time.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="email_due_idx",
            ),
            models.Index(fields=["conversation", "kind", "-created_at"], name="email_conv_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EmailKind.values), name="email_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=EmailStatus.values), name="email_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to} ({self.status})"
