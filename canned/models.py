"""Canned responses (PROTOCOL section 7): saved replies an agent inserts with `/shortcut`."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

MAX_SHORTCUT_LENGTH = 32
MAX_TITLE_LENGTH = 100
# What it renders to becomes a message body, limited to 5,000 characters.
MAX_BODY_LENGTH = 5000


class CannedScope(models.TextChoices):
    TEAM = "team", "Team"
    PERSONAL = "personal", "Personal"


class CannedResponse(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shortcut = models.CharField(max_length=MAX_SHORTCUT_LENGTH)
    title = models.CharField(max_length=MAX_TITLE_LENGTH, blank=True)
    body = models.TextField()
    scope = models.CharField(max_length=10, choices=CannedScope.choices)
    # The agent a personal response belongs to; null for team responses.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_responses",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shortcut"]
        constraints = [
            # `/Refund` and `/refund` are the same shortcut to the person typing it.
            models.UniqueConstraint(
                Lower("shortcut"),
                condition=Q(scope=CannedScope.TEAM),
                name="canned_unique_team_shortcut",
            ),
            models.UniqueConstraint(
                Lower("shortcut"),
                "owner",
                condition=Q(scope=CannedScope.PERSONAL),
                name="canned_unique_personal_shortcut",
            ),
            models.CheckConstraint(
                condition=Q(scope=CannedScope.TEAM, owner__isnull=True)
                | Q(scope=CannedScope.PERSONAL, owner__isnull=False),
                name="canned_owner_matches_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"
