"""Commands over the outbox: see it (status, pending), send it (sync), and fix what the API
refused (edit, retry, drop, resolve). Nothing is sent by resolve before the officer has seen
the server's current version beside their own change."""

import json
from typing import Any

from . import checks, deployment, words
from .entry import POSITION_KEY, Where, parse_time, refuse_problems
from .queue import ATTENTION, CONFLICT, DELETED, PROBLEM_WORDS, SENDING, STATE_WORDS, WAITING
from .session import EXIT_LOGIN, EXIT_OK, Client, UsageError, words_for_counts
from .sync import current_properties, same_value

TIME_FIELDS = {"seized_at", "arrested_at", "started_at", "ended_at"}
NUMBER_FIELDS = {"accuracy_m": float, "officer_count": int}


def state_text(row) -> str:
    text = STATE_WORDS.get(row["state"], row["state"])
    if row["state"] == ATTENTION and row["problem"]:
        text += f" ({PROBLEM_WORDS.get(row['problem'], row['problem'])})"
    return text


def what_to_do(row) -> str:
    seq = row["seq"]
    if row["problem"] == CONFLICT:
        return f"compare with `resolve {seq}`, or `drop {seq}`"
    if row["problem"] == DELETED:
        return f"the record is gone from the server: `drop {seq}`"
    return f"fix with `edit {seq}`, send again with `retry {seq}`, or `drop {seq}`"


def cmd_status(client: Client) -> int:
    current = client.queue.get_setting("current_operation")
    name = client.queue.label(current) if current else None
    client.say(f"Server: {client.server or '(not set)'}; signed in: {'yes' if client.token else 'no'}")
    client.say(f"Current operation: {name or current or '(none)'}")
    if current:
        client.detail(f"  id {current}")
    client.say("Records: " + words_for_counts(client.queue.counts()))
    client.say("Photos: " + words_for_counts(client.queue.photo_counts()))
    return EXIT_OK


def cmd_pending(client: Client) -> int:
    rows = client.queue.items((WAITING, SENDING, ATTENTION))
    photos = [p for p in client.queue.photos() if p["state"] in (WAITING, ATTENTION)]
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
    in_conflict = {r["record_id"]: r["seq"] for r in rows if r["state"] == ATTENTION and r["problem"] == CONFLICT}
    for row in rows:
        behind = in_conflict.get(row["record_id"])
        after = f" (after #{behind} is resolved)" if row["state"] != ATTENTION and behind else ""
        client.say(f"#{row['seq']:<3} {state_text(row)}{after}: {row['summary']}")
        if row["state"] == ATTENTION:
            client.say(f"     {row['last_error']}")
            client.say(f"     {what_to_do(row)}")
        elif row["last_error"]:
            client.say(f"     last try: {row['last_error']}")
        base = f", based on version {row['base_version']}" if row["base_version"] else ""
        client.detail(f"     {row['op']} {row['type']} {row['record_id']}{base}, {row['attempts']} attempt(s)")
    for photo in photos:
        number = f"p{photo['number']}"
        client.say(f"#{number:<3} {STATE_WORDS.get(photo['state'], photo['state'])}: photo {photo['filename']}")
        if photo["state"] == ATTENTION:
            client.say(f"     {photo['last_error']}")
            client.say(f"     send again with `retry {number}`, or `drop {number}`")
    return EXIT_OK


def cmd_dropped(client: Client) -> int:
    rows = client.queue.dropped_log()
    if not rows:
        client.say("Nothing dropped.")
    for row in rows:
        number = f"#{row['seq']}" if row["seq"] is not None else "photo"
        client.say(f"{number} dropped {words.london(row['dropped_at'])}: {row['summary']} ({row['why']})")
    return EXIT_OK


def cmd_sync(client: Client) -> int:
    if not client.online:
        client.sync()
        return EXIT_OK
    total = len(client.queue.pending_items())
    if total:
        client.say(f"Sending {total} change(s)...")
    return client.sync()


def item_for(client: Client, seq: int, *, states: tuple[str, ...]) -> Any:
    row = client.queue.item(seq)
    if row is None:
        raise UsageError(f"No #{seq} on this phone (see `pending`).")
    if row["state"] not in states:
        raise UsageError(f"#{seq} is {state_text(row)}: {row['summary']}. Nothing to do.")
    return row


# --- edit --------------------------------------------------------------------------------------


def parse_assignment(field: str, value: str) -> Any:
    if field in ("point", "location"):
        try:
            lon, lat = (float(v) for v in value.split(","))
        except ValueError as exc:
            raise UsageError(f"{field}=LON,LAT, e.g. {field}=-0.3021,51.5127") from exc
        return {"type": "Point", "coordinates": [lon, lat]}
    if field in TIME_FIELDS:
        return parse_time(value)
    if field in NUMBER_FIELDS:
        try:
            return NUMBER_FIELDS[field](value)
        except ValueError as exc:
            raise UsageError(f"{field} must be a number.") from exc
    return value or None


def refused_fields(row) -> list[str]:
    result = json.loads(row["result"] or "{}")
    return [words.field_name(path) for path in (result.get("errors") or {})]


def ask_for_fields(client: Client, row, data: dict[str, Any]) -> dict[str, Any]:
    """Ask for each field the refusal names, showing the current value."""
    changes: dict[str, Any] = {}
    fields = [f for f in refused_fields(row) if f in data or f in TIME_FIELDS | {"point"}] or list(data)
    for field in fields:
        current = data.get(field)
        shown = words.position_text(current) if field in ("point", "location") else current
        if field in ("point", "location") and current:
            lon, lat = current["coordinates"][:2]
            swapped = checks.point_problem(lon, lat) == checks.POINT_SWAPPED.format(x=lon, y=lat)
            if swapped and client.confirm(f"Swap the position to longitude {lat}, latitude {lon}?"):
                changes[field] = {"type": "Point", "coordinates": [lat, lon]}
                continue
        answer = client.ask(f"{words.FIELDS.get(field, field)} (now {shown}; Enter keeps it): ")
        if answer:
            changes[field] = parse_assignment(field, answer)
    return changes


def changes_from_args(client: Client, row, data: dict[str, Any]) -> dict[str, Any]:
    """The changes given on the command line: FIELD=VALUE, --lon/--lat/--here/--at, --time."""
    a = client.args
    changes: dict[str, Any] = {}
    for assignment in a.assignments:
        field, sep, value = assignment.partition("=")
        if not sep:
            raise UsageError(f"{assignment!r}: write FIELD=VALUE, e.g. point=-0.3021,51.5127 or notes='Red frame'")
        changes[field.strip()] = parse_assignment(field.strip(), value.strip())
    if a.lon is not None or a.lat is not None or a.here or a.at or a.time:
        where = Where(client, required=False)
        if where.point:
            changes["location" if row["type"] == "operation" else "point"] = where.point
        time_field = next((f for f in TIME_FIELDS if f in data), None)
        if where.time and time_field:
            changes[time_field] = where.time
    if a.accuracy_m is not None:
        changes["accuracy_m"] = a.accuracy_m
    return changes


def position_of(data: dict[str, Any]) -> tuple[float, float] | None:
    point = data.get("point") or data.get("location")
    return tuple(point["coordinates"][:2]) if isinstance(point, dict) and "coordinates" in point else None


def cmd_edit(client: Client) -> int:
    row = item_for(client, client.args.seq, states=(ATTENTION, WAITING))
    if row["problem"] in (CONFLICT, DELETED):
        raise UsageError(f"#{row['seq']} is {state_text(row)}: {what_to_do(row)}.")
    if row["op"] == "delete":
        raise UsageError(f"#{row['seq']} is a deletion: nothing to edit; `retry` or `drop` it.")
    data = json.loads(row["data"] or "{}")
    changes = changes_from_args(client, row, data)
    if not changes:
        if not client.interactive:
            names = ", ".join(refused_fields(row)) or "the fields to change"
            raise UsageError(f"Say what to change ({names}): e.g. `edit {row['seq']} point=LON,LAT`.")
        client.say(f"#{row['seq']} {row['summary']}")
        if row["last_error"]:
            client.say(f"  The server said: {row['last_error']}")
        changes = ask_for_fields(client, row, data)
        if not changes:
            client.say("Nothing changed.")
            return EXIT_OK
    new = {**data, **changes}
    moved = bool({"point", "location"} & set(changes))
    position = position_of(new)
    refuse_problems(
        client,
        checks.entry_problems(
            point=position if moved else None,
            accuracy_m=new.get("accuracy_m"),
            times={f: new.get(f) for f in TIME_FIELDS & set(changes)},
        ),
    )
    client.queue.requeue(row["seq"], data=new)
    place = row["place"]
    if moved and position:
        # The corrected position is where the officer is: `--here` uses it from now on.
        kept = {"lon": position[0], "lat": position[1], "accuracy_m": new.get("accuracy_m")}
        client.queue.set_setting(POSITION_KEY, json.dumps(kept))
        near = deployment.nearest_stop(deployment.kept_bundle(client.queue), *position)
        place = near.title if near else None
    operation_id = row["record_id"] if row["type"] == "operation" else new.get("operation")
    summary = words.describe(
        op=row["op"], record_type=row["type"], data=new, place=place, operation_name=client.queue.label(operation_id)
    )
    client.queue.set_summary(row["seq"], summary)
    changed = ", ".join(words.FIELDS.get(f, f) for f in changes)
    client.say(f"#{row['seq']} changed ({changed}); it goes again as a new attempt.")
    return client.after_action(row["seq"])


# --- retry, drop -----------------------------------------------------------------------------------


def photo_for(client: Client, ref: str) -> Any:
    photo = client.queue.photo_numbered(int(ref[1:])) if ref[1:].isdigit() else None
    if photo is None:
        raise UsageError(f"No photo #{ref} on this phone (see `pending`).")
    if photo["state"] not in (ATTENTION, WAITING):
        raise UsageError(f"Photo #{ref} is {STATE_WORDS.get(photo['state'], photo['state'])}. Nothing to do.")
    return photo


def seq_number(ref: str) -> int:
    if not ref.lstrip("#").isdigit():
        raise UsageError(f"{ref!r}: give the number `pending` shows, e.g. 5 (a record) or p2 (a photo).")
    return int(ref.lstrip("#"))


def cmd_retry(client: Client) -> int:
    if client.args.seq.lower().startswith("p"):
        photo = photo_for(client, client.args.seq.lower())
        client.queue.photo_requeue(photo["id"])
        code = client.sync(attempts=client.args.attempts if client.args.attempts_given else 1, quiet=True)
        now = client.queue.photo_numbered(photo["number"])
        error = f" - {now['last_error']}" if now["state"] == ATTENTION else ""
        client.say(f"Photo {photo['filename']}: {STATE_WORDS.get(now['state'], now['state'])}{error}.")
        return EXIT_LOGIN if code == EXIT_LOGIN else EXIT_OK
    client.args.seq = seq_number(client.args.seq)
    row = item_for(client, client.args.seq, states=(ATTENTION, WAITING, SENDING))
    if row["problem"] in (CONFLICT, DELETED):
        raise UsageError(f"#{row['seq']} is {state_text(row)}: {what_to_do(row)}.")
    client.queue.requeue(row["seq"])
    client.say(f"#{row['seq']} will be sent again unchanged.")
    return client.after_action(row["seq"])


def cmd_drop(client: Client) -> int:
    if client.args.seq.lower().startswith("p"):
        return drop_photo(client, photo_for(client, client.args.seq.lower()))
    client.args.seq = seq_number(client.args.seq)
    row = item_for(client, client.args.seq, states=(ATTENTION, WAITING, SENDING))
    dependents = client.queue.dependents(row["seq"])
    client.say(f"Drop #{row['seq']}: {row['summary']}")
    for other in dependents:
        client.say(f"  and #{other['seq']}: {other['summary']} (it cannot reach the server without #{row['seq']})")
    if row["state"] == SENDING:
        client.say("  It was being sent when the app stopped: it may already be on the server.")
    if not client.args.yes:
        if not client.interactive:
            raise UsageError(f"Dropping cannot be undone: add --yes to drop #{row['seq']}.")
        if not client.confirm("Drop for good (kept in this phone's log of dropped records)?"):
            client.say("Kept.")
            return EXIT_OK
    seqs = [row["seq"], *(other["seq"] for other in dependents)]
    client.queue.drop(seqs, why=client.args.why or "dropped by the officer")
    client.say(f"Dropped {', '.join(f'#{s}' for s in seqs)}; see `dropped` for the log.")
    return EXIT_OK


def drop_photo(client: Client, photo) -> int:
    summary = f"Photo {photo['filename']} of seizure {photo['seizure_id']}"
    client.say(f"Drop {summary}")
    if not client.args.yes:
        if not client.interactive:
            raise UsageError(f"Dropping cannot be undone: add --yes to drop photo #p{photo['number']}.")
        if not client.confirm("Drop for good (kept in this phone's log of dropped records)?"):
            client.say("Kept.")
            return EXIT_OK
    client.queue.photo_drop(photo["id"], summary=summary, why=client.args.why or "dropped by the officer")
    client.say(f"Dropped photo #p{photo['number']}; see `dropped` for the log.")
    return EXIT_OK


# --- resolve -------------------------------------------------------------------------------------


def show_value(field: str, value: Any) -> str:
    if value is None:
        return "(empty)"
    if field in ("point", "location"):
        return words.position_text(value)
    if field in TIME_FIELDS:
        return words.london(value)
    return str(value)


def side_by_side(client: Client, row) -> None:
    """The server's current version and the officer's change, field by field."""
    result = json.loads(row["result"] or "{}")
    theirs = current_properties(result)
    mine = json.loads(row["data"] or "{}")
    version = result.get("version")
    client.say(f"#{row['seq']} {row['summary']}")
    client.say(f"Someone else changed this record first; the server now has version {version}.")
    rows = [("field", f"on the server (v{version})", "your change")]
    for field, value in mine.items():
        rows.append((words.FIELDS.get(field, field), show_value(field, theirs.get(field)), show_value(field, value)))
    widths = [min(40, max(len(r[i]) for r in rows)) for i in range(3)]
    for n, (label, server_value, my_value) in enumerate(rows):
        mark = "" if n == 0 or same_value(mine[list(mine)[n - 1]], theirs.get(list(mine)[n - 1])) else "  <- differs"
        line = f"  {label:<{widths[0]}}  {server_value:<{widths[1]}}  {my_value:<{widths[2]}}{mark}"
        client.say(line.rstrip())


def cmd_resolve(client: Client) -> int:
    a = client.args
    row = item_for(client, a.seq, states=(ATTENTION,))
    if row["problem"] != CONFLICT:
        raise UsageError(f"#{row['seq']} is {state_text(row)}, not a conflict: {what_to_do(row)}.")
    side_by_side(client, row)
    choice = "mine" if a.mine else "theirs" if (a.theirs or a.discard) else None
    if choice is None:
        if not client.interactive:
            client.say(f"Nothing sent. Keep yours with `resolve {row['seq']} --mine`, theirs with `--theirs`.")
            return EXIT_OK
        answer = client.ask("Keep [m]ine (send it over theirs), keep [t]heirs (drop yours), or [c]ancel? ")
        choice = {"m": "mine", "t": "theirs"}.get(answer[:1].lower())
        if choice is None:
            client.say("Nothing sent.")
            return EXIT_OK
    if choice == "theirs":
        client.queue.drop([row["seq"]], why="conflict: kept the server's version")
        version = json.loads(row["result"] or "{}").get("version")
        if version is not None:
            client.queue.saw_version(row["record_id"], version)
        client.say(f"#{row['seq']} dropped; the server's version stays (see `dropped`).")
        return EXIT_OK
    version = json.loads(row["result"] or "{}").get("version")
    client.queue.requeue(row["seq"], base_version=version)
    client.say(f"#{row['seq']} will be applied on top of version {version}.")
    return client.after_action(row["seq"])
