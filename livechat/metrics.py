"""The Prometheus metrics of one process, and the cheap calls that move them.

Each daphne process keeps its own counters in memory and serves them at `/metrics`
(`livechat.metrics_endpoint`); Prometheus scrapes every process at its own address and
sums across them (docs/deployment.md). There is no multiprocess mode: daphne processes
share no port, so nothing needs prometheus-client's shared files.

Everything here is called on the hot path (every frame, every broadcast): counters and
histograms only, each update a few hundred nanoseconds under prometheus-client's own
short lock, never held across an `await`. Label values come from fixed sets (roles, frame
types of the contract, error codes), never from what a client sends.
"""

from collections.abc import Callable

from django.db import DatabaseError
from prometheus_client import Counter, Gauge, Histogram

OPEN_SOCKETS = Gauge(
    "livechat_ws_open_sockets",
    "Open WebSocket connections of this process, by role (`unauthenticated`: a visitor "
    "socket before its `auth` frame).",
    ["role"],
)
FRAMES_IN = Counter(
    "livechat_ws_frames_in_total",
    "Client frames received, by role and frame type (`unknown`: a type the contract does "
    "not have; `rejected`: refused before decoding: rate limit, size, bad JSON).",
    ["role", "type"],
)
FRAMES_OUT = Counter(
    "livechat_ws_frames_out_total",
    "Frames written to sockets, by frame type (a broadcast counts once per socket).",
    ["type"],
)
ERROR_FRAMES = Counter(
    "livechat_ws_error_frames_total", "`error` frames sent, by error code.", ["code"]
)
FRAME_SECONDS = Histogram(
    "livechat_ws_frame_seconds",
    "From a client frame's arrival to its answer written to the socket, by frame type "
    "(frames answered with an ack or a reply; `send_message` is the send latency).",
    ["type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SYNC_MESSAGES = Histogram(
    "livechat_sync_messages",
    "Messages per `sync` answer.",
    buckets=(0, 1, 5, 10, 25, 50, 100, 200),
)
SYNC_BYTES = Histogram(
    "livechat_sync_bytes",
    "Bytes (encoded JSON) per `sync` answer.",
    buckets=(1024, 4096, 16384, 65536, 262144, 524288, 1048576),
)
MESSAGES_SENT = Counter(
    "livechat_messages_sent_total",
    "New messages committed (REST, WebSocket, admin, AI), by sender type.",
    ["sender"],
)
WS_SENDS = Counter(
    "livechat_ws_sends_total",
    "WebSocket `send_message` frames by the path that handled them: `fast` (one statement "
    "from the event loop, messaging/fast_send.py) or `orm` (everything else).",
    ["path"],
)
BROADCASTS = Counter(
    "livechat_broadcasts_total",
    "Events handed to the channel layer, by frame type (`close`: a session revoked).",
    ["type"],
)
BROADCAST_ERRORS = Counter(
    "livechat_broadcast_errors_total",
    "Broadcasts that did not leave: `channel_layer` (a group send failed), `timeout` (not "
    "out within the send timeout), `stopping` (the server was shutting down). Clients "
    "repair the gap with `sync`.",
    ["reason"],
)
CHANNEL_LAYER_ERRORS = Counter(
    "livechat_channel_layer_errors_total",
    "Failed channel-layer operations: group_send, group_add (joining a group), receive "
    "(the process's fan-out reader), heartbeat (re-joining groups), over_capacity (a "
    "broadcast not queued for a process whose bus channel was full).",
    ["operation"],
)
DATABASE_ERRORS = Counter(
    "livechat_database_errors_total",
    "Requests (`http`) and client frames (`websocket`) that failed with a database error.",
    ["where"],
)


def _children(metric) -> Callable[..., object]:
    """`metric.labels(*values)`, remembered: a dict lookup instead of a locked one."""
    cache: dict[tuple, object] = {}

    def child(*values: str):
        found = cache.get(values)
        if found is None:
            found = cache[values] = metric.labels(*values)
        return found

    return child


frames_in = _children(FRAMES_IN)
frames_out = _children(FRAMES_OUT)
error_frames = _children(ERROR_FRAMES)
frame_seconds = _children(FRAME_SECONDS)
open_sockets = _children(OPEN_SOCKETS)
messages_sent = _children(MESSAGES_SENT)
ws_sends = _children(WS_SENDS)
broadcasts = _children(BROADCASTS)
broadcast_errors = _children(BROADCAST_ERRORS)
channel_layer_errors = _children(CHANNEL_LAYER_ERRORS)


def frame_sent(frame: dict) -> None:
    """A frame built here (reply, error, hello) written to one socket."""
    kind = frame.get("type", "")
    frames_out(kind).inc()
    if kind == "error":
        error_frames(frame.get("code", "")).inc()


def sync_answered(messages: int, text: str) -> None:
    SYNC_MESSAGES.observe(messages)
    SYNC_BYTES.observe(len(text) if text.isascii() else len(text.encode()))


def database_error_seen(exc: BaseException | None, *, where: str) -> None:
    """Count `exc` if it is a database error, once, however many layers see it go by."""
    if isinstance(exc, DatabaseError) and not getattr(exc, "_livechat_counted", False):
        exc._livechat_counted = True
        DATABASE_ERRORS.labels(where).inc()
