"""Uploads through a real daphne: Django parses the multipart body, not Twisted.

Twisted would parse every multipart POST itself first (the whole file in memory) and
answer a form its email-based parser dislikes with a bare `400 Bad Request` that neither
the client nor the log can explain (livechat/daphne_uploads.py).
"""

import json
import urllib.error
import urllib.request

import pytest

from realtime.client import widget_session

pytestmark = pytest.mark.live


def post_multipart(url: str, token: str, body: bytes, boundary: str) -> tuple[int, str, dict]:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Visitor {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], json.loads(exc.read() or b"null")


def test_malformed_and_unusual_forms_get_json_answers_from_django(livestack):
    server = livestack.servers[0]
    token = widget_session(server.url, name="Budi")["token"]
    url = f"{server.url}/api/v1/widget/attachments/"

    # Only the closing boundary: no file at all. Twisted answered a bare 400.
    status, content_type, body = post_multipart(url, token, b"--b0undary--\r\n", "b0undary")
    assert (status, content_type) == (400, "application/json")
    assert body["code"] == "validation_error"

    # A field name outside ASCII next to the file (browsers send such forms): accepted.
    form = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="catatan_\xc3\xbc"\r\n\r\nhalo\r\n'
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="harga.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\nkopi,harga\r\ngayo,145000\r\n"
        b"--b0undary--\r\n"
    )
    status, _content_type, body = post_multipart(url, token, form, "b0undary")
    assert status == 201, body
    assert (body["name"], body["content_type"]) == ("harga.csv", "text/csv")
