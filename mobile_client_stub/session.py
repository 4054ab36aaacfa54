"""One invocation of the client: its queue, its connection settings, its screen and keyboard."""

import argparse
import sys
import time
from typing import Any

from . import credentials
from .api import Api
from .queue import ATTENTION, SENDING, SENT, STATE_WORDS, WAITING, Queue
from .sync import Backoff, Syncer

EXIT_OK, EXIT_ERROR, EXIT_WAITING, EXIT_LOGIN = 0, 1, 3, 4
LOGIN_AGAIN = (
    "The server no longer accepts your sign-in (the token has expired or was revoked). "
    "Run `login` with a new token; {kept} change(s) are kept on this phone and nothing was lost."
)


class UsageError(Exception):
    pass


class Client:
    def __init__(self, args: argparse.Namespace, out, stdin=None):
        self.args = args
        self.out = out
        self.stdin = stdin or sys.stdin
        self.queue = Queue(args.queue)
        self._move_token_out_of_queue()
        self.server = args.server or self.queue.get_setting("server")
        self.token = args.token or credentials.load_token(self.queue.path)
        if self.queue.migrated_from is not None:
            self.say(f"Upgraded this phone's queue from version {self.queue.migrated_from}; every record was kept.")

    def _move_token_out_of_queue(self) -> None:
        """The first client kept the token in the queue file; move it to its own 0600 file."""
        old = self.queue.get_setting("token")
        if old:
            if not credentials.load_token(self.queue.path):
                credentials.save_token(self.queue.path, old)
            self.queue.set_setting("token", None)

    # --- screen and keyboard -----------------------------------------------------------------

    def say(self, message: str) -> None:
        print(message, file=self.out, flush=True)

    def detail(self, message: str) -> None:
        """Only with -v."""
        if self.args.verbose:
            self.say(message)

    @property
    def interactive(self) -> bool:
        try:
            return self.stdin.isatty()
        except (AttributeError, ValueError):
            return False

    def ask(self, prompt: str) -> str:
        print(prompt, end="", file=self.out, flush=True)
        line = self.stdin.readline()
        if not line:
            raise UsageError("No answer given.")
        return line.strip()

    def pick(self, what: str, choices: dict[str, str]) -> str:
        """A numbered pick-list; the officer types a number (or the code)."""
        self.say(f"{what}:")
        codes = list(choices)
        for n, code in enumerate(codes, 1):
            self.say(f"  {n}. {choices[code]}")
        while True:
            answer = self.ask(f"{what} [1-{len(codes)}]: ")
            if answer.isdigit() and 1 <= int(answer) <= len(codes):
                return codes[int(answer) - 1]
            if answer in choices:
                return answer
            self.say(f"Type a number from 1 to {len(codes)}.")

    def confirm(self, prompt: str) -> bool:
        return self.ask(f"{prompt} [y/N]: ").lower() in ("y", "yes")

    # --- the server ----------------------------------------------------------------------------

    def api(self) -> Api:
        if not self.server:
            raise UsageError("No server: pass --server URL or set EBIKEOPS_SERVER (or run login).")
        if not self.token:
            raise UsageError("No token: run `login` (or pass --token / set EBIKEOPS_TOKEN).")
        return Api(self.server, self.token, timeout=self.args.timeout)

    @property
    def online(self) -> bool:
        return bool(self.server and self.token and not self.args.offline)

    def backoff(self, attempts: int | None = None) -> Backoff:
        return Backoff(
            base_s=self.args.backoff,
            cap_s=max(self.args.backoff, 30.0),
            attempts=self.args.attempts if attempts is None else attempts,
        )

    def current_operation(self) -> str:
        operation_id = getattr(self.args, "operation", None) or self.queue.get_setting("current_operation")
        if not operation_id:
            raise UsageError("No current operation: run start-operation or join-operation, or pass --operation ID.")
        return operation_id

    def waiting(self) -> int:
        counts = self.queue.counts()
        return counts.get(WAITING, 0) + counts.get(SENDING, 0) + self.queue.photo_counts().get(WAITING, 0)

    def kept(self) -> int:
        counts = self.queue.counts()
        return sum(n for state, n in counts.items() if state in (WAITING, SENDING, ATTENTION))

    def sync(self, *, attempts: int | None = None, quiet: bool = False) -> int:
        """Push what is waiting. Prints progress and a one-line summary unless `quiet`."""
        if not self.online:
            if not quiet:
                why = "Offline" if self.args.offline else "Not logged in"
                self.say(f"{why}: {self.waiting()} change(s) kept for later.")
            return EXIT_OK
        api = self.api()
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if not quiet:
                self.say(f"  sent {done}/{total}")

        try:
            report = Syncer(
                self.queue,
                api,
                backoff=self.backoff(attempts),
                batch_size=self.args.batch_size,
                log=self.detail,
                progress=progress,
            ).run()
        finally:
            api.close()
        if report.login_needed:
            self.say(LOGIN_AGAIN.format(kept=self.kept()))
            return EXIT_LOGIN
        if quiet:
            if report.refused_batch:
                return EXIT_ERROR
            return EXIT_WAITING if self.waiting() else EXIT_OK
        return self.summarise(report, started)

    def summarise(self, report, started: float) -> int:
        """The one-line summary of a sync, and what to do next; returns the exit code."""
        waiting = self.waiting()
        attention = self.queue.counts().get(ATTENTION, 0) + self.queue.photo_counts().get(ATTENTION, 0)
        photos = f"; {report.photos_uploaded} photo(s) uploaded" if report.photos_uploaded else ""
        self.say(
            f"Sync: {report.sent} sent, {attention} need{'s' if attention == 1 else ''} your attention, "
            f"{waiting} waiting{photos} "
            f"({time.monotonic() - started:.1f} s)."
        )
        if report.gave_up:
            self.say(f"No usable answer ({report.gave_up}); the {waiting} waiting will be sent by the next sync.")
        if report.refused_batch:
            self.say(f"The server refused the whole request ({report.refused_batch}); nothing was marked.")
            return EXIT_ERROR
        if attention:
            self.say("See `pending` to edit, retry, resolve or drop what needs your attention.")
        return EXIT_WAITING if waiting else EXIT_OK

    def after_action(self, seq: int) -> int:
        """An action's own sync: one try, quietly; then one line saying where the record is."""
        attempts = self.args.attempts if self.args.attempts_given else 1
        code = self.sync(attempts=attempts, quiet=True)
        row = self.queue.item(seq)
        state = row["state"]
        if state == SENT:
            where = "sent"
        elif state == ATTENTION:
            where = f"needs your attention - {row['last_error']} (see `edit {seq}`, `drop {seq}`)"
        elif not self.online:
            where = f"{STATE_WORDS[WAITING]} ({'offline' if self.args.offline else 'not logged in'})"
        else:
            last_try = f"; last try: {row['last_error']}" if row["last_error"] else ""
            where = f"{STATE_WORDS[WAITING]} (kept for the next sync{last_try})"
        self.say(f"#{seq} {row['summary']}: {where}.")
        return code if code in (EXIT_LOGIN, EXIT_ERROR) else EXIT_OK


def words_for_counts(counts: dict[str, Any]) -> str:
    order = [WAITING, SENDING, SENT, ATTENTION, "dropped"]
    parts = [f"{counts[s]} {STATE_WORDS.get(s, s)}" for s in order if counts.get(s)]
    parts += [f"{n} {s}" for s, n in counts.items() if s not in order]
    return ", ".join(parts) or "none"
