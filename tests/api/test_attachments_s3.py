"""The S3 path of the attachment storage (S3_BUCKET set), against a real S3 HTTP endpoint
on loopback: moto's server, started here. Files land in the bucket as private objects,
presigned URLs are fetched over HTTP, and deleting a message deletes its objects.

What only a real S3 checks (signatures, expiry of presigned URLs) moto does not: those are
S3's own job; our part, asking for the right expiry, is checked on the URL itself."""

import logging
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from conversations.actors import Actor
from messaging.services import message_delete, message_send
from tests.api.test_attachments import upload
from tests.support import files

pytestmark = pytest.mark.django_db
BUCKET = "livechat-attachments"
CREDENTIALS = {"S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    moto_server = pytest.importorskip("moto.server")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint):
    """The settings S3_BUCKET & co. produce (livechat/settings.py), on a fresh bucket."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.S3_BUCKET = BUCKET
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": CREDENTIALS["S3_ACCESS_KEY_ID"],
                "secret_key": CREDENTIALS["S3_SECRET_ACCESS_KEY"],
                "region_name": "us-east-1",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": True,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def http_get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_uploads_are_private_objects_reached_by_presigned_urls(s3, s3_endpoint, as_visitor):
    r = upload(as_visitor, files.png(1000, 500), "receipt.png", "image/png")
    assert r.status_code == 201, r.content
    a = r.json()
    stored = keys(s3)
    assert len(stored) == 2 and all(k.startswith("attachments/") for k in stored)
    assert not any("receipt" in k or a["id"] in k for k in stored)
    head = s3.head_object(Bucket=BUCKET, Key=stored[0])
    assert head["ContentType"] == "image/png"  # from the bytes, not the client
    # Private: the object itself cannot be read without a signature.
    assert http_get(f"{s3_endpoint}/{BUCKET}/{stored[0]}")[0] == 403

    assert a["url"].startswith(s3_endpoint)
    query = parse_qs(urlsplit(a["url"]).query)
    assert 0 < int(query["X-Amz-Expires"][0]) <= 3600
    status, headers, body = http_get(a["url"])
    assert status == 200 and body[:8] == b"\x89PNG\r\n\x1a\n"
    assert headers["Content-Disposition"].startswith("inline")
    status, _headers, thumb = http_get(a["thumbnail_url"])
    assert status == 200 and len(thumb) < len(body)


def test_documents_download_as_attachments(s3, as_visitor):
    a = upload(as_visitor, files.pdf(), "terms.pdf", "application/pdf").json()
    status, headers, body = http_get(a["url"])
    assert status == 200 and body == files.pdf()
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'attachment; filename="terms.pdf"'


def test_the_redirect_and_deletion(s3, as_visitor, visitor, django_capture_on_commit_callbacks):
    a = upload(as_visitor, files.pdf(), "terms.pdf", "application/pdf").json()
    message, _ = message_send(actor=Actor.for_visitor(visitor), body="", attachments=[a["id"]])
    r = as_visitor.get(f"/api/v1/attachments/{a['id']}/")
    assert r.status_code == 302
    assert http_get(r["Location"])[0] == 200
    with django_capture_on_commit_callbacks(execute=True):
        message_delete(actor=Actor.for_visitor(visitor), message_id=message.pk)
    assert keys(s3) == []
    # S3 answers 403 for a missing key to whoever may not list the bucket.
    assert http_get(r["Location"])[0] in (403, 404)


def test_bad_input_stores_nothing(s3, as_visitor):
    for data, name in [(files.truncated_png(), "a.png"), (files.windows_exe(), "b.pdf")]:
        assert upload(as_visitor, data, name).status_code in (400, 415)
    assert keys(s3) == []
