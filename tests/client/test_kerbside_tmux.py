"""A full kerbside session in a real terminal (tmux): the officer types the commands, answers
the pick-lists on the keyboard, loses signal, and syncs later; the live server ends up with
every record exactly once. The screen is read back with `tmux capture-pane`."""

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from ebikeops.operations.models import Arrest, Operation, Seizure
from tests.client.test_suggestions import lay_out_uxbridge_road_saturdays
from tests.factories import token_of

REPO = Path(__file__).resolve().parents[2]
TMUX = shutil.which("tmux") or "tmux"
PYTHON = REPO / ".venv" / "bin" / "python"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux missing: run scripts/system_deps.sh")


class Terminal:
    """One tmux server of our own (its own socket), one window 160 columns wide."""

    def __init__(self, env: dict[str, str]):
        self.socket = f"ebikeops-kerbside-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.commands = 0
        self.tmux("new-session", "-d", "-x", "160", "-y", "50", "-s", "kerb", "bash --norc --noprofile")
        for name, value in env.items():
            self.tmux("send-keys", "-t", "kerb", f"export {name}='{value}'", "Enter")
        self.tmux("send-keys", "-t", "kerb", "export PS1='officer$ ' && clear", "Enter")

    def tmux(self, *args: str) -> str:
        return subprocess.run(  # noqa: S603 - our own tmux, fixed arguments
            [TMUX, "-L", self.socket, *args], check=True, capture_output=True, text=True
        ).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-3000", "-t", "kerb")

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{self.screen()}")

    def type(self, line: str) -> None:
        self.tmux("send-keys", "-t", "kerb", "-l", line)
        self.tmux("send-keys", "-t", "kerb", "Enter")

    def run(self, command: str, timeout: float = 60.0) -> str:
        """Type a command; wait until it has finished; return what it printed."""
        self.commands += 1
        marker = f"[done {self.commands}, exit "  # typed as two words, so only the echo matches
        self.type(f'{command}; echo "[done" "{self.commands}, exit" "$?]"')
        screen = self.wait_for(marker, timeout)
        return screen.rsplit(f"officer$ {command}", 1)[-1]

    def close(self) -> None:
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], check=False, capture_output=True)  # noqa: S603


@pytest.fixture
def terminal(tmp_path, live_server, officer):
    env = {
        "PYTHONPATH": str(REPO),
        "EBIKEOPS_QUEUE": str(tmp_path / "phone.sqlite3"),
        "EBIKEOPS_BACKOFF_S": "0.05",
        "TZ": "Europe/London",
    }
    term = Terminal(env)
    term.run(f"cd {REPO} && alias ebike='{PYTHON} -m mobile_client_stub'")
    yield term
    term.close()


def test_a_kerbside_session_in_a_real_terminal(terminal, live_server, officer, boroughs):
    lay_out_uxbridge_road_saturdays()
    out = terminal.run(f"ebike --server {live_server.url} login --token {token_of(officer)}")
    assert "Logged in as officer-a (officer)" in out
    out = terminal.run("ebike bundle --lon -0.3020 --lat 51.5128 --start 2025-11-29T13:00:00+00:00")
    assert "Kept 1 suggestions for offline use" in out and "Stop 1.1: 51.51259, -0.30187" in out
    out = terminal.run("ebike today")
    assert "1. Uxbridge Road, Ealing - Saturday 14:00-18:00 (42)" in out
    assert "1.1 stop 1.1, stay 15 min: nothing logged yet" in out

    out = terminal.run(
        "ebike start-operation --name 'Uxbridge Road' --team 'Ealing Town Centre Team' --at 1.1 "
        "--time 2025-11-29T14:00:00+00:00"
    )
    assert "Operation Uxbridge Road started 29 Nov 2025 14:00 near stop 1.1: sent." in out

    # A seizure at the stop; vehicle, reason and power picked from lists on the keyboard.
    terminal.type("ebike seize --at 1.1 --time 2025-11-29T14:05:00+00:00")
    terminal.wait_for("Vehicle [1-4]: ")
    terminal.type("2")
    terminal.wait_for("Reason [1-6]: ")
    terminal.type("1")
    terminal.wait_for("Power [1-4]: ")
    terminal.type("1")
    terminal.wait_for("E-scooter seized 29 Nov 2025 14:05 at stop 1.1, operation Uxbridge Road: sent.")

    # Swapped coordinates are refused on the spot, in the server's words.
    out = terminal.run(
        "ebike seize --lon 51.5127 --lat -0.3021 --vehicle-type e_bike --reason other --power other "
        "--time 2025-11-29T14:20:00+00:00"
    )
    assert "You sent [51.5127, -0.3021] (longitude, latitude); [-0.3021, 51.5127] would be inside" in out

    # The signal goes: the next records are kept on the phone.
    out = terminal.run(
        "ebike --offline seize --here --vehicle-type e_bike --reason non_compliant_eapc "
        "--power rta_1988_s165a --time 2025-11-29T14:30:00+00:00"
    )
    assert "E-bike seized 29 Nov 2025 14:30 at stop 1.1, operation Uxbridge Road: waiting (offline)." in out
    out = terminal.run("ebike --offline arrest --at 1.2 --offence theft --time 2025-11-29T15:10:00+00:00")
    assert "Arrest (Theft) 29 Nov 2025 15:10 at stop 1.2, operation Uxbridge Road: waiting (offline)." in out
    out = terminal.run("ebike --offline end-operation --time 2025-11-29T17:00:00+00:00")
    assert "Operation Uxbridge Road ended 29 Nov 2025 17:00: waiting (offline)." in out
    out = terminal.run("ebike pending")
    assert "#3   waiting: E-bike seized" in out and "#5   waiting: Operation Uxbridge Road ended" in out

    # Back in signal.
    out = terminal.run("ebike sync")
    assert "Sending 3 change(s)..." in out and "sent 3/3" in out
    assert "Sync: 3 sent, 0 need your attention, 0 waiting" in out
    out = terminal.run("ebike today")
    assert "1.1 stop 1.1, stay 15 min: 2 seizure(s), 0 arrest(s) logged" in out
    assert "1.2 stop 1.2, stay 15 min: 0 seizure(s), 1 arrest(s) logged" in out
    assert "Logged in this deployment: 2 seizure(s), 1 arrest(s) (3 sent)." in out
    out = terminal.run("ebike status")
    assert "Records: 5 sent" in out and "Current operation: (none)" in out

    assert Operation.objects.get(name="Uxbridge Road").status == "completed"
    assert Seizure.objects.filter(operation__name="Uxbridge Road").count() == 2
    assert Arrest.objects.filter(operation__name="Uxbridge Road").count() == 1
    assert os.stat(f"{terminal.env['EBIKEOPS_QUEUE']}.token").st_mode & 0o077 == 0
