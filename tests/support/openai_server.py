"""A small OpenAI-compatible chat-completions server on loopback, for the `openai` provider's
tests: the real client makes real HTTP requests and gets scripted replies.

    with FakeOpenAI() as server:
        server.script(Reply(content="We ship in 2 days."), Reply(status=500), Reply(delay=5))
        ... AI_BASE_URL = server.base_url ...
        server.requests  # every request body (JSON) and its headers, in order

With the script used up, every request gets `default`.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    content: str | None = "OK"
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None  # sent as the body instead of a completion (garbage tests)
    headers: dict = field(default_factory=dict)

    def body(self, model: str) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.status != 200:
            failure = {"error": {"message": "scripted failure", "type": "server_error"}}
            return json.dumps(failure).encode()
        return json.dumps(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()


class FakeOpenAI:
    def __init__(self, default: Reply | None = None):
        self.default = default or Reply()
        self.requests: list[dict] = []
        self._script: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                reply = server._take(self.path, body, dict(self.headers))
                if self.path.rstrip("/") != "/v1/chat/completions":
                    reply = Reply(status=404, raw=b'{"error": {"message": "not found"}}')
                # A slow reply waits, but never past the server's shutdown.
                server._stopping.wait(reply.delay)
                payload = reply.body(body.get("model", ""))
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): what a slow reply tests

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def _take(self, path: str, body: dict, headers: dict) -> Reply:
        with self._lock:
            self.requests.append({"path": path, "body": body, "headers": headers})
            return self._script.pop(0) if self._script else self.default

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
