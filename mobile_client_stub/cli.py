"""Command line: `python -m mobile_client_stub [--server URL] [--queue PATH] <command>`.

Every action is written to the local queue first and only then synced, so it is never lost
to a dead signal: when the server cannot be reached the action is kept and sent by the next
`sync` (or the next action). EBIKEOPS_SERVER, EBIKEOPS_TOKEN and EBIKEOPS_QUEUE are read
when the options are not given; `login` remembers the server (in the queue) and the token
(in its own file readable by the officer only, beside the queue).
"""

import argparse
import os
import sys

from . import entry, outbox, plans, words
from .session import EXIT_ERROR, Client, UsageError

DEFAULT_QUEUE = "~/.ebikeops/queue.sqlite3"

# The codes the API takes (the pick-lists show the words).
VEHICLE_TYPES = tuple(words.VEHICLE_TYPES)
REASONS = tuple(words.REASONS)
POWERS = tuple(words.POWERS)
OFFENCES = tuple(words.OFFENCES)
DISPOSALS = ("taken_to_custody", "street_bail", "de_arrested", "handed_to_other_force")


def build_parser() -> argparse.ArgumentParser:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m mobile_client_stub", description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=env.get("EBIKEOPS_SERVER"), help="API base URL (EBIKEOPS_SERVER)")
    parser.add_argument("--token", default=env.get("EBIKEOPS_TOKEN"), help="API token (EBIKEOPS_TOKEN)")
    parser.add_argument(
        "--queue",
        default=env.get("EBIKEOPS_QUEUE", DEFAULT_QUEUE),
        help=f"SQLite queue file (EBIKEOPS_QUEUE; default {DEFAULT_QUEUE})",
    )
    parser.add_argument("--offline", action="store_true", help="only queue; do not try the network")
    parser.add_argument(
        "--attempts",
        type=int,
        default=None,
        help="tries per request before keeping the rest for later (sync: 6; actions: 1)",
    )
    parser.add_argument(
        "--backoff",
        type=float,
        default=float(env.get("EBIKEOPS_BACKOFF_S", "0.5")),
        help="base of the exponential backoff in seconds (full jitter)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=float(env.get("EBIKEOPS_TIMEOUT_S", "10")),
        help="seconds to wait for an answer",
    )
    parser.add_argument("--batch-size", type=int, default=100, help="items per sync request")
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail: ids, each item's answer, retries")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def where(sub: argparse.ArgumentParser, *, accuracy: bool = True) -> None:
        sub.add_argument("--lon", type=float, help="longitude (WGS84), e.g. -0.3021")
        sub.add_argument("--lat", type=float, help="latitude (WGS84), e.g. 51.5127")
        sub.add_argument("--here", action="store_true", help="the last position (see `position`)")
        sub.add_argument(
            "--at", help="a stop from the kept bundle (2.1, 2 or its name); an ISO time is still taken as --time"
        )
        sub.add_argument("--time", help="when (ISO 8601 with offset; default now)")
        if accuracy:
            sub.add_argument("--accuracy-m", type=float, help="GPS accuracy in metres")

    sub = command("login", entry.cmd_login, "check and remember the server and a (new) token")
    sub.add_argument("--token", dest="login_token", help="the new token (asked for, unechoed, when missing)")
    command("logout", entry.cmd_logout, "forget the token; the queue is kept")
    command("whoami", entry.cmd_whoami, "who the token belongs to, and the server's limits")

    sub = command("position", entry.cmd_position, "keep the current position for --here")
    where(sub)

    sub = command("start-operation", entry.cmd_start_operation, "start an operation here and make it current")
    sub.add_argument("--name", required=True)
    sub.add_argument("--team", required=True)
    sub.add_argument("--reference")
    sub.add_argument("--officers", type=int, help="officers deployed")
    sub.add_argument("--notes")
    where(sub, accuracy=False)

    sub = command("join-operation", entry.cmd_join_operation, "make another officer's operation current (online)")
    sub.add_argument("operation_id")

    sub = command("seize", entry.cmd_seize, "log a seizure in the current operation")
    where(sub)
    sub.add_argument("--vehicle-type", choices=VEHICLE_TYPES, help="asked with a pick-list when missing")
    sub.add_argument("--reason", choices=REASONS, help="asked with a pick-list when missing")
    sub.add_argument("--power", choices=POWERS, help="asked with a pick-list when missing")
    for name in ("--make", "--model", "--colour", "--frame-number", "--notes"):
        sub.add_argument(name)
    sub.add_argument("--photo", action="append", help="JPEG/PNG file; repeat for several")
    sub.add_argument("--operation", help="operation id (default: the current one)")

    sub = command("arrest", entry.cmd_arrest, "log an arrest in the current operation (no personal details)")
    where(sub)
    sub.add_argument("--offence", choices=OFFENCES, help="asked with a pick-list when missing")
    sub.add_argument("--warrant-offence", choices=OFFENCES, help="for wanted_on_warrant")
    sub.add_argument("--disposal", choices=DISPOSALS, help="what happened next (arrests hold no free text)")
    sub.add_argument("--operation")

    sub = command("photo", entry.cmd_photo, "attach a photo to a seizure (before or after it syncs)")
    sub.add_argument("seizure_id")
    sub.add_argument("path")

    sub = command("end-operation", entry.cmd_end_operation, "mark the current operation completed")
    sub.add_argument("--at", help="end time (ISO 8601 with offset; default now)")
    sub.add_argument("--time", help="end time (same as --at)")
    sub.add_argument("--operation")

    sub = command("update-operation", entry.cmd_update_operation, "change the current operation's details")
    sub.add_argument("--name")
    sub.add_argument("--notes")
    sub.add_argument("--officers", type=int)
    sub.add_argument("--operation")

    command("status", outbox.cmd_status, "counts of what is sent, waiting or needs your attention")
    sub = command("pending", outbox.cmd_pending, "what is not on the server yet, and what to do about it")
    sub.add_argument("--json", action="store_true")
    command("sync", outbox.cmd_sync, "send everything waiting, retrying with backoff")
    command("dropped", outbox.cmd_dropped, "the log of records dropped on this phone")

    sub = command("edit", outbox.cmd_edit, "change a refused record (asks for the fields the server named)")
    sub.add_argument("seq", type=int)
    sub.add_argument("assignments", nargs="*", metavar="FIELD=VALUE", help="e.g. point=-0.3021,51.5127")
    where(sub)

    sub = command("retry", outbox.cmd_retry, "send a refused record (or photo, p2) again unchanged")
    sub.add_argument("seq", help="the number `pending` shows: 5 for a record, p2 for a photo")

    sub = command("drop", outbox.cmd_drop, "give up a record or photo (asks to confirm; kept in the dropped log)")
    sub.add_argument("seq", help="the number `pending` shows: 5 for a record, p2 for a photo")
    sub.add_argument("--yes", action="store_true", help="confirm without asking")
    sub.add_argument("--why", help="a note for the log")

    sub = command("resolve", outbox.cmd_resolve, "compare a conflicting change with the server's, then choose")
    sub.add_argument("seq", type=int)
    choice = sub.add_mutually_exclusive_group()
    choice.add_argument("--mine", action="store_true", help="apply your change on top of the server's version")
    choice.add_argument("--theirs", action="store_true", help="keep the server's version; drop your change")
    choice.add_argument("--discard", action="store_true", help=argparse.SUPPRESS)  # the first client's --theirs

    command("today", plans.cmd_today, "the team's deployment (stops, times) and what has been logged")

    sub = command("suggestions", plans.cmd_suggestions, "deployment suggestions near a point (kept bundle offline)")
    sub.add_argument("--lon", type=float, required=True)
    sub.add_argument("--lat", type=float, required=True)
    sub.add_argument("--radius-m", type=float, default=2000.0)
    sub.add_argument("--at", type=_time_arg, help="the time to deploy (default now)")
    sub.add_argument("--hours", type=int, help="how long from --at (server default 4)")
    sub.add_argument("--offline", action="store_true", help="use the kept bundle without asking the server")

    sub = command("bundle", plans.cmd_bundle, "fetch the next shift's suggestions and keep them for offline use")
    sub.add_argument("--borough", help="borough name or GSS code")
    sub.add_argument("--lon", type=float)
    sub.add_argument("--lat", type=float)
    sub.add_argument("--radius-m", type=float, default=3000.0)
    sub.add_argument("--start", type=_time_arg, help="shift start (default now)")
    sub.add_argument("--end", type=_time_arg, help="shift end (default 8 hours after start)")
    return parser


def _time_arg(value: str) -> str:
    try:
        return entry.parse_time(value)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def main(argv: list[str] | None = None, out=None, stdin=None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    args.attempts_given = args.attempts is not None
    if args.attempts is None:
        args.attempts = 6
    client = Client(args, out, stdin)
    try:
        return args.handler(client)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if out is not sys.stdout:  # a caller capturing the output sees the reason too
            print(f"error: {exc}", file=out)
        return EXIT_ERROR
    finally:
        client.queue.close()
