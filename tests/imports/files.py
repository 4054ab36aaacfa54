"""Write the files an import test reads: a CSV and its mapping (TOML)."""

import csv
from pathlib import Path

SEIZURE_COLUMNS = {
    "external_ref": "REF",
    "operation_ref": "OP",
    "seized_at": "WHEN",
    "longitude": "LON",
    "latitude": "LAT",
    "accuracy_m": "ACC",
    "vehicle_type": "TYPE",
    "reason": "REASON",
    "power": "POWER",
    "make": "MAKE",
    "frame_number": "FRAME",
    "disposition": "DISPOSITION",
    "notes": "NOTES",
}
ARREST_COLUMNS = {
    "external_ref": "REF",
    "operation_ref": "OP",
    "arrested_at": "WHEN",
    "longitude": "LON",
    "latitude": "LAT",
    "accuracy_m": "ACC",
    "offence_category": "OFFENCE",
    "warrant_offence_category": "WARRANT",
}
OPERATION_COLUMNS = {
    "external_ref": "REF",
    "reference": "OPREF",
    "name": "NAME",
    "team": "TEAM",
    "status": "STATUS",
    "started_at": "START",
    "ended_at": "END",
    "longitude": "LON",
    "latitude": "LAT",
    "officer_count": "OFFICERS",
    "lead_officer": "LEAD",
}
COLUMNS = {"seizures": SEIZURE_COLUMNS, "arrests": ARREST_COLUMNS, "operations": OPERATION_COLUMNS}


def mapping_text(kind: str, *, source_system: str = "niche-test", extra: str = "", timezone: str = "UTC") -> str:
    columns = "\n".join(f'{field} = "{column}"' for field, column in COLUMNS[kind].items())
    return f'source_system = "{source_system}"\ntimezone = "{timezone}"\n{extra}\n[columns]\n{columns}\n'


def write_import(tmp_path: Path, kind: str, rows: list[dict], *, name: str = "in.csv", **mapping) -> tuple[Path, Path]:
    """`rows` use field names; the CSV gets the mapped column headers. Returns (csv, mapping)."""
    columns = COLUMNS[kind]
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns.values())
        for row in rows:
            writer.writerow(["" if row.get(field) is None else row[field] for field in columns])
    mapping_path = tmp_path / f"{name}.toml"
    mapping_path.write_text(mapping_text(kind, **mapping), encoding="utf-8")
    return path, mapping_path


def read_rejects(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))
