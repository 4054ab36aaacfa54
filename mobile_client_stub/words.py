"""Words for the screen: the API's codes as officers say them, London times, one line per record.

The labels repeat the server's choices (the client never imports the server's code); a code
the client does not know is shown as it came.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

VEHICLE_TYPES = {
    "e_bike": "E-bike",
    "e_scooter": "E-scooter",
    "e_motorcycle": "Converted bicycle or e-motorcycle",
    "other": "Other vehicle",
}
REASONS = {
    "private_e_scooter": "Private e-scooter on a public road",
    "non_compliant_eapc": "E-bike outside EAPC rules (over 250 W, assistance above 15.5 mph, or a throttle)",
    "no_insurance_or_licence": "No insurance or licence",
    "suspected_stolen": "Suspected stolen",
    "used_in_crime": "Used in crime",
    "other": "Other",
}
POWERS = {
    "rta_1988_s165a": "Road Traffic Act 1988 s.165A",
    "pra_2002_s59": "Police Reform Act 2002 s.59",
    "pace_s19": "PACE 1984 s.19 (evidential seizure)",
    "other": "Other",
}
OFFENCES = {
    "theft": "Theft (including phone snatching)",
    "robbery": "Robbery",
    "violence": "Violence against the person",
    "sexual_offence": "Sexual offence",
    "drugs": "Drugs",
    "weapons": "Possession of weapons",
    "handling_stolen_goods": "Handling stolen goods",
    "driving": "Driving offence (dangerous, no insurance, no licence)",
    "public_order": "Public order",
    "wanted_on_warrant": "Wanted on warrant",
    "other": "Other",
}
FIELDS = {
    "point": "position",
    "location": "position",
    "seized_at": "time seized",
    "arrested_at": "time of arrest",
    "started_at": "start time",
    "ended_at": "end time",
    "accuracy_m": "GPS accuracy",
    "vehicle_type": "vehicle",
    "reason": "reason",
    "power": "power",
    "operation": "operation",
    "offence_category": "offence",
    "warrant_offence_category": "warrant offence",
    "officer_count": "officers",
    "frame_number": "frame number",
}
TYPES = {"operation": "Operation", "seizure": "Seizure", "arrest": "Arrest"}


def field_name(path: str) -> str:
    """`data.point` -> `point`: the field as the officer typed it."""
    return path.removeprefix("data.")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def london(value: str | datetime | None, *, today: datetime | None = None) -> str:
    """24-hour London time; the date too (en-GB) when it is not today's."""
    when = parse_time(value) if isinstance(value, str) or value is None else value
    if when is None:
        return "(no time)"
    local = when.astimezone(LONDON)
    today_local = (today or datetime.now(LONDON)).astimezone(LONDON).date()
    if local.date() == today_local:
        return local.strftime("%H:%M")
    return f"{local.day} {local.strftime('%b %Y %H:%M')}"


def position_text(point: Any) -> str:
    try:
        lon, lat = point["coordinates"][:2]
        return f"{float(lat):.5f}, {float(lon):.5f} (lat, lon)"
    except (KeyError, TypeError, ValueError, IndexError):
        return "(no position)"


def describe(
    *, op: str, record_type: str, data: dict[str, Any] | None, place: str | None, operation_name: str | None
) -> str:
    """One line an officer recognises: "E-scooter seized 14:05 at Ealing Broadway, operation Uxbridge Road"."""
    data = data or {}
    where = place or (position_text(data["point"]) if "point" in data else "")
    where_text = f" at {where}" if where else ""
    in_operation = f", operation {operation_name}" if operation_name else ""
    if record_type == "seizure" and op == "create":
        vehicle = VEHICLE_TYPES.get(data.get("vehicle_type", ""), data.get("vehicle_type") or "Vehicle")
        return f"{vehicle} seized {london(data.get('seized_at'))}{where_text}{in_operation}"
    if record_type == "arrest" and op == "create":
        offence = OFFENCES.get(data.get("offence_category", ""), data.get("offence_category") or "")
        return f"Arrest ({offence.split(' (')[0]}) {london(data.get('arrested_at'))}{where_text}{in_operation}"
    if record_type == "operation" and op == "create":
        near = place or (position_text(data["location"]) if "location" in data else "")
        return f"Operation {data.get('name', '')} started {london(data.get('started_at'))}" + (
            f" near {near}" if near else ""
        )
    name = TYPES.get(record_type, record_type)
    target = f"operation {operation_name}" if record_type == "operation" and operation_name else name.lower()
    if op == "delete":
        return f"Deletion of {target}"
    if record_type == "operation" and data.get("status") == "completed":
        return f"Operation {operation_name or ''} ended {london(data.get('ended_at'))}".replace("  ", " ")
    changed = ", ".join(FIELDS.get(k, k) for k in sorted(data))
    return f"Change to {target}: {changed}"
