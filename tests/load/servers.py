"""gunicorn as shipped (backend/config/gunicorn.conf.py) in a child process, and a TCP proxy
in front of PostgreSQL that the test can cut, for outages no other engineer's database sees.
(`make loadtest`, bench/loadtest.py, starts its servers and outages with these too.)"""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.client.proxy import free_port

REPO = Path(__file__).resolve().parents[2]


class Gunicorn:
    """`gunicorn -c backend/config/gunicorn.conf.py config.wsgi` on a free port of 127.0.0.1."""

    def __init__(
        self,
        *,
        database_url: str,
        workers: int = 1,
        threads: int = 2,
        app: str = "config.wsgi",
        log: Path | None = None,
        **env: str,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.keep_log = log is not None
        self.log = log or REPO / "var" / f"gunicorn-test-{self.port}.log"
        self.log.parent.mkdir(exist_ok=True)
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_SECRET_KEY": "test-only-secret",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_ACCESS_LOG": "-",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
                [str(gunicorn), "-c", "config/gunicorn.conf.py", app],
                cwd=REPO / "backend",
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_listening()

    def _wait_until_listening(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            with contextlib.suppress(httpx.TransportError):
                httpx.get(self.url + "/static/none", timeout=2)
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start in {timeout_s} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if not self.keep_log:
            self.log.unlink(missing_ok=True)


class DatabaseProxy:
    """Forwards TCP to PostgreSQL until `cut()`: then every open connection is closed and new
    ones are accepted and closed at once, as a database that went away; `restore()` ends it."""

    def __init__(self, upstream_port: int):
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self.down.set()
        with self.lock:
            sockets, self.open = self.open, []
        for sock in sockets:
            _close(sock)

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.open += [client, upstream]
            threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()


def _pump(source: socket.socket, target: socket.socket) -> None:
    while True:
        try:
            chunk = source.recv(65536)
            if not chunk:
                break
            target.sendall(chunk)
        except OSError:
            break
    _close(source)
    _close(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
