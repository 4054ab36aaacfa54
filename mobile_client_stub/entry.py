"""Commands that log something at the kerbside: each checks its input offline, queues it,
tries one quick sync and prints one line saying what was logged and where it is."""

import getpass
import json
import mimetypes
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import checks, credentials, deployment, words
from .api import ApiError, LoginNeeded, Transient
from .session import EXIT_ERROR, EXIT_LOGIN, EXIT_OK, LOGIN_AGAIN, Client, UsageError

POSITION_KEY = "last_position"
EXAMPLE_TIME = "2025-11-29T14:05:00+00:00"
STOP_REF = re.compile(r"^\d+(\.\d+)?$")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_time(value: str) -> str:
    """An ISO 8601 time with its UTC offset (the server refuses naive times)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(
            f"{value!r} is not a time: give ISO 8601 with an offset, e.g. 2025-11-29T14:05:00+00:00"
        ) from exc
    if parsed.tzinfo is None:
        raise UsageError(f"{value!r} needs a UTC offset, e.g. {EXAMPLE_TIME}")
    return parsed.isoformat()


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


class Where:
    """Where and when an entry happened, from --lon/--lat, --here, --at STOP and --time."""

    def __init__(self, client: Client, *, required: bool = True):
        a = client.args
        self.stop: deployment.Stop | None = None
        self.time: str | None = getattr(a, "time", None) and parse_time(a.time)
        self.accuracy_m: float | None = getattr(a, "accuracy_m", None)
        at = getattr(a, "at", None)
        bundle = deployment.kept_bundle(client.queue)
        if at is not None:
            self.stop = deployment.find_stop(bundle, at) if not _looks_like_time(at) else None
            if self.stop is None:
                if STOP_REF.match(at) or not _looks_like_time(at):
                    known = ", ".join(s.ref + (f" {s.name}" if s.name else "") for s in deployment.stops(bundle))
                    raise UsageError(
                        f"No stop {at!r} in the kept bundle"
                        + (f" (stops: {known})." if known else ": run `bundle` while there is signal.")
                    )
                self.time = parse_time(at)  # --at TIME, as the first client took it
        self.lon: float | None = getattr(a, "lon", None)
        self.lat: float | None = getattr(a, "lat", None)
        if self.stop is not None and self.lon is None:
            self.lon, self.lat = self.stop.lon, self.stop.lat
        if getattr(a, "here", False):
            last = client.queue.get_setting(POSITION_KEY)
            if not last:
                raise UsageError("No last position yet: give --lon and --lat, --at STOP, or run `position`.")
            kept = json.loads(last)
            self.lon, self.lat = kept["lon"], kept["lat"]
            if self.accuracy_m is None:
                self.accuracy_m = kept.get("accuracy_m")
        if (self.lon is None) != (self.lat is None):
            raise UsageError("Give both --lon and --lat.")
        if required and self.lon is None:
            raise UsageError("Where? Give --lon and --lat, --here (last position) or --at STOP (e.g. --at 2.1).")
        near = None if self.lon is None else deployment.nearest_stop(bundle, self.lon, self.lat)
        self.place = (self.stop or near).title if (self.stop or near) else None
        self.stop_ref = (self.stop or near).ref if (self.stop or near) else None

    @property
    def point(self) -> dict[str, Any] | None:
        return None if self.lon is None else point(self.lon, self.lat)

    def remember(self, client: Client) -> None:
        if self.lon is not None:
            kept = {"lon": self.lon, "lat": self.lat, "accuracy_m": self.accuracy_m, "at": now_iso()}
            client.queue.set_setting(POSITION_KEY, json.dumps(kept))


def _looks_like_time(value: str) -> bool:
    return bool(re.match(r"^\d{4}-\d{2}-\d{2}", value))


def refuse_problems(client: Client, problems: dict[str, str]) -> None:
    """The same words the server would use, before anything is queued."""
    if problems:
        lines = [f"{words.FIELDS.get(field, field)}: {message}" for field, message in problems.items()]
        raise UsageError("Not logged; fix this first:\n  " + "\n  ".join(lines))


def check_operation(client: Client, operation_id: str) -> str | None:
    """The operation's name. It must be in this phone's queue, or on the server (asked when
    online; with no signal the server checks it at sync)."""
    record = client.queue.record(operation_id)
    if record is not None and record["type"] == "operation":
        return record["label"] or None
    if not client.online:
        client.say(f"Note: operation {operation_id} is not on this phone; the server will check it at sync.")
        return None
    api = client.api()
    try:
        feature, version = api.operation(operation_id)
    except Transient:
        client.say(f"Note: operation {operation_id} could not be checked (no signal); the server will check it.")
        return None
    except ApiError as exc:
        if exc.status == 404:
            raise UsageError(checks.OPERATION_UNKNOWN.format(id=operation_id)) from exc
        raise
    finally:
        api.close()
    name = feature["properties"].get("name", "")
    client.queue.remember(record_id=str(feature["id"]), record_type="operation", label=name, server_version=version)
    return name or None


def choose(client: Client, value: str | None, what: str, choices: dict[str, str], flag: str) -> str:
    if value is not None:
        return value
    if client.interactive:
        return client.pick(what, choices)
    options = "; ".join(f"{code} ({label})" for code, label in choices.items())
    raise UsageError(f"Give {flag}: one of {options}.")


def optional(data: dict[str, Any], **values: Any) -> dict[str, Any]:
    data.update({key: value for key, value in values.items() if value is not None})
    return data


# --- commands --------------------------------------------------------------------------------


def cmd_login(client: Client) -> int:
    a = client.args
    token = a.login_token or a.token or (getpass.getpass("API token: ") if client.interactive else None)
    if not (client.server and token):
        raise UsageError("login needs --server and --token (or EBIKEOPS_SERVER / EBIKEOPS_TOKEN).")
    client.queue.set_setting("server", client.server)
    path = credentials.save_token(client.queue.path, token)
    client.token = token
    api = client.api()
    try:
        info = api.info()
    except Transient as exc:
        client.say(f"Saved the server and token (in {path}, readable by you only); could not check them ({exc}).")
        return EXIT_OK
    except LoginNeeded:
        client.say("The server does not accept this token: ask for a new one.")
        return EXIT_LOGIN
    except ApiError as exc:
        client.say(f"The server refused this token: {exc}")
        return EXIT_ERROR
    finally:
        api.close()
    kept = client.kept()
    client.say(
        f"Logged in as {info['username']} ({info['role']}) at {client.server}."
        + (f" {kept} change(s) on this phone will be sent by `sync`." if kept else "")
    )
    return EXIT_OK


def cmd_logout(client: Client) -> int:
    credentials.forget_token(client.queue.path)
    client.say(f"Token removed from this phone; {client.kept()} change(s) are kept.")
    return EXIT_OK


def cmd_whoami(client: Client) -> int:
    api = client.api()
    try:
        info = api.info()
    except LoginNeeded:
        client.say(LOGIN_AGAIN.format(kept=client.kept()))
        return EXIT_LOGIN
    except (Transient, ApiError) as exc:
        client.say(f"Could not ask the server: {exc}")
        return EXIT_ERROR
    finally:
        api.close()
    team = f", team {info['team']}" if info.get("team") else ""
    client.say(f"{info['username']} ({info['role']}{team}) at {client.server}")
    client.say(f"server time {words.london(info['server_time'])}; batches of at most {info['max_items']} items")
    return EXIT_OK


def cmd_position(client: Client) -> int:
    where = Where(client)
    refuse_problems(client, checks.entry_problems(point=(where.lon, where.lat), accuracy_m=where.accuracy_m, times={}))
    where.remember(client)
    client.say(f"Position kept: {words.position_text(where.point)}" + (f", {where.place}" if where.place else "") + ".")
    return EXIT_OK


def cmd_start_operation(client: Client) -> int:
    a = client.args
    where = Where(client)
    started_at = where.time or now_iso()
    refuse_problems(
        client,
        checks.entry_problems(point=(where.lon, where.lat), accuracy_m=None, times={"started_at": started_at}),
    )
    data = optional(
        {"name": a.name, "team": a.team, "status": "active", "started_at": started_at, "location": where.point},
        reference=a.reference,
        officer_count=a.officers,
        notes=a.notes,
    )
    summary = words.describe(op="create", record_type="operation", data=data, place=where.place, operation_name=None)
    operation_id, seq = client.queue.add_create(
        record_type="operation", data=data, recorded_at=now_iso(), label=a.name, summary=summary, place=where.place
    )
    client.queue.set_setting("current_operation", operation_id)
    where.remember(client)
    client.detail(f"operation id {operation_id}")
    return client.after_action(seq)


def cmd_join_operation(client: Client) -> int:
    api = client.api()
    try:
        feature, version = api.operation(client.args.operation_id)
    except LoginNeeded:
        client.say(LOGIN_AGAIN.format(kept=client.kept()))
        return EXIT_LOGIN
    except (Transient, ApiError) as exc:
        client.say(f"Could not fetch operation {client.args.operation_id}: {exc}")
        return EXIT_ERROR
    finally:
        api.close()
    name = feature["properties"].get("name", "")
    client.queue.remember(record_id=str(feature["id"]), record_type="operation", label=name, server_version=version)
    client.queue.set_setting("current_operation", str(feature["id"]))
    client.say(f"Joined operation {name} ({feature['id']}, version {version}).")
    return EXIT_OK


def _log_record(client: Client, *, record_type: str, data: dict[str, Any], where: Where, label: str) -> tuple[str, int]:
    operation_name = client.queue.label(data["operation"])
    summary = words.describe(
        op="create", record_type=record_type, data=data, place=where.place, operation_name=operation_name
    )
    record_id, seq = client.queue.add_create(
        record_type=record_type,
        data=data,
        recorded_at=now_iso(),
        label=label,
        summary=summary,
        place=where.place,
        stop=where.stop_ref,
    )
    where.remember(client)
    client.detail(f"{record_type} id {record_id}")
    return record_id, seq


def cmd_seize(client: Client) -> int:
    a = client.args
    operation_id = client.current_operation()
    where = Where(client)
    seized_at = where.time or now_iso()
    refuse_problems(
        client,
        checks.entry_problems(
            point=(where.lon, where.lat), accuracy_m=where.accuracy_m, times={"seized_at": seized_at}
        ),
    )
    photos = [Path(p) for p in a.photo or []]
    for path in photos:
        if not path.is_file():
            raise UsageError(f"No photo file {path}.")
    check_operation(client, operation_id)
    vehicle = choose(client, a.vehicle_type, "Vehicle", words.VEHICLE_TYPES, "--vehicle-type")
    reason = choose(client, a.reason, "Reason", words.REASONS, "--reason")
    power = choose(client, a.power, "Power", words.POWERS, "--power")
    data = optional(
        {
            "operation": operation_id,
            "point": where.point,
            "seized_at": seized_at,
            "vehicle_type": vehicle,
            "reason": reason,
            "power": power,
        },
        accuracy_m=where.accuracy_m,
        make=a.make,
        model=a.model,
        colour=a.colour,
        frame_number=a.frame_number,
        notes=a.notes,
    )
    seizure_id, seq = _log_record(client, record_type="seizure", data=data, where=where, label=vehicle)
    for path in photos:
        queue_photo(client, seizure_id, path)
    if photos:
        client.detail(f"{len(photos)} photo(s) queued")
    return client.after_action(seq)


def queue_photo(client: Client, seizure_id: str, path: Path) -> str:
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return client.queue.add_photo(
        seizure_id=seizure_id, filename=path.name, content_type=content_type, content=path.read_bytes()
    )


def cmd_photo(client: Client) -> int:
    path = Path(client.args.path)
    if not path.is_file():
        raise UsageError(f"No photo file {path}.")
    photo_id = queue_photo(client, client.args.seizure_id, path)
    client.say(f"Photo {photo_id} queued for seizure {client.args.seizure_id}.")
    code = client.sync(attempts=client.args.attempts if client.args.attempts_given else 1, quiet=True)
    return EXIT_LOGIN if code == EXIT_LOGIN else EXIT_OK


def cmd_arrest(client: Client) -> int:
    a = client.args
    operation_id = client.current_operation()
    where = Where(client)
    arrested_at = where.time or now_iso()
    refuse_problems(
        client,
        checks.entry_problems(
            point=(where.lon, where.lat), accuracy_m=where.accuracy_m, times={"arrested_at": arrested_at}
        ),
    )
    check_operation(client, operation_id)
    offence = choose(client, a.offence, "Offence", words.OFFENCES, "--offence")
    data = optional(
        {"operation": operation_id, "point": where.point, "arrested_at": arrested_at, "offence_category": offence},
        warrant_offence_category=a.warrant_offence,
        accuracy_m=where.accuracy_m,
        disposal=a.disposal,
    )
    _, seq = _log_record(client, record_type="arrest", data=data, where=where, label=offence)
    return client.after_action(seq)


def cmd_end_operation(client: Client) -> int:
    operation_id = client.current_operation()
    where = Where(client, required=False)
    ended_at = where.time or now_iso()
    refuse_problems(client, checks.entry_problems(point=None, accuracy_m=None, times={"ended_at": ended_at}))
    data = {"status": "completed", "ended_at": ended_at}
    summary = words.describe(
        op="update", record_type="operation", data=data, place=None, operation_name=client.queue.label(operation_id)
    )
    seq = client.queue.add_change(
        op="update", record_type="operation", record_id=operation_id, data=data, recorded_at=now_iso(), summary=summary
    )
    if client.queue.get_setting("current_operation") == operation_id:
        client.queue.set_setting("current_operation", None)
    return client.after_action(seq)


def cmd_update_operation(client: Client) -> int:
    a = client.args
    data = optional({}, name=a.name, notes=a.notes, officer_count=a.officers)
    if not data:
        raise UsageError("Say what to change: --name, --notes or --officers.")
    operation_id = client.current_operation()
    summary = words.describe(
        op="update", record_type="operation", data=data, place=None, operation_name=client.queue.label(operation_id)
    )
    seq = client.queue.add_change(
        op="update", record_type="operation", record_id=operation_id, data=data, recorded_at=now_iso(), summary=summary
    )
    return client.after_action(seq)
