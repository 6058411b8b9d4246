"""Refusals over a real daphne: HTTP 403 at the handshake, close codes after it."""

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from realtime.client import LiveSocket

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "origin"),
    [
        ("/ws/agent/", "same"),  # anonymous
        ("/ws/agent/", "https://evil.example"),
        ("/ws/visitor/", "https://evil.example"),
        ("/ws/visitor/", None),
        ("/ws/elsewhere/", "same"),
    ],
)
async def test_refused_handshakes_are_http_403(livestack, path, origin):
    server = livestack.servers[0]
    with pytest.raises(InvalidStatus) as refused:
        await connect(
            f"{server.ws_url}{path}",
            origin=server.origin if origin == "same" else origin,
            proxy=None,
        )
    assert refused.value.response.status_code == 403


async def test_bad_visitor_token_closes_4401(livestack):
    server = livestack.servers[1]
    sock = await LiveSocket.connect(f"{server.ws_url}/ws/visitor/", origin=server.origin)
    try:
        await sock.send({"type": "auth", "token": "not-a-token"})
        assert (await sock.expect("error"))["code"] == "forbidden"
        assert await sock.wait_closed() == 4401
    finally:
        await sock.close()
