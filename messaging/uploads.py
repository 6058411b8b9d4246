"""Receiving uploads: the multipart parsing of the upload endpoints, and an ASGI guard in
front of Django that refuses oversized ones before they are read.

Django's ASGI handler reads a whole request body (spooled to a temporary file past
FILE_UPLOAD_MAX_MEMORY_SIZE) before any view runs, so a view cannot refuse a huge upload
early: `UploadSizeGuard` refuses, from the `Content-Length` header alone, an upload that
cannot fit in ATTACHMENT_MAX_BYTES. What passes is parsed into temporary files (Django's
upload handlers: in memory only up to FILE_UPLOAD_MAX_MEMORY_SIZE) and checked exactly by
`messaging.attachments.attachment_upload`.

Django's multipart parser quietly cuts a file name down to its last path component and
drops control characters; the upload endpoints refuse such names instead (a browser never
sends them), whichever way the body is parsed: by DRF (`AttachmentParser`) or by Django
itself, when the CSRF check of a session reads `request.POST` (`strict_file_names`).
"""

import re

from django.conf import settings
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from rest_framework import exceptions, parsers
from rest_framework.parsers import DataAndFiles

from livechat.error_responses import error_body
from livechat.wire import encode_json
from messaging.attachments import clean_file_name

UPLOAD_PATH = re.compile(r"^/api/v1/(?:conversations/[^/]+|widget)/attachments/?$")
# Room for the multipart envelope (boundaries, part headers, a long file name).
MULTIPART_OVERHEAD = 64 * 1024
# Read and dropped before answering, so that clients see the 413 instead of a reset
# connection; beyond this the connection is closed unread.
MAX_DRAIN = 64 * 1024 * 1024


class UploadSizeGuard:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and UPLOAD_PATH.match(scope["path"])
        ):
            length = _content_length(scope)
            limit = int(settings.ATTACHMENT_MAX_BYTES)
            if length is None:
                return await _refuse(
                    receive,
                    send,
                    411,
                    "An upload needs a Content-Length header.",
                    "length_required",
                )
            if length > limit + MULTIPART_OVERHEAD:
                return await _refuse(
                    receive, send, 413, f"The file is larger than {limit:,} bytes.", "too_large"
                )
        return await self.app(scope, receive, send)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(receive, send, status: int, detail: str, code: str) -> None:
    drained = 0
    while drained <= MAX_DRAIN:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = encode_json(error_body(detail, code)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class StrictNameMultiPartParser(MultiPartParser):
    def sanitize_file_name(self, file_name):
        return clean_file_name(file_name)


class AttachmentParser(parsers.MultiPartParser):
    """DRF's multipart parser with `StrictNameMultiPartParser`."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            parser = StrictNameMultiPartParser(meta, stream, request.upload_handlers, encoding)
            return DataAndFiles(*parser.parse())
        except MultiPartParserError as exc:
            raise exceptions.ParseError(f"Multipart form parse error - {exc}") from exc


def strict_file_names(request: HttpRequest) -> None:
    """Make Django's own parsing of this request's body (`request.POST`) strict too."""

    def parse_file_upload(meta, post_data):
        return StrictNameMultiPartParser(
            meta, post_data, request.upload_handlers, request.encoding
        ).parse()

    request.parse_file_upload = parse_file_upload
