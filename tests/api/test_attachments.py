"""Uploads, types, limits, images and downloads over REST (PROTOCOL section 6), on the
filesystem storage; tests/api/test_attachments_s3.py runs the S3 path."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from messaging.models import Attachment
from tests.support import files
from tests.support.files import stored_files

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name="file.bin", content_type="application/octet-stream", url=None):
    """POST one file as multipart, the way a browser does."""
    target = url or "/api/v1/widget/attachments/"
    return client.post(
        target, {"file": SimpleUploadedFile(name, data, content_type)}, format="multipart"
    )


def upload_raw(client, data: bytes, name: str, url="/api/v1/widget/attachments/"):
    """POST a multipart body written by hand: Django's test client would cut the file
    name down to a base name of at most 255 characters itself, as a browser does."""
    boundary = "----livechat-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.generic("POST", url, body, f"multipart/form-data; boundary={boundary}")


def fetch(client, url: str):
    """GET a signed URL without credentials (as an <img> does), the body read."""
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.fixture
def agent_upload_url(conversation):
    return f"/api/v1/conversations/{conversation.pk}/attachments/"


def test_a_visitor_uploads_an_image(media, as_visitor, visitor, anonymous):
    r = upload(as_visitor, files.png(640, 480), "screen shot.png", "image/png")
    assert r.status_code == 201, r.content
    a = r.json()
    assert set(a) == {
        "id", "name", "content_type", "size", "width", "height", "url", "thumbnail_url",
        "created_at",
    }  # fmt: skip
    assert (a["name"], a["content_type"], a["width"], a["height"]) == (
        "screen shot.png", "image/png", 640, 480,
    )  # fmt: skip
    response, body = fetch(anonymous, a["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "sandbox" in response["Content-Security-Policy"]
    assert len(body) == a["size"] and Image.open(io.BytesIO(body)).size == (640, 480)
    thumb_response, thumb = fetch(anonymous, a["thumbnail_url"])
    assert thumb_response.status_code == 200
    assert max(Image.open(io.BytesIO(thumb)).size) == 320
    row = Attachment.objects.get(pk=a["id"])
    assert row.message is None and row.uploader_visitor == visitor
    # Two files (the image and its thumbnail), under random keys that name nothing.
    stored = stored_files(media)
    assert len(stored) == 2
    assert not any(a["id"] in key or "screen" in key for key in stored)


def test_an_agent_uploads_to_a_conversation(media, as_alice, alice, agent_upload_url, anonymous):
    r = upload(as_alice, files.pdf(), "invoice.pdf", "application/pdf", url=agent_upload_url)
    assert r.status_code == 201, r.content
    a = r.json()
    assert (a["content_type"], a["width"], a["height"], a["thumbnail_url"]) == (
        "application/pdf", None, None, None,
    )  # fmt: skip
    response, body = fetch(anonymous, a["url"])
    assert body == files.pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_upload_needs_the_right_caller(media, as_stranger, as_visitor, anonymous, agent_upload_url):
    data = files.pdf()
    assert upload(anonymous, data, "a.pdf").status_code == 401
    assert upload(as_stranger, data, "a.pdf", url=agent_upload_url).status_code == 403
    # A visitor uses the widget endpoint; the agents' one is not for visitor tokens.
    assert upload(as_visitor, data, "a.pdf", url=agent_upload_url).status_code == 401
    assert stored_files(media) == []


def test_an_agent_uploading_to_an_unknown_conversation_gets_404(media, as_alice):
    url = "/api/v1/conversations/00000000-0000-0000-0000-000000000000/attachments/"
    r = upload(as_alice, files.pdf(), "a.pdf", url=url)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("data", "name", "header", "content_type", "stored_name"),
    [
        (files.png(50, 40), "x.png", "image/png", "image/png", "x.png"),
        (files.jpeg_with_gps(), "p.JPEG", "image/jpeg", "image/jpeg", "p.JPEG"),
        (files.animated_gif(), "a.gif", "image/gif", "image/gif", "a.gif"),
        (files.image_bytes(60, 60, "WEBP"), "w.webp", "image/webp", "image/webp", "w.webp"),
        (files.pdf(), "doc.pdf", "application/pdf", "application/pdf", "doc.pdf"),
        ("Halo, pesanan saya 🙂\n".encode(), "note.txt", "text/plain", "text/plain", "note.txt"),
        (b"sku;qty\nA1;2\nB7;10\n", "order.csv", "text/csv", "text/csv", "order.csv"),
        (files.zip_of({"a.txt": b"hello"}), "bundle.zip", "application/zip", "application/zip",
         "bundle.zip"),
        (files.docx(), "cv.docx", "application/octet-stream",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "cv.docx"),
        (files.odt(), "cv.odt", "", "application/vnd.oasis.opendocument.text", "cv.odt"),
        (files.legacy_doc(), "old.doc", "application/msword", "application/msword", "old.doc"),
        # The type comes from the bytes: names and headers that lie change nothing...
        (files.png(50, 40), "invoice.pdf", "application/pdf", "image/png", "invoice.pdf.png"),
        (files.pdf(), "photo.jpg", "image/jpeg", "application/pdf", "photo.jpg.pdf"),
        # ...and text is text, so an HTML page never downloads as one.
        (b"<html><script>alert(1)</script></html>", "page.html", "text/html", "text/plain",
         "page.html.txt"),
    ],
)  # fmt: skip
def test_the_type_is_decided_from_the_content(
    media, as_visitor, data, name, header, content_type, stored_name
):
    r = upload(as_visitor, data, name, header or "application/octet-stream")
    assert r.status_code == 201, r.content
    assert r.json()["content_type"] == content_type
    assert r.json()["name"] == stored_name


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (files.windows_exe(), "setup.png"),
        (b"\x7fELF\x02\x01\x01" + b"\0" * 100, "notes.txt"),
        (files.image_bytes(40, 40, "BMP"), "pic.bmp"),
        (files.image_bytes(40, 40, "TIFF"), "scan.tiff"),
        (b"\x00\x01binary\x00data", "data.txt"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000, "installer.doc"),
    ],
)
def test_other_types_are_415(media, as_visitor, data, name):
    r = upload(as_visitor, data, name, "image/png")
    assert r.status_code == 415, r.content
    assert r.json()["code"] == "unsupported_type" and r.json()["detail"]
    assert stored_files(media) == [] and not Attachment.objects.exists()


def test_over_the_size_limit_is_413(media, settings, as_visitor):
    settings.ATTACHMENT_MAX_BYTES = 2000
    r = upload(as_visitor, b"a" * 2001, "big.txt", "text/plain")
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    assert upload(as_visitor, b"a" * 2000, "fits.txt", "text/plain").status_code == 201


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (files.truncated_png(), "broken.png", 400, "validation_error"),
        (files.zip_bomb(), "cat.png", 413, "too_large"),
        (b"", "empty.png", 400, "validation_error"),
        (files.png(20, 20), "../../etc/cron.d/x.png", 400, "validation_error"),
        (files.png(20, 20), "..\\evil.png", 400, "validation_error"),
        (files.png(20, 20), "bell\x07.png", 400, "validation_error"),
        (files.png(20, 20), "invoice\u202egnp.exe", 400, "validation_error"),
        (files.png(20, 20), "x" * 300 + ".png", 400, "validation_error"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_stores_nothing(
    media, as_visitor, as_alice, agent_upload_url, data, name, status, code
):
    for client, url in [(as_visitor, "/api/v1/widget/attachments/"), (as_alice, agent_upload_url)]:
        r = upload_raw(client, data, name, url=url)
        assert r.status_code == status, r.content
        assert r.json()["code"] == code and r.json()["detail"]
    assert stored_files(media) == [] and not Attachment.objects.exists()


def test_a_decompression_bomb_image_is_refused(media, as_visitor):
    # 1-bit pixels compress to almost nothing: 60 megapixels in a few kilobytes of PNG.
    img = Image.new("1", (10_000, 6_000))
    out = io.BytesIO()
    img.save(out, "PNG")
    r = upload(as_visitor, out.getvalue(), "huge.png", "image/png")
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    assert stored_files(media) == []


def test_a_multipart_body_without_the_file_is_400(media, as_visitor):
    r = as_visitor.post("/api/v1/widget/attachments/", {"other": "x"}, format="multipart")
    assert r.status_code == 400 and r.json()["code"] == "validation_error"
    r = as_visitor.post("/api/v1/widget/attachments/", {"file": "x"}, format="json")
    assert r.status_code == 415


def test_exif_and_gps_are_removed_and_the_photo_turned_upright(media, as_visitor, anonymous):
    original = files.jpeg_with_gps(400, 300, orientation=6)  # taken holding the phone sideways
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    a = upload(as_visitor, original, "me.jpg", "image/jpeg").json()
    assert (a["width"], a["height"]) == (300, 400)
    for url in (a["url"], a["thumbnail_url"]):
        _response, body = fetch(anonymous, url)
        stored = Image.open(io.BytesIO(body))
        assert stored.format == "JPEG"
        assert not stored.getexif() and not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in stored.info and "comment" not in stored.info
        assert b"Exif" not in body and b"PhoneCo" not in body and b"shot at home" not in body


def test_big_images_are_scaled_to_2048_with_a_320_thumbnail(media, as_visitor, anonymous):
    a = upload(as_visitor, files.png(4000, 1000), "wide.png", "image/png").json()
    assert (a["width"], a["height"]) == (2048, 512)
    _r, body = fetch(anonymous, a["url"])
    assert Image.open(io.BytesIO(body)).size == (2048, 512)
    _r, thumb = fetch(anonymous, a["thumbnail_url"])
    assert Image.open(io.BytesIO(thumb)).size == (320, 80)


def test_a_small_image_is_its_own_thumbnail(media, as_visitor, anonymous):
    a = upload(as_visitor, files.png(120, 90), "icon.png", "image/png").json()
    _r, full = fetch(anonymous, a["url"])
    _r, thumb = fetch(anonymous, a["thumbnail_url"])
    assert full == thumb and Image.open(io.BytesIO(thumb)).size == (120, 90)
    assert len(stored_files(media)) == 1


def test_animated_gifs_stay_animated(media, as_visitor, anonymous):
    a = upload(as_visitor, files.animated_gif(800, 600, frames=4), "dance.gif", "image/gif").json()
    _r, body = fetch(anonymous, a["url"])
    full = Image.open(io.BytesIO(body))
    assert full.format == "GIF" and full.n_frames == 4 and full.size == (800, 600)
    assert "comment" not in full.info
    _r, thumb = fetch(anonymous, a["thumbnail_url"])
    small = Image.open(io.BytesIO(thumb))
    assert small.n_frames == 4 and small.size == (320, 240)


def test_an_animation_too_large_to_decode_is_refused(media, as_visitor):
    r = upload(as_visitor, files.animated_gif(2000, 2000, frames=12), "long.gif", "image/gif")
    assert r.status_code == 413 and "animation" in r.json()["detail"]
    assert stored_files(media) == []


def test_uploads_are_throttled(media, monkeypatch, as_visitor):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "upload": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    codes = [upload(as_visitor, b"hi", "a.txt", "text/plain").status_code for _ in range(3)]
    assert codes == [201, 201, 429]


async def test_an_upload_that_cannot_fit_is_refused_before_it_is_read(settings):
    """livechat.asgi's guard: judged on Content-Length, before Django spools the body."""
    from livechat.asgi import application

    settings.ATTACHMENT_MAX_BYTES = 1000
    sent, received = [], []

    async def receive():
        received.append(1)
        return {"type": "http.request", "body": b"x" * 10, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/api/v1/widget/attachments/",
        "headers": [(b"content-length", str(10**9).encode()), (b"host", b"testserver")],
        "query_string": b"",
    }  # fmt: skip
    await application(scope, receive, send)
    assert sent[0]["status"] == 413
    assert b'"code":"too_large"' in sent[1]["body"]
    sent.clear()
    no_length = {**scope, "headers": [(b"host", b"testserver")]}
    await application(no_length, receive, send)
    assert sent[0]["status"] == 411
