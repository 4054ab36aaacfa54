"""A small TCP proxy for fault injection between the client and the live server.

Each connection's request bytes are forwarded to the server. For the first `drop` connections,
the proxy waits until the server starts answering (so it has finished the view and committed)
and then cuts the connection instead of passing the answer on ("reset"), or keeps the client
waiting forever ("hold"), as a dead signal would. In "canned" mode the first `drop`
connections never reach the server: the proxy reads the request and answers with its own
canned response instead (a proxy's 404, a hotel Wi-Fi sign-in page, a 503 with Retry-After).
"""

import contextlib
import socket
import struct
import threading


class FaultyProxy:
    def __init__(self, upstream_port: int, *, drop: int = 1, mode: str = "reset", canned: bytes = b""):
        assert mode in ("reset", "hold", "canned")
        assert (mode == "canned") == bool(canned), "canned mode needs the canned response"
        self.canned = canned
        self.answered = 0
        self.upstream = ("127.0.0.1", upstream_port)
        self.to_drop = drop
        self.mode = mode
        self.dropped = 0
        self.forwarded = 0
        self.answer_withheld = threading.Event()
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.sockets: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.closed = True
        self.listener.close()
        for sock in self.sockets:
            _close(sock)

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                faulty = self.to_drop > 0
                self.to_drop -= 1 if faulty else 0
            threading.Thread(target=self._serve, args=(client, faulty), daemon=True).start()

    def _serve(self, client: socket.socket, faulty: bool) -> None:
        if faulty and self.mode == "canned":
            _read_request(client)
            with contextlib.suppress(OSError):
                client.sendall(self.canned)
            with self.lock:
                self.answered += 1
            _close(client)
            return
        upstream = socket.create_connection(self.upstream)
        self.sockets += [client, upstream]
        threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()
        first = True
        while True:
            try:
                chunk = upstream.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            if faulty and first:
                # The server has answered, so its transaction has committed: lose the answer.
                with self.lock:
                    self.dropped += 1
                self.answer_withheld.set()
                if self.mode == "hold":
                    return  # keep both sockets open; the client waits until it is killed
                _reset(client)
                _close(upstream)
                return
            first = False
            try:
                client.sendall(chunk)
            except OSError:
                break
        with self.lock:
            self.forwarded += 1
        _close(client)
        _close(upstream)


def canned_response(status: str, body: bytes, *, content_type: str, headers: dict[str, str] | None = None) -> bytes:
    """The bytes of an HTTP/1.1 answer, e.g. canned_response("404 Not Found", b"<html>...", ...)."""
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _read_request(sock: socket.socket) -> None:
    """Read one request (headers, then Content-Length bytes of body) so the client sees an answer."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return
        body += chunk


def _pump(source: socket.socket, target: socket.socket) -> None:
    while True:
        try:
            chunk = source.recv(65536)
            if not chunk:
                break
            target.sendall(chunk)
        except OSError:
            break
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0): the client sees its connection cut, not a clean end."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)  # wakes the pump thread blocked in recv() on this socket
        sock.close()
    except OSError:
        pass


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def free_port() -> int:
    """A port nothing listens on (bound and released), for an unreachable server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
