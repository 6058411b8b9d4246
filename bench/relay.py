"""The floor: a bare `websockets` relay doing the same fan-out as Pro Livechat, and no more.

    python bench/relay.py --port 8765

Speaks just enough of the wire contract for the load generator: `/ws/agent/` says hello on
connect, `/ws/visitor/` after an `auth` frame; `send_message` is acked and broadcast as
`new_message` (a Message object of the same shape) to every agent socket and to the
conversation's visitor. No database, no channel layer, no checks: one process, in memory,
encoded once and written to every socket with `websockets.broadcast`. Whatever Pro
Livechat spends above this is the price of persistence, Redis and Django.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import uuid
from datetime import UTC, datetime

from websockets.asyncio.server import broadcast, serve

dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

agents: set = set()
visitors: dict[str, set] = {}  # conversation id -> visitor sockets
seqs: dict[str, int] = {}


def message(conversation_id: str, sender: dict, frame: dict) -> dict:
    seq = seqs[conversation_id] = seqs.get(conversation_id, 0) + 1
    return {
        "id": str(uuid.uuid4()),
        "conversation_id": conversation_id,
        "seq": seq,
        "version": seq,
        "client_id": frame.get("client_id"),
        "sender": sender,
        "body": frame.get("body", ""),
        "attachments": [],
        "created_at": datetime.now(UTC).isoformat(),
        "edited_at": None,
        "deleted": False,
    }


def relay(ws, sender: dict, conversation_id: str, frame: dict) -> None:
    msg = message(conversation_id, sender, frame)
    if "request_id" in frame:
        broadcast([ws], dumps({"type": "ack", "request_id": frame["request_id"], "message": msg}))
    text = dumps({"type": "new_message", "message": msg})
    broadcast(agents | visitors.get(conversation_id, set()), text)


async def agent(ws) -> None:
    me = {"type": "agent", "id": str(id(ws)), "name": "Agent"}
    agents.add(ws)
    try:
        await ws.send(dumps({"type": "hello", "role": "agent", "user": me}))
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "send_message":
                relay(ws, me, frame["conversation_id"], frame)
    finally:
        agents.discard(ws)


async def visitor(ws) -> None:
    auth = json.loads(await ws.recv())
    conversation_id = str(uuid.uuid5(uuid.NAMESPACE_URL, auth.get("token", "")))
    me = {"type": "visitor", "id": conversation_id, "name": "Visitor"}
    visitors.setdefault(conversation_id, set()).add(ws)
    try:
        await ws.send(
            dumps({"type": "hello", "role": "visitor", "visitor": me, "conversation": None})
        )
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "send_message":
                relay(ws, me, conversation_id, frame)
    finally:
        visitors[conversation_id].discard(ws)


async def handler(ws) -> None:
    path = ws.request.path
    if path.startswith("/ws/agent/"):
        await agent(ws)
    elif path.startswith("/ws/visitor/"):
        await visitor(ws)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
