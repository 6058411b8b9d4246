"""Every WebSocket close code the server uses (documented in docs/protocol.md).

Daphne lets an application close only with 1000 or 3000-4999, so "try again later" is
4503 rather than 1013; 1009 is what daphne itself sends for an oversized message.
"""

from enum import IntEnum


class CloseCode(IntEnum):
    TOO_LARGE = 1009  # a frame far over MAX_FRAME_BYTES
    UNAUTHENTICATED = 4401  # bad, revoked or expired credentials: sign in again
    AUTH_TIMEOUT = 4408  # a visitor socket sent no `auth` frame in time
    SUPERSEDED = 4409  # the oldest of a visitor token's sockets, past MAX_SOCKETS_PER_VISITOR
    RATE_LIMITED = 4429  # a flood past the frame rate limit
    TRY_AGAIN = 4503  # the session could not be set up, or too many sockets await `auth`
