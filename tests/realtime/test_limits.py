"""Bad input and limits: one error per frame, the socket stays up, floods are cut off."""

import json

import pytest

from realtime import service_calls
from tests.support.asgi_sockets import TIMEOUT, agent_socket, close_all, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["agent", "visitor"])
async def sock(request, alice, visitor):
    sock = await (agent_socket(alice) if request.param == "agent" else visitor_socket(visitor))
    await sock.settle()
    yield sock
    await sock.close()


async def test_ping(sock):
    await sock.send({"type": "ping", "request_id": "p1"})
    assert await sock.next() == {"type": "pong", "request_id": "p1"}
    await sock.send({"type": "ping"})
    assert await sock.next() == {"type": "pong"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_json"),
        ("", "invalid_json"),
        ("[1, 2, 3]", "validation_error"),
        ('"just a string"', "validation_error"),
        ("null", "validation_error"),
        ("{}", "validation_error"),
        ('{"type": 7}', "validation_error"),
        ('{"type": "launch_rockets"}', "unknown_type"),
        ('{"type": "auth", "token": "x"}', "validation_error"),
    ],
)
async def test_bad_frames_get_one_error_and_the_socket_stays(sock, raw, code):
    await sock.send(raw)
    error = await sock.next()
    assert error["type"] == "error" and error["code"] == code, error
    assert error["request_id"] is None and error["message"]
    await sock.silent(timeout=0.1)
    assert (await sock.request("ping"))["type"] == "pong"


async def test_errors_carry_the_request_id(sock):
    await sock.send({"type": "launch_rockets", "request_id": "q1"})
    assert await sock.next() == {
        "type": "error",
        "request_id": "q1",
        "code": "unknown_type",
        "message": "Unknown frame type: launch_rockets.",
    }


@pytest.mark.parametrize(
    ("rid", "echoed"), [(7, 7), ("", ""), ("x" * 129, "x" * 129), (True, None), (["a"], None)]
)
async def test_a_bad_request_id_is_a_validation_error(sock, rid, echoed):
    await sock.send({"type": "ping", "request_id": rid})
    error = await sock.next()
    assert error["type"] == "error" and error["code"] == "validation_error"
    assert error["request_id"] == echoed


async def test_binary_frames_are_decoded_like_text(sock):
    await sock.comm.send_to(bytes_data=b'{"type": "ping", "request_id": "b1"}')
    assert await sock.next() == {"type": "pong", "request_id": "b1"}
    await sock.comm.send_to(bytes_data=b"\xff\xfe")
    assert (await sock.next())["code"] == "invalid_json"


async def test_too_large_frame_is_refused_with_its_request_id(sock):
    body = "x" * (64 * 1024)
    await sock.send(json.dumps({"type": "send_message", "request_id": "big", "body": body}))
    error = await sock.next()
    assert error["type"] == "error" and error["code"] == "too_large"
    assert error["request_id"] == "big"
    assert (await sock.request("ping"))["type"] == "pong"


async def test_huge_frame_closes_1009(sock):
    await sock.send("x" * (16 * 64 * 1024 + 1))
    assert await sock.comm.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 1009}


@pytest.fixture
def tight_rate(settings):
    settings.LIVECHAT = {**settings.LIVECHAT, "RATE_PER_SECOND": 2.0, "RATE_BURST": 5.0}


async def test_rate_limit_answers_rate_limited(tight_rate, alice):
    sock = await agent_socket(alice)
    try:
        for i in range(8):
            await sock.send({"type": "ping", "request_id": f"p{i}"})
        replies = [await sock.next() for _ in range(8)]
        assert [r["type"] for r in replies] == ["pong"] * 5 + ["error"] * 3
        assert [r["request_id"] for r in replies] == [f"p{i}" for i in range(8)]
        assert {r.get("code") for r in replies[5:]} == {"rate_limited"}
        await sock.silent(timeout=0.6)  # a token comes back after 0.5 s
        assert (await sock.request("ping"))["type"] == "pong"
    finally:
        await close_all(sock)


async def test_a_sustained_flood_closes_4429(tight_rate, visitor):
    sock = await visitor_socket(visitor)
    try:
        for _ in range(40):
            await sock.send({"type": "ping"})
        while True:
            out = await sock.comm.receive_output(TIMEOUT)
            if out["type"] == "websocket.close":
                assert out["code"] == 4429
                break
            assert json.loads(out["text"])["type"] in ("pong", "error")
    finally:
        await close_all(sock)


async def test_unexpected_exceptions_become_internal_error(sock, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(service_calls, "message_send", explode)
    error = await sock.request(
        "send_message", body="Hi", conversation_id="00000000-0000-0000-0000-000000000000"
    )
    assert error["type"] == "error" and error["code"] == "internal_error"
    assert "boom" not in error["message"]
    assert (await sock.request("ping"))["type"] == "pong"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"type": "ping", "request_id": NaN}', "invalid_json"),
        ('{"type": "sync", "since_version": Infinity}', "invalid_json"),
        ('{"type": "send_message", "body": "\\ud800", "conversation_id": "x"}', "validation_error"),
        (
            '{"type": "sync", "conversation_id": "x", "since_version": 99999999999999999999}',
            "validation_error",
        ),
    ],
)
async def test_json_that_is_no_valid_text_or_number_is_refused(sock, raw, code):
    await sock.send(raw)
    error = await sock.next()
    assert error["type"] == "error" and error["code"] == code, error
    assert (await sock.request("ping"))["type"] == "pong"
