"""Command line: `python -m mobile_client_stub --server URL --token TOKEN [--queue PATH] <command>`.

Every action is written to the local queue first and only then synced, so it is never lost
to a dead signal: when the server cannot be reached the action is kept and sent by the next
`sync` (or the next action). EBIKEOPS_SERVER, EBIKEOPS_TOKEN and EBIKEOPS_QUEUE are read
when the options are not given; `login` remembers the server and token in the queue file.
"""

import argparse
import json
import math
import mimetypes
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .api import Api, ApiError, Transient
from .queue import CONFLICT, PENDING, REJECTED, Queue
from .sync import Backoff, Syncer

DEFAULT_QUEUE = "~/.ebikeops/queue.sqlite3"
EXIT_OK, EXIT_ERROR, EXIT_WAITING = 0, 1, 3


class UsageError(Exception):
    pass


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _time(value: str | None) -> str:
    """An ISO 8601 time with its UTC offset (the server refuses naive times), or now."""
    if value is None:
        return _now()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 time") from exc
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} needs a UTC offset, e.g. 2025-11-29T14:05:00+00:00")
    return parsed.isoformat()


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


class Client:
    """One invocation: the queue, the connection settings and the output stream."""

    def __init__(self, args: argparse.Namespace, out):
        self.args = args
        self.out = out
        self.queue = Queue(args.queue)
        self.server = args.server or self.queue.get_setting("server")
        self.token = args.token or self.queue.get_setting("token")

    def say(self, message: str) -> None:
        print(message, file=self.out, flush=True)

    def api(self) -> Api:
        if not self.server:
            raise UsageError("No server: pass --server URL or set EBIKEOPS_SERVER (or run login).")
        if not self.token:
            raise UsageError("No token: pass --token TOKEN or set EBIKEOPS_TOKEN (or run login).")
        return Api(self.server, self.token, timeout=self.args.timeout)

    def backoff(self, attempts: int | None = None) -> Backoff:
        return Backoff(
            base_s=self.args.backoff,
            cap_s=max(self.args.backoff, 30.0),
            attempts=self.args.attempts if attempts is None else attempts,
        )

    def current_operation(self) -> str:
        operation_id = self.args.operation if getattr(self.args, "operation", None) else None
        operation_id = operation_id or self.queue.get_setting("current_operation")
        if not operation_id:
            raise UsageError("No current operation: run start-operation or join-operation, or pass --operation ID.")
        return operation_id

    def sync(self, *, attempts: int | None = None) -> int:
        """Push what is waiting; an action's own sync tries once unless --attempts says more."""
        if self.args.offline:
            self.say(f"Offline: {self.waiting()} change(s) waiting to sync.")
            return EXIT_OK
        if not (self.server and self.token):
            self.say(f"Not logged in: {self.waiting()} change(s) kept for later.")
            return EXIT_OK
        api = self.api()
        try:
            syncer = Syncer(
                self.queue,
                api,
                backoff=self.backoff(attempts),
                batch_size=self.args.batch_size,
                log=self.say if self.args.verbose else lambda m: None,
            )
            report = syncer.run()
        except ApiError as exc:
            self.say(f"The server refused the token or role: {exc}")
            return EXIT_ERROR
        finally:
            api.close()
        waiting = self.waiting()
        settled = ", ".join(f"{n} {state}" for state, n in sorted(report.settled.items())) or "nothing new"
        if report.sent or report.photos_uploaded or not report.gave_up:
            self.say(f"Synced: {settled}; {report.photos_uploaded} photo(s) uploaded.")
        if report.gave_up:
            self.say(f"Server unreachable ({report.gave_up}); {waiting} change(s) kept and will be retried.")
        elif waiting:
            self.say(f"{waiting} change(s) still waiting (see `pending`).")
        problems = self.queue.counts().get(CONFLICT, 0) + self.queue.counts().get(REJECTED, 0)
        if problems:
            self.say(f"{problems} change(s) need attention (see `pending`).")
        return EXIT_WAITING if waiting else EXIT_OK

    def waiting(self) -> int:
        return self.queue.counts().get(PENDING, 0) + self.queue.photo_counts().get(PENDING, 0)

    def after_action(self) -> int:
        code = self.sync(attempts=self.args.attempts if self.args.attempts_given else 1)
        return EXIT_OK if code == EXIT_WAITING else code  # queued is success for an action


# --- commands ------------------------------------------------------------------------------


def cmd_login(client: Client) -> int:
    if not (client.server and client.token):
        raise UsageError("login needs --server and --token (or EBIKEOPS_SERVER / EBIKEOPS_TOKEN).")
    client.queue.set_setting("server", client.server)
    client.queue.set_setting("token", client.token)
    api = client.api()
    try:
        info = api.info()
    except Transient as exc:
        client.say(f"Saved the server and token; could not reach the server to check them ({exc}).")
        return EXIT_OK
    except ApiError as exc:
        client.say(f"The server refused this token: {exc}")
        return EXIT_ERROR
    finally:
        api.close()
    client.say(f"Logged in as {info['username']} ({info['role']}) at {client.server}.")
    return EXIT_OK


def cmd_whoami(client: Client) -> int:
    api = client.api()
    try:
        info = api.info()
    except (Transient, ApiError) as exc:
        client.say(f"Could not ask the server: {exc}")
        return EXIT_ERROR
    finally:
        api.close()
    team = f", team {info['team']}" if info.get("team") else ""
    client.say(f"{info['username']} ({info['role']}{team}) at {client.server}")
    client.say(f"server time {info['server_time']}; batches of at most {info['max_items']} items")
    return EXIT_OK


def cmd_start_operation(client: Client) -> int:
    a = client.args
    data: dict[str, Any] = {
        "name": a.name,
        "team": a.team,
        "status": "active",
        "started_at": _time(a.at),
        "location": _point(a.lon, a.lat),
    }
    for key, value in (("reference", a.reference), ("officer_count", a.officers), ("notes", a.notes)):
        if value is not None:
            data[key] = value
    operation_id = client.queue.add_create(record_type="operation", data=data, recorded_at=_now(), label=a.name)
    client.queue.set_setting("current_operation", operation_id)
    client.say(f"Operation {operation_id} started: {a.name}")
    return client.after_action()


def cmd_join_operation(client: Client) -> int:
    api = client.api()
    try:
        feature, version = api.operation(client.args.operation_id)
    except (Transient, ApiError) as exc:
        client.say(f"Could not fetch operation {client.args.operation_id}: {exc}")
        return EXIT_ERROR
    finally:
        api.close()
    name = feature["properties"].get("name", "")
    client.queue.remember(record_id=feature["id"], record_type="operation", label=name, server_version=version)
    client.queue.set_setting("current_operation", str(feature["id"]))
    client.say(f"Joined operation {feature['id']} ({name}, version {version}).")
    return EXIT_OK


def _optional(data: dict[str, Any], **values: Any) -> dict[str, Any]:
    data.update({key: value for key, value in values.items() if value is not None})
    return data


def cmd_seize(client: Client) -> int:
    a = client.args
    operation_id = client.current_operation()
    photos = [Path(p) for p in a.photo or []]
    for path in photos:
        if not path.is_file():
            raise UsageError(f"No photo file {path}.")
    data = _optional(
        {
            "operation": operation_id,
            "point": _point(a.lon, a.lat),
            "seized_at": _time(a.at),
            "vehicle_type": a.vehicle_type,
            "reason": a.reason,
            "power": a.power,
        },
        accuracy_m=a.accuracy_m,
        make=a.make,
        model=a.model,
        colour=a.colour,
        frame_number=a.frame_number,
        notes=a.notes,
    )
    seizure_id = client.queue.add_create(record_type="seizure", data=data, recorded_at=_now(), label=a.vehicle_type)
    for path in photos:
        _queue_photo(client, seizure_id, path)
    client.say(f"Seizure {seizure_id} logged ({a.vehicle_type}, {len(photos)} photo(s)).")
    return client.after_action()


def _queue_photo(client: Client, seizure_id: str, path: Path) -> str:
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return client.queue.add_photo(
        seizure_id=seizure_id, filename=path.name, content_type=content_type, content=path.read_bytes()
    )


def cmd_photo(client: Client) -> int:
    path = Path(client.args.path)
    if not path.is_file():
        raise UsageError(f"No photo file {path}.")
    photo_id = _queue_photo(client, client.args.seizure_id, path)
    client.say(f"Photo {photo_id} queued for seizure {client.args.seizure_id}.")
    return client.after_action()


def cmd_arrest(client: Client) -> int:
    a = client.args
    data = _optional(
        {
            "operation": client.current_operation(),
            "point": _point(a.lon, a.lat),
            "arrested_at": _time(a.at),
            "offence_category": a.offence,
        },
        warrant_offence_category=a.warrant_offence,
        accuracy_m=a.accuracy_m,
        disposal=a.disposal,
    )
    arrest_id = client.queue.add_create(record_type="arrest", data=data, recorded_at=_now(), label=a.offence)
    client.say(f"Arrest {arrest_id} logged ({a.offence}).")
    return client.after_action()


def cmd_end_operation(client: Client) -> int:
    operation_id = client.current_operation()
    data = {"status": "completed", "ended_at": _time(client.args.at)}
    client.queue.add_change(op="update", record_type="operation", record_id=operation_id, data=data, recorded_at=_now())
    if client.queue.get_setting("current_operation") == operation_id:
        client.queue.set_setting("current_operation", None)
    client.say(f"Operation {operation_id} ended.")
    return client.after_action()


def cmd_update_operation(client: Client) -> int:
    a = client.args
    data = _optional({}, name=a.name, notes=a.notes, officer_count=a.officers)
    if not data:
        raise UsageError("Say what to change: --name, --notes or --officers.")
    operation_id = client.current_operation()
    client.queue.add_change(op="update", record_type="operation", record_id=operation_id, data=data, recorded_at=_now())
    client.say(f"Operation {operation_id} change queued: {', '.join(sorted(data))}.")
    return client.after_action()


def cmd_status(client: Client) -> int:
    counts, photos = client.queue.counts(), client.queue.photo_counts()
    current = client.queue.get_setting("current_operation")
    client.say(f"server: {client.server or '(not set)'}; current operation: {current or '(none)'}")
    client.say("changes: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"))
    client.say("photos: " + (", ".join(f"{n} {s}" for s, n in sorted(photos.items())) or "none"))
    return EXIT_OK


def cmd_pending(client: Client) -> int:
    rows = client.queue.items((PENDING, CONFLICT, REJECTED))
    photos = [p for p in client.queue.photos() if p["state"] in (PENDING, REJECTED)]
    if client.args.json:
        client.say(
            json.dumps(
                {
                    "items": [{k: row[k] for k in row.keys()} for row in rows],  # noqa: SIM118 - sqlite3.Row
                    "photos": [{k: p[k] for k in p.keys()} for p in photos],  # noqa: SIM118
                },
                indent=2,
            )
        )
        return EXIT_OK
    if not rows and not photos:
        client.say("Nothing waiting: everything is on the server.")
        return EXIT_OK
    for row in rows:
        error = f" - {row['last_error']}" if row["last_error"] else ""
        base = f" (based on v{row['base_version']})" if row["base_version"] else ""
        client.say(
            f"#{row['seq']:<4} {row['state']:<9} {row['op']} {row['type']} {row['record_id']}{base}"
            f", {row['attempts']} attempt(s){error}"
        )
    for photo in photos:
        error = f" - {photo['last_error']}" if photo["last_error"] else ""
        client.say(f"photo {photo['state']:<9} {photo['filename']} for seizure {photo['seizure_id']}{error}")
    return EXIT_OK


def cmd_sync(client: Client) -> int:
    return client.sync()


def cmd_resolve(client: Client) -> int:
    """A conflict is never overwritten silently: the officer chooses to re-apply or drop."""
    row = client.queue.item(client.args.seq)
    if row is None or row["state"] != CONFLICT:
        raise UsageError(f"#{client.args.seq} is not a conflicting change (see `pending`).")
    if client.args.discard:
        client.queue.discard(row["seq"])
        client.say(f"#{row['seq']} dropped.")
        return EXIT_OK
    current = json.loads(row["result"] or "{}").get("version")
    client.queue.reopen(row["seq"], base_version=current)
    client.say(f"#{row['seq']} will be re-applied on top of version {current}.")
    return client.after_action()


BUNDLE_KEY = "suggestion_bundle"


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine): enough to pick suggestions near the officer offline."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def _window_text(window: Any) -> str:
    """A time window as the API gives it (an object) or as the bundle keeps it (a label)."""
    if isinstance(window, dict):
        return f"{window.get('label')} ({window.get('count')} seizures)"
    return str(window)


def _show_suggestions(client: Client, features: list[dict[str, Any]]) -> None:
    for feature in features:
        p = feature.get("properties") or {}
        client.say(f"{p.get('rank', '?')}. {p.get('title', 'Suggestion')} ({p.get('kind', '')})")
        if p.get("rationale"):
            client.say(f"   {p['rationale']}")
        windows = [_window_text(w) for w in p.get("time_windows") or []]
        if windows:
            client.say(f"   When: {'; '.join(windows)}")
        for stop in p.get("stops") or []:
            share = stop.get("expected_share")
            share_text = f", {share:.0%} of the demand" if isinstance(share, int | float) else ""
            client.say(
                f"   Stop {stop.get('number')}: {stop.get('lon')}, {stop.get('lat')} "
                f"(stay {stop.get('dwell_minutes')} min{share_text})"
            )


def _kept_bundle(client: Client) -> dict[str, Any] | None:
    raw = client.queue.get_setting(BUNDLE_KEY)
    return json.loads(raw) if raw else None


def cmd_bundle(client: Client) -> int:
    """Fetch the next shift's suggestions and keep them in the queue file for offline use."""
    a = client.args
    if not a.borough and (a.lon is None or a.lat is None):
        raise UsageError("Give --borough, or --lon and --lat (with --radius-m).")
    api = client.api()
    try:
        bundle = api.bundle(
            borough=a.borough,
            lon=None if a.borough else a.lon,
            lat=None if a.borough else a.lat,
            radius_m=None if a.borough else a.radius_m,
            start=a.start,
            end=a.end,
        )
    except ApiError as exc:
        client.say(f"The server refused: {exc}")
        return EXIT_ERROR
    except Transient as exc:
        kept = _kept_bundle(client)
        still = f"; the bundle kept at {kept['bundle']['generated_at']} stays" if kept else ""
        client.say(f"Could not reach the server ({exc}){still}.")
        return EXIT_WAITING
    finally:
        api.close()
    client.queue.set_setting(BUNDLE_KEY, json.dumps(bundle))
    meta = bundle["bundle"]
    client.say(
        f"Kept {len(bundle['features'])} suggestions for offline use, "
        f"for {meta['valid_from']} to {meta['valid_until']}."
    )
    if not bundle["features"] and meta.get("message"):
        client.say(meta["message"])
    _show_suggestions(client, bundle["features"])
    return EXIT_OK


def _suggestions_offline(client: Client, reason: str) -> int:
    """Suggestions near the point from the kept bundle: any of their stops within the radius."""
    a = client.args
    bundle = _kept_bundle(client)
    if bundle is None:
        client.say(f"{reason}; no bundle is kept: run `bundle` while there is signal.")
        return EXIT_ERROR
    meta = bundle["bundle"]
    when = datetime.fromisoformat(a.at) if a.at else datetime.now(UTC)
    kept_at, valid = meta["generated_at"], f"{meta['valid_from']} to {meta['valid_until']}"
    client.say(f"{reason}: from the bundle kept at {kept_at}, for {valid}.")
    if not datetime.fromisoformat(meta["valid_from"]) <= when < datetime.fromisoformat(meta["valid_until"]):
        client.say("Note: that bundle is for another time; fetch a new one when there is signal.")
    near = [
        feature
        for feature in bundle["features"]
        if any(
            _distance_m(a.lon, a.lat, stop["lon"], stop["lat"]) <= a.radius_m for stop in feature["properties"]["stops"]
        )
    ]
    if not near:
        client.say(f"No kept suggestion has a stop point within {a.radius_m:g} m of here.")
    _show_suggestions(client, near)
    return EXIT_OK


def cmd_suggestions(client: Client) -> int:
    a = client.args
    if a.offline:
        return _suggestions_offline(client, "Offline")
    api = client.api()
    try:
        answer = api.suggestions(lon=a.lon, lat=a.lat, radius_m=a.radius_m, at=a.at, hours=a.hours)
    except ApiError as exc:
        if exc.status == 404:
            client.say("Deployment suggestions are not available on this server.")
            return EXIT_OK
        client.say(f"The server refused: {exc}")
        return EXIT_ERROR
    except Transient as exc:
        return _suggestions_offline(client, f"No connection ({exc})")
    finally:
        api.close()
    if answer.get("message"):
        client.say(answer["message"])
    _show_suggestions(client, answer["features"])
    return EXIT_OK


# --- parser ----------------------------------------------------------------------------------

VEHICLE_TYPES = ("e_bike", "e_scooter", "e_motorcycle", "other")
REASONS = (
    "private_e_scooter",
    "non_compliant_eapc",
    "no_insurance_or_licence",
    "suspected_stolen",
    "used_in_crime",
    "other",
)
POWERS = ("rta_1988_s165a", "pra_2002_s59", "pace_s19", "other")
OFFENCES = (
    "theft",
    "robbery",
    "violence",
    "sexual_offence",
    "drugs",
    "weapons",
    "handling_stolen_goods",
    "driving",
    "public_order",
    "wanted_on_warrant",
    "other",
)
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
    parser.add_argument("-v", "--verbose", action="store_true", help="show each item's result")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def where(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--lon", type=float, required=True, help="longitude (WGS84)")
        sub.add_argument("--lat", type=float, required=True, help="latitude (WGS84)")
        sub.add_argument("--accuracy-m", type=float, help="GPS accuracy in metres")
        sub.add_argument("--at", type=_time, help="when (ISO 8601 with offset; default now)")

    command("login", cmd_login, "check and remember the server and token")
    command("whoami", cmd_whoami, "who the token belongs to, and the server's limits")

    sub = command("start-operation", cmd_start_operation, "start an operation here and make it current")
    sub.add_argument("--name", required=True)
    sub.add_argument("--team", required=True)
    sub.add_argument("--reference")
    sub.add_argument("--officers", type=int, help="officers deployed")
    sub.add_argument("--notes")
    sub.add_argument("--lon", type=float, required=True)
    sub.add_argument("--lat", type=float, required=True)
    sub.add_argument("--at", type=_time, help="start time (default now)")

    sub = command("join-operation", cmd_join_operation, "make another officer's operation current (online)")
    sub.add_argument("operation_id")

    sub = command("seize", cmd_seize, "log a seizure in the current operation")
    where(sub)
    sub.add_argument("--vehicle-type", required=True, choices=VEHICLE_TYPES)
    sub.add_argument("--reason", required=True, choices=REASONS)
    sub.add_argument("--power", required=True, choices=POWERS)
    for name in ("--make", "--model", "--colour", "--frame-number", "--notes"):
        sub.add_argument(name)
    sub.add_argument("--photo", action="append", help="JPEG/PNG file; repeat for several")
    sub.add_argument("--operation", help="operation id (default: the current one)")

    sub = command("arrest", cmd_arrest, "log an arrest in the current operation (no personal details)")
    where(sub)
    sub.add_argument("--offence", required=True, choices=OFFENCES)
    sub.add_argument("--warrant-offence", choices=OFFENCES, help="for wanted_on_warrant")
    sub.add_argument("--disposal", choices=DISPOSALS, help="what happened next (no free text on arrests)")
    sub.add_argument("--operation")

    sub = command("photo", cmd_photo, "attach a photo to a seizure (before or after it syncs)")
    sub.add_argument("seizure_id")
    sub.add_argument("path")

    sub = command("end-operation", cmd_end_operation, "mark the current operation completed")
    sub.add_argument("--at", type=_time, help="end time (default now)")
    sub.add_argument("--operation")

    sub = command("update-operation", cmd_update_operation, "change the current operation's details")
    sub.add_argument("--name")
    sub.add_argument("--notes")
    sub.add_argument("--officers", type=int)
    sub.add_argument("--operation")

    command("status", cmd_status, "counts of synced and waiting changes")
    sub = command("pending", cmd_pending, "list what is still waiting, refused or in conflict")
    sub.add_argument("--json", action="store_true")
    command("sync", cmd_sync, "send everything waiting, retrying with backoff")

    sub = command("resolve", cmd_resolve, "settle a conflict: re-apply on top of the server's version, or drop")
    sub.add_argument("seq", type=int)
    sub.add_argument("--discard", action="store_true", help="drop the change instead")

    sub = command("suggestions", cmd_suggestions, "deployment suggestions near a point (from the kept bundle offline)")
    sub.add_argument("--lon", type=float, required=True)
    sub.add_argument("--lat", type=float, required=True)
    sub.add_argument("--radius-m", type=float, default=2000.0)
    sub.add_argument("--at", type=_time, help="the time to deploy (default now)")
    sub.add_argument("--hours", type=int, help="how long from --at (server default 4)")
    sub.add_argument("--offline", action="store_true", help="use the kept bundle without asking the server")

    sub = command("bundle", cmd_bundle, "fetch the next shift's suggestions and keep them for offline use")
    sub.add_argument("--borough", help="borough name or GSS code")
    sub.add_argument("--lon", type=float)
    sub.add_argument("--lat", type=float)
    sub.add_argument("--radius-m", type=float, default=3000.0)
    sub.add_argument("--start", type=_time, help="shift start (default now)")
    sub.add_argument("--end", type=_time, help="shift end (default 8 hours after start)")
    return parser


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    args.attempts_given = args.attempts is not None
    if args.attempts is None:
        args.attempts = 6
    client = Client(args, out)
    try:
        return args.handler(client)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        client.queue.close()
