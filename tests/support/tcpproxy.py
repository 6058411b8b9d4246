"""A TCP proxy that a test can cut and restore: "the database is briefly unreachable".

    with TcpProxy(("127.0.0.1", 5432)) as proxy:
        proxy.port     # point DATABASE_URL here
        proxy.cut()    # established connections are reset, new ones refused
        proxy.restore()

Plain threads: one accept loop, two pumps per connection. Everything on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

HOST = "127.0.0.1"


def _reset(sock: socket.socket) -> None:
    """Drop the connection now, like a dying server: the peer sees it closed.

    `shutdown` first: a bare `close` from another thread does not end a connection whose
    pump thread is blocked in `recv` on it (the kernel keeps it alive until that returns).
    """
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class TcpProxy:
    def __init__(self, target: tuple[str, int], *, port: int = 0):
        self.target = target
        self.port = port
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._open = threading.Event()
        self.connections_made = 0

    # --- control ------------------------------------------------------------------------

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(128)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._open.set()
        self._accepting = threading.Thread(target=self._accept_loop, args=(listener,), daemon=True)
        self._accepting.start()
        return self

    def cut(self) -> None:
        """Unreachable: stop listening (connect → refused) and reset every live connection."""
        self._open.clear()
        if self._accepting is not None:
            self._accepting.join(timeout=5)
            self._accepting = None
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for client, upstream in pairs:
            _reset(client)
            _reset(upstream)

    def restore(self) -> None:
        if not self._open.is_set():
            self.start()

    @property
    def active(self) -> int:
        with self._lock:
            return len(self._pairs)

    def close(self) -> None:
        self.cut()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # --- plumbing -----------------------------------------------------------------------------

    def _accept_loop(self, listener: socket.socket) -> None:
        try:
            while self._open.is_set():
                try:
                    client, _addr = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    _reset(client)
                    continue
                client.settimeout(None)
                upstream.settimeout(None)
                pair = (client, upstream)
                with self._lock:
                    if not self._open.is_set():
                        _reset(client)
                        _reset(upstream)
                        return
                    self._pairs.add(pair)
                    self.connections_made += 1
                for src, dst in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(src, dst, pair), daemon=True).start()
        finally:
            listener.close()

    def _pump(self, src: socket.socket, dst: socket.socket, pair) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        with self._lock:
            known = pair in self._pairs
            self._pairs.discard(pair)
        if known:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
