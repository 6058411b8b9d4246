"""Where attachment files live and how they are reached: the `attachments` storage of
`settings.STORAGES` (S3-compatible when `S3_BUCKET` is set, the filesystem otherwise).

Files are private. Keys are random and say nothing about the conversation or the
attachment id. A URL to a file is signed and expires: a presigned S3 URL, or on the
filesystem a URL of `messaging.downloads.attachment_file` signed with the secret key.

A URL's expiry is rounded down to a step of a tenth of `ATTACHMENT_URL_TTL`, so every
serialization within a step gives the same URL: the browser's cache keeps working across
history reloads, REST and WebSocket show identical objects, and S3 presigning (a few
hundred microseconds) runs once per file and step, not once per message serialized.
"""

import secrets
import time
from functools import lru_cache
from typing import BinaryIO

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.urls import reverse
from django.utils.http import content_disposition_header

FILE = "file"
THUMBNAIL = "thumbnail"
VARIANTS = (FILE, THUMBNAIL)
_signer = signing.Signer(salt="livechat.attachment-url")


def attachment_storage() -> Storage:
    return storages["attachments"]


def uses_s3() -> bool:
    return bool(settings.S3_BUCKET)


def new_key(extension: str) -> str:
    """A fresh, unguessable key: `attachments/2026/11/<32 random characters>.<ext>`."""
    return f"attachments/{time.strftime('%Y/%m')}/{secrets.token_urlsafe(24)}.{extension}"


def save(key: str, content: BinaryIO | bytes, content_type: str) -> None:
    """Store `content` under `key`, streaming it from the file when it is one."""
    wrapped = ContentFile(content) if isinstance(content, bytes) else File(content)
    wrapped.content_type = content_type  # what S3 serves it as (never the client's header)
    saved = attachment_storage().save(key, wrapped)
    if saved != key:  # FileSystemStorage renames on a clash, which random keys never have
        attachment_storage().delete(saved)
        raise RuntimeError(f"attachment key {key} was taken")


def delete(key: str) -> None:
    if key:
        attachment_storage().delete(key)


def url_expiry(now: float | None = None) -> int:
    """The expiry of URLs made now: at most ATTACHMENT_URL_TTL away, one per step."""
    ttl = int(settings.ATTACHMENT_URL_TTL)
    step = max(1, ttl // 10)
    return int((now if now is not None else time.time()) + ttl) // step * step


def signed_url(*, attachment_id: str, variant: str, key: str, name: str, content_type: str) -> str:
    expires = url_expiry()
    if uses_s3():
        return _presigned(key, expires, name, content_type)
    value = f"{attachment_id}/{variant}/{expires}"
    signature = _signer.sign(value).rsplit(_signer.sep, 1)[1]
    return reverse("attachment-file", args=[attachment_id, variant, expires, signature])


def verify_signature(*, attachment_id: str, variant: str, expires: int, signature: str) -> bool:
    """Whether a filesystem URL is one we made (current or fallback secret keys)."""
    value = f"{attachment_id}/{variant}/{expires}"
    try:
        _signer.unsign(f"{value}{_signer.sep}{signature}")
    except signing.BadSignature:
        return False
    return True


def disposition(name: str, content_type: str) -> str:
    """Images are shown; anything else is downloaded, never rendered by the browser."""
    inline = content_type.startswith("image/")
    return content_disposition_header(as_attachment=not inline, filename=name)


@lru_cache(maxsize=4096)
def _presigned(key: str, expires: int, name: str, content_type: str) -> str:
    parameters = {
        "ResponseContentType": content_type,
        "ResponseContentDisposition": disposition(name, content_type),
    }
    lifetime = max(1, expires - int(time.time()))
    return attachment_storage().url(key, parameters=parameters, expire=lifetime)
