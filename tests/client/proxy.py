"""A small TCP proxy for fault injection between the client and the live server.

Each connection's request bytes are forwarded to the server. For the first `drop` connections,
the proxy waits until the server starts answering (so it has finished the view and committed)
and then cuts the connection instead of passing the answer on ("reset"), or keeps the client
waiting forever ("hold"), as a dead signal would.
"""

import contextlib
import socket
import struct
import threading


class FaultyProxy:
    def __init__(self, upstream_port: int, *, drop: int = 1, mode: str = "reset"):
        assert mode in ("reset", "hold")
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
