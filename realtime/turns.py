"""Sends to one conversation take turns within a process, so their broadcasts leave in
`seq` order; sends to different conversations run side by side.

The conversation's row lock already orders the writes; this orders what happens after
the commit (the broadcast), which the lock no longer covers.
"""

import asyncio
import contextlib
import uuid

# conversation key -> [lock, users]; an entry lives only while someone holds or awaits it.
_turns: dict[str, list] = {}


def turn_key(conversation_id) -> str:
    try:
        return str(uuid.UUID(str(conversation_id)))
    except ValueError:
        return str(conversation_id)


@contextlib.asynccontextmanager
async def conversation_turn(key: str):
    entry = _turns.get(key)
    if entry is None:
        entry = _turns[key] = [asyncio.Lock(), 0]
    entry[1] += 1
    try:
        async with entry[0]:
            yield
    finally:
        entry[1] -= 1
        if not entry[1]:
            del _turns[key]
