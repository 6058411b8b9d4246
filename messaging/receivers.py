"""Stored files follow their Attachment rows: whatever deletes a row (a message deleted, a
conversation or visitor erased, unused uploads cleaned up, the admin) deletes its files,
once the deletion has committed, so a rolled-back deletion keeps them."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from messaging import storage
from messaging.models import Attachment

logger = logging.getLogger(__name__)


@receiver(post_delete, sender=Attachment, dispatch_uid="attachment-files")
def delete_attachment_files(sender, instance: Attachment, using: str, **kwargs) -> None:
    keys = {instance.file_key, instance.thumbnail_key} - {""}

    def delete() -> None:
        for key in keys:
            try:
                storage.delete(key)
            except Exception:
                # The row is gone either way; an orphaned object is only wasted space.
                logger.exception("could not delete attachment file %s", key)

    transaction.on_commit(delete, using=using)
