"""The filesystem storage's signed URLs: `/attachments/<id>/<variant>/<expires>/<signature>/`.

No session or token is needed (an `<img>` carries none): the signature is the permission,
made by `messaging.storage.signed_url` after the access check of the REST endpoint or
while serializing a message for someone who may see it. The file is streamed, never
sniffed or rendered as a page: `nosniff`, a sandboxing CSP, and anything but an image as
a download.
"""

import time

from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_GET

from livechat.error_responses import error_response
from messaging import storage
from messaging.models import Attachment

# The page's own CSP would allow scripts from our origin; a file gets nothing at all.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@require_GET
def attachment_file(request: HttpRequest, attachment_id, variant: str, expires: int, signature):
    if variant not in storage.VARIANTS or not storage.verify_signature(
        attachment_id=str(attachment_id), variant=variant, expires=expires, signature=signature
    ):
        return error_response("This link is not valid.", "forbidden", 403)
    remaining = expires - int(time.time())
    if remaining <= 0:
        return error_response("This link has expired.", "forbidden", 403)
    # A deleted message takes its attachment rows (and files) along: the link dies with it.
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    key = None
    if attachment is not None:
        key = attachment.file_key if variant == storage.FILE else attachment.thumbnail_key
    if not key:
        return error_response("This file no longer exists.", "not_found", 404)
    try:
        handle = storage.attachment_storage().open(key, "rb")
    except FileNotFoundError:
        return error_response("This file no longer exists.", "not_found", 404)
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = storage.disposition(attachment.name, attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # The URL itself changes when it expires, so the browser may keep the bytes until then.
    response["Cache-Control"] = f"private, max-age={remaining}"
    return response
