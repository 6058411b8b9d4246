"""Attachments: uploading one, attaching uploads to a message as it is sent, and removing
uploads that were never sent (PROTOCOL section 6).

An upload is checked completely (size, name, type from the content, the image decoded and
re-encoded) before anything is stored, so bad input stores nothing.
"""

import unicodedata
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversations.access import access_conversation, parse_id
from conversations.actors import Actor, user_is_agent
from conversations.models import Conversation
from livechat.errors import Forbidden, NotFound, TooLarge, ValidationFailed
from messaging import storage
from messaging.filetypes import FileType, sniff
from messaging.images import clean_image
from messaging.models import MAX_ATTACHMENT_NAME_LENGTH, Attachment, Message

MAX_ATTACHMENTS_PER_MESSAGE = 10
UNUSED_LIFETIME = timedelta(days=1)
# A name keeps its extension when it agrees with the content; otherwise the right one is
# added (`notes.html` that is plain text is kept as `notes.html.txt`), so a downloaded
# file never opens as something it is not.
EXTENSIONS = {
    "jpg": {"jpg", "jpeg", "jpe", "jfif"},
    "txt": {"txt", "text", "log", "md"},
    "csv": {"csv", "tsv", "txt"},
    "doc": {"doc", "dot"},
    "xls": {"xls", "xlt"},
    "ppt": {"ppt", "pps", "pot"},
}
# Unicode categories that have no place in a file name: controls, format characters
# (bidirectional overrides that make `invoice‮fdp.exe` read as `invoiceexe.pdf`),
# separators other than the space, unassigned and private-use code points.
BAD_NAME_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_file_name(name) -> str:
    """A name as the uploader's system gave it, or a validation error: never a path."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed.field("file", "The file needs a name.")
    name = unicodedata.normalize("NFC", name.strip())
    if len(name) > MAX_ATTACHMENT_NAME_LENGTH:
        raise ValidationFailed.field(
            "file", f"The file name is longer than {MAX_ATTACHMENT_NAME_LENGTH} characters."
        )
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValidationFailed.field("file", "The file name must not contain a path.")
    if any(unicodedata.category(c) in BAD_NAME_CATEGORIES for c in name):
        raise ValidationFailed.field("file", "The file name contains control characters.")
    return name


def _name_for(name: str, kind: FileType) -> str:
    stem, dot, extension = name.rpartition(".")
    if dot and stem and extension.lower() in EXTENSIONS.get(kind.extension, {kind.extension}):
        return name
    fixed = f"{name}.{kind.extension}"
    if len(fixed) > MAX_ATTACHMENT_NAME_LENGTH:
        fixed = f"{name[: MAX_ATTACHMENT_NAME_LENGTH - len(kind.extension) - 1]}.{kind.extension}"
    return fixed


def attachment_upload(*, actor: Actor, upload: UploadedFile, conversation_id=None) -> Attachment:
    """Check and store one uploaded file; it stays unused until a message takes it.

    Agents upload to a conversation (`conversation_id`); a visitor's upload belongs to the
    visitor, whose conversation may not exist before the first message.
    """
    limit = int(settings.ATTACHMENT_MAX_BYTES)
    if upload.size > limit:
        raise TooLarge(f"The file is larger than {limit:,} bytes.")
    if upload.size == 0:
        raise ValidationFailed.field("file", "The file is empty.")
    name = clean_file_name(upload.name)
    conversation: Conversation | None = None
    if actor.is_agent:
        conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    elif not actor.is_visitor:
        raise Forbidden("Only agents and visitors upload files.")

    kind = sniff(upload.file, upload.size)
    attachment = Attachment(
        conversation=conversation,
        uploader_type=actor.type,
        uploader_agent=actor.user if actor.is_agent else None,
        uploader_visitor=actor.visitor if actor.is_visitor else None,
        name=_name_for(name, kind),
        content_type=kind.content_type,
        file_key=storage.new_key(kind.extension),
    )
    if kind.is_image:
        image = clean_image(upload.file, kind.content_type)
        attachment.size = len(image.data)
        attachment.width, attachment.height = image.width, image.height
        attachment.thumbnail_key = attachment.file_key
        if image.thumbnail is not None:
            attachment.thumbnail_key = storage.new_key(kind.extension)
        stored = [(attachment.file_key, image.data)]
        if image.thumbnail is not None:
            stored.append((attachment.thumbnail_key, image.thumbnail))
    else:
        attachment.size = upload.size
        upload.file.seek(0)
        stored = [(attachment.file_key, upload.file)]

    done: list[str] = []
    try:
        for key, content in stored:
            storage.save(key, content, kind.content_type)
            done.append(key)
        attachment.save()
    except BaseException:
        for key in done:
            storage.delete(key)
        raise
    return attachment


def access_attachment(*, actor: Actor, attachment_id) -> Attachment:
    """An attachment the actor may download: agents any; a visitor those of its own
    conversation, and its own uploads not sent yet. Anything else is NotFound."""
    pk = parse_id(attachment_id, what="Attachment")
    if actor.is_visitor:
        visitor_id = actor.visitor.pk
        mine = Q(message__conversation__visitor_id=visitor_id) | Q(
            message__isnull=True, uploader_visitor_id=visitor_id
        )
        attachment = Attachment.objects.filter(mine, pk=pk).first()
    elif actor.is_agent and user_is_agent(actor.user):
        attachment = Attachment.objects.filter(pk=pk).first()
    else:
        attachment = None
    if attachment is None:
        raise NotFound("Attachment not found.")
    return attachment


def clean_attachment_ids(value) -> list[uuid.UUID]:
    """`attachments` of send_message: a list of at most 10 distinct attachment ids."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed.field("attachments", "Must be a list of attachment ids.")
    if len(value) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise ValidationFailed.field(
            "attachments", f"A message can carry at most {MAX_ATTACHMENTS_PER_MESSAGE} files."
        )
    ids = []
    for v in value:
        try:
            ids.append(uuid.UUID(v))
        except ValueError:
            raise ValidationFailed.field("attachments", f"Unknown attachment: {v}.") from None
    if len(set(ids)) != len(ids):
        raise ValidationFailed.field("attachments", "An attachment is listed twice.")
    return ids


def attachments_claim(
    *, actor: Actor, conversation: Conversation, ids: list[uuid.UUID]
) -> list[Attachment]:
    """The sender's unused uploads `ids`, in that order, for a message being sent in
    `conversation`. Runs under the conversation's lock, which every claim of these
    uploads takes too (an agent's belong to the conversation, a visitor's to its one
    conversation), so two sends cannot take the same upload."""
    if actor.is_agent:
        mine = Attachment.objects.filter(uploader_agent=actor.user, conversation=conversation)
    elif actor.is_visitor:
        mine = Attachment.objects.filter(uploader_visitor_id=actor.visitor.pk)
    else:
        raise ValidationFailed.field("attachments", "Only agents and visitors send files.")
    found = {a.pk: a for a in mine.filter(pk__in=ids, message__isnull=True)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationFailed.field(
            "attachments",
            f"Unknown, already sent or not your upload: {', '.join(missing)}.",
        )
    return [found[i] for i in ids]


def attachments_attach(claimed: list[Attachment], *, message: Message) -> None:
    """The claimed uploads now belong to `message` (just created with their data)."""
    Attachment.objects.filter(pk__in=[a.pk for a in claimed]).update(
        message=message, conversation_id=message.conversation_id
    )


def attachments_remove(*, message: Message) -> None:
    """A message being deleted loses its attachments: the rows go now and, once that
    commits, their files (messaging.receivers), so their URLs stop working."""
    Attachment.objects.filter(message=message).delete()
    message.attachments_data = []


def attachment_delete_unused(
    *, older_than: timedelta = UNUSED_LIFETIME, dry_run: bool = False
) -> int:
    """Remove uploads never sent in a message and older than `older_than` (a day); their
    files go once the deletion commits. Returns how many there were (all of them with
    `dry_run`, which removes nothing)."""
    unused = Attachment.objects.filter(
        message__isnull=True, created_at__lt=timezone.now() - older_than
    )
    if dry_run:
        return unused.count()
    removed = 0
    while True:
        with transaction.atomic():
            # Batches keep each transaction (and the list of files to delete) small.
            batch = list(unused.values_list("pk", flat=True)[:500])
            if not batch:
                return removed
            removed += (
                Attachment.objects.filter(pk__in=batch, message__isnull=True)
                .delete()[1]
                .get(Attachment._meta.label, 0)
            )
