import uuid

from django.conf import settings
from django.db import models
from django.db.models import JSONField, Q, Value
from django.db.models.functions import Length
from django.utils import timezone

from livechat.wire import iso_datetime
from messaging.wire import serialize_attachment, serialize_message

MAX_BODY_LENGTH = 5000
MAX_CLIENT_ID_LENGTH = 64
MAX_ATTACHMENT_NAME_LENGTH = 255

# Lets the check constraint below express "at most MAX_BODY_LENGTH characters".
models.TextField.register_lookup(Length, "length")


class SenderType(models.TextChoices):
    VISITOR = "visitor", "Visitor"
    AGENT = "agent", "Agent"
    AI = "ai", "AI"
    SYSTEM = "system", "System"


class Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveIntegerField()
    version = models.PositiveBigIntegerField()
    client_id = models.CharField(max_length=MAX_CLIENT_ID_LENGTH, null=True, blank=True)
    sender_type = models.CharField(max_length=10, choices=SenderType.choices)
    sender_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    sender_visitor = models.ForeignKey(
        "conversations.Visitor",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    body = models.TextField(blank=True)
    # The wire data of the message's attachments (messaging.wire), written once when it is
    # sent and emptied when it is deleted: serializing a message never costs a query.
    # The Attachment rows stay the truth for access and for the stored files.
    attachments_data = models.JSONField(default=list, blank=True, db_default=Value([], JSONField()))
    # A private note: agents only. Notes take the agents' numbering (`seq`, `version`) but
    # not the visitor's (`visitor_seq`, `visitor_version`, null for notes), so a visitor's
    # client never sees a gap because of one (docs/protocol.md, "Private notes").
    internal = models.BooleanField(default=False)
    visitor_seq = models.PositiveIntegerField(null=True, blank=True)
    visitor_version = models.PositiveBigIntegerField(null=True, blank=True)
    # Not `auto_now_add`, which stamps its own later clock reading over the one a send
    # passes: a message's `created_at` is its conversation's `updated_at` (and its first
    # response time), to the microsecond, on both ways to send (messaging/fast_send.py).
    created_at = models.DateTimeField(default=timezone.now, editable=False, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            # since_version: "what changed in this conversation after V"
            models.Index(fields=["conversation", "version"], name="msg_conv_version_idx"),
            # Reports: messages sent in a date range. (A BRIN index would be smaller, but
            # rows land in old pages' free space after purges and it then reads most of the
            # table for a week.)
            models.Index(fields=["created_at"], name="msg_created_idx"),
            # Reports: "answered by the AI alone". Only AI messages are in it, so sending
            # as an agent or a visitor never writes to it.
            models.Index(
                fields=["conversation"],
                name="msg_ai_conv_idx",
                condition=Q(sender_type=SenderType.AI),
            ),
            # the visitor's since_version
            models.Index(
                fields=["conversation", "visitor_version"],
                condition=Q(internal=False),
                name="msg_conv_visitor_version_idx",
            ),
        ]
        constraints = [
            # History pages walk this unique index (conversation, seq) in both directions.
            models.UniqueConstraint(fields=["conversation", "seq"], name="msg_unique_seq"),
            models.UniqueConstraint(
                fields=["conversation", "visitor_seq"],
                condition=Q(internal=False),
                name="msg_unique_visitor_seq",
            ),
            models.CheckConstraint(
                condition=Q(internal=True, visitor_seq__isnull=True, visitor_version__isnull=True)
                | Q(internal=False, visitor_seq__isnull=False, visitor_version__isnull=False),
                name="msg_visitor_numbers_unless_note",
            ),
            models.CheckConstraint(
                condition=Q(internal=False) | Q(sender_type=SenderType.AGENT),
                name="msg_notes_are_agents",
            ),
            models.UniqueConstraint(
                fields=["sender_agent", "client_id"],
                condition=Q(sender_agent__isnull=False, client_id__isnull=False),
                name="msg_unique_agent_client_id",
            ),
            models.UniqueConstraint(
                fields=["sender_visitor", "client_id"],
                condition=Q(sender_visitor__isnull=False, client_id__isnull=False),
                name="msg_unique_visitor_client_id",
            ),
            models.CheckConstraint(
                condition=Q(sender_type__in=SenderType.values), name="msg_sender_type_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(sender_type=SenderType.AGENT, sender_agent__isnull=False)
                    | Q(sender_type=SenderType.VISITOR, sender_visitor__isnull=False)
                    | Q(sender_type__in=[SenderType.AI, SenderType.SYSTEM])
                ),
                name="msg_sender_matches_type",
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="msg_seq_positive"),
            models.CheckConstraint(
                condition=Q(body__length__lte=MAX_BODY_LENGTH), name="msg_body_max_length"
            ),
            # An empty body only with attachments, or as a tombstone.
            models.CheckConstraint(
                condition=~Q(body="") | ~Q(attachments_data=[]) | Q(deleted_at__isnull=False),
                name="msg_body_or_attachments",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(body=""), name="msg_deleted_has_no_body"
            ),
        ]

    def __str__(self) -> str:
        return f"Message #{self.seq}"

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def to_wire(self, *, for_visitor: bool = False) -> dict:
        """The contract's Message object, as agents or (`for_visitor`) the visitor number it.
        A method, so that `conversations` can render a conversation's `last_message` without
        importing this app (it depends on us)."""
        return serialize_message(self, for_visitor=for_visitor)


class EditKind(models.TextChoices):
    EDIT = "edit", "Edited"
    DELETE = "delete", "Deleted"


class MessageEdit(models.Model):
    """An earlier body of a message, kept when it was edited or deleted (supervisors only)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits")
    kind = models.CharField(max_length=10, choices=EditKind.choices)
    previous_body = models.TextField()
    changed_by_type = models.CharField(max_length=10, choices=SenderType.choices)
    changed_by_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["message", "changed_at"], name="msgedit_message_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.message_id} at {self.changed_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """An uploaded file: first on its own (uploaded, not yet sent), then part of one message.

    The stored files are private and their keys random (`messaging.storage`); deleting a
    row by any path (a message deleted, a conversation or visitor erased, the clean-up of
    unused uploads) deletes its files once the transaction commits (`messaging.receivers`).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    # An agent's upload belongs to the conversation it was made in; a visitor's to the
    # visitor (whose conversation may not exist before the first message).
    conversation = models.ForeignKey(
        "conversations.Conversation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    uploader_type = models.CharField(max_length=10, choices=SenderType.choices)
    uploader_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    uploader_visitor = models.ForeignKey(
        "conversations.Visitor",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    name = models.CharField(max_length=MAX_ATTACHMENT_NAME_LENGTH)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    file_key = models.CharField(max_length=200)
    thumbnail_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The clean-up's question: unused uploads older than a day.
            models.Index(
                fields=["created_at"],
                condition=Q(message__isnull=True),
                name="attachment_unused_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(uploader_type__in=[SenderType.AGENT, SenderType.VISITOR]),
                name="attachment_uploader_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.width is not None

    def to_data(self) -> dict:
        """What a message keeps of it (`Message.attachments_data`): everything its wire
        object is built from (messaging.wire)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "content_type": self.content_type,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "file_key": self.file_key,
            "thumbnail_key": self.thumbnail_key or None,
            "created_at": iso_datetime(self.created_at),
        }

    def to_wire(self) -> dict:
        return serialize_attachment(self.to_data())
