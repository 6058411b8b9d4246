"""The seams the code relies on, checked on the source itself (docs/architecture.md)."""

import ast
from collections import defaultdict
from pathlib import Path

from realtime.handlers import AGENT, AGENT_ONLY, CLIENT_FRAMES

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "livechat",
    "accounts",
    "conversations",
    "messaging",
    "canned",
    "followup",
    "realtime",
    "assist",
    "dashboard",
    "reports",
]
# Every frame a client receives (PROTOCOL section 4 and docs/protocol.md).
SERVER_FRAMES = {
    "hello",
    "ack",
    "error",
    "pong",
    "new_conversation",
    "new_message",
    "message:updated",
    "message:deleted",
    "conversation:updated",
    "ai_status_changed",
    "ai_suggestion",
    "typing:start",
    "typing:stop",
    "conversation:read",
    "presence:update",
    "agents:availability",
    "visitor:updated",
    "mention",
}


def modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT), ast.parse(path.read_text(), filename=str(path))


def frame_types_built(tree) -> set[str]:
    """The `type` of every dict literal `{"type": "…", …}` in a module: a frame built there."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "type"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    found.add(value.value)
    return found


def test_every_frame_type_is_built_in_exactly_one_module():
    where = defaultdict(set)
    for path, tree in modules():
        for kind in frame_types_built(tree):
            where[kind].add(str(path))
    # Channel-layer messages (lc.*) are not frames; everything else a client receives is.
    frames = {k: v for k, v in where.items() if k in SERVER_FRAMES}
    assert set(frames) == SERVER_FRAMES
    twice = {kind: paths for kind, paths in frames.items() if len(paths) > 1}
    assert not twice, twice
    # Broadcasts live in the apps' events modules; replies (ack, error) in realtime/frames.py.
    outside = {
        kind: paths
        for kind, paths in frames.items()
        if not all(p.endswith("events.py") or p == "realtime/frames.py" for p in paths)
    }
    assert not outside, outside


def imported_modules(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_conversations_never_imports_messaging():
    offenders = {
        str(path): sorted(m for m in imported_modules(tree) if m.split(".")[0] == "messaging")
        for path, tree in modules()
        if path.parts[0] == "conversations"
    }
    assert not {path: names for path, names in offenders.items() if names}


def test_each_client_frame_handler_calls_what_its_row_names():
    for kind, spec in CLIENT_FRAMES.items():
        if spec.calls is not None:
            assert spec.calls.__name__ in spec.handler.__code__.co_names, kind


def test_the_agent_only_list_derives_from_the_table():
    assert {k for k, spec in CLIENT_FRAMES.items() if spec.roles == AGENT} == AGENT_ONLY
    assert "conversation:join" in AGENT_ONLY and "send_message" not in AGENT_ONLY
