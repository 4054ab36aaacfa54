"""The officer client against a live server (pytest-django `live_server`, transactional DB)."""

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from mobile_client_stub.cli import main
from tests.factories import token_of


@dataclass
class Run:
    code: int
    output: str


@dataclass
class Device:
    """One officer's phone: a queue file and a token."""

    queue: Path
    token: str

    def run(self, server: str | None, *args: str, attempts: int | None = None, token: bool = True, stdin=None) -> Run:
        argv = ["--queue", str(self.queue), "--backoff", "0.02", "--timeout", "30", "-v"]  # a loaded machine is slow
        if token:
            argv += ["--token", self.token]
        if server:
            argv += ["--server", server]
        if attempts is not None:
            argv += ["--attempts", str(attempts)]
        out = io.StringIO()
        code = main([*argv, *args], out=out, stdin=stdin or io.StringIO(""))
        return Run(code, out.getvalue())


@pytest.fixture
def device_for(tmp_path):
    def make(user, name: str = "phone") -> Device:
        return Device(queue=tmp_path / f"{name}-{user.username}.sqlite3", token=token_of(user))

    return make


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch):
    """httpx honours HTTP(S)_PROXY; the tests talk to 127.0.0.1 directly."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
