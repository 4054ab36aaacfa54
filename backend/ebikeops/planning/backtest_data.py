"""Real police.uk street-level months for the back-test, and nothing else.

A small reader scoped to `backtest_suggestions --data ...`: it loads the rows a back-test
needs as seizures (source "import") inside the command's transaction, which the command
rolls back, so the database is left as it was. The product's importer (`import_policeuk`,
built elsewhere) is the way to load police data for real use.

police.uk gives a month, not a day or time: every row is dated the 15th of its month at
12:00 UTC, so an 8-week window before the 1st of a month holds the two months before it,
and each fold scores the calendar month after its cut-off. Rows without a location or
outside Greater London's box are left out (see ../shared/realdata/README.md, quirks 3-4).

With `target_types`, only rows of those crime types stand in for seizures (e.g. theft from
the person and robbery, the phone-snatch proxy). With `context`, every row of the months is
also imported as public context incidents (`import_policeuk`'s service, same transaction,
rolled back with it), for the "incidents" signal to read the other crime types.
"""

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction

from ebikeops.core.models import Source
from ebikeops.incidents.services import incidents_import
from ebikeops.operations.models import Operation

from . import selectors


@dataclass(frozen=True)
class Dataset:
    key: str
    label: str
    folder: str
    suffix: str
    first: str  # first month held, "YYYY-MM"
    last: str
    first_fold: str  # first month scored (two months of history before it)


DATASETS = {
    d.key: d
    for d in (
        Dataset(
            "met-burglary",
            "Metropolitan Police, burglary only, March 2024 to February 2025",
            "metropolitan-burglary",
            "metropolitan-street.csv",
            "2023-01",
            "2025-02",
            "2024-03",
        ),
        # The months before the scored ones, for choosing parameters (the half-life) without
        # looking at the scored folds: cut-offs July 2023 to February 2024, with the history
        # from January 2023 only. The scored months are not even loaded.
        Dataset(
            "met-burglary-fit",
            "Metropolitan Police, burglary only, July 2023 to February 2024 (calibration folds)",
            "metropolitan-burglary",
            "metropolitan-street.csv",
            "2023-01",
            "2024-02",
            "2023-07",
        ),
        Dataset(
            "city-2020",
            "City of London Police, every crime type, 2020",
            "city-of-london",
            "city-of-london-street.csv",
            "2020-01",
            "2020-12",
            "2020-03",
        ),
        Dataset(
            "city-2025",
            "City of London Police, every crime type, 2025",
            "city-of-london",
            "city-of-london-street.csv",
            "2025-01",
            "2025-12",
            "2025-03",
        ),
    )
}


def month_start(month: str) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=UTC)


def next_month(moment: datetime) -> datetime:
    return moment.replace(year=moment.year + moment.month // 12, month=moment.month % 12 + 1)


def months(first: str, last: str) -> list[datetime]:
    found, moment, end = [], month_start(first), month_start(last)
    while moment <= end:
        found.append(moment)
        moment = next_month(moment)
    return found


def path_of(dataset: Dataset, month: datetime, directory: Path | None = None) -> Path:
    return Path(directory or settings.POLICEUK_DIR) / dataset.folder / f"{month:%Y-%m}-{dataset.suffix}"


def periods(dataset: Dataset, directory: Path | None = None) -> list[tuple[datetime, datetime]]:
    """(cut-off, end) of each fold: every calendar month from `first_fold` to `last` whose
    file is there."""
    return [
        (m, next_month(m)) for m in months(dataset.first_fold, dataset.last) if path_of(dataset, m, directory).exists()
    ]


def _read(path: Path, target_types: frozenset[str] = frozenset()) -> list[tuple[float, float]]:
    min_lon, min_lat, max_lon, max_lat = settings.LONDON_BBOX
    points = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["Longitude"] or not row["Latitude"]:
                continue
            if target_types and row["Crime type"].strip() not in target_types:
                continue
            lon, lat = float(row["Longitude"]), float(row["Latitude"])
            if min_lon <= lon <= max_lon and min_lat <= lat <= max_lat:
                points.append((lon, lat))
    return points


def files(dataset: Dataset, directory: Path | None = None) -> list[Path]:
    """The dataset's monthly files that are there, oldest first."""
    found = (path_of(dataset, month, directory) for month in months(dataset.first, dataset.last))
    return [path for path in found if path.exists()]


@transaction.atomic
def load(
    dataset: Dataset,
    *,
    directory: Path | None = None,
    progress=None,
    target_types: frozenset[str] = frozenset(),
    context: bool = False,
) -> int:
    """Insert the dataset's located London rows (of `target_types`, if given) as seizures
    (source "import") under one operation dated 2000 (so no cool-down applies), one statement
    per month; with `context`, import every row of the months as incidents too. Returns the
    rows loaded as seizures."""
    holder = Operation.objects.create(
        name=f"Back-test: police.uk {dataset.key}",
        team="back-test",
        started_at=datetime(2000, 1, 1, tzinfo=UTC),
        location=Point(-0.1276, 51.5072, srid=4326),
        source=Source.IMPORT,
    )
    total = 0
    for month in months(dataset.first, dataset.last):
        path = path_of(dataset, month, directory)
        if not path.exists():
            if progress:
                progress(f"  {path.name}: not there, left out")
            continue
        dated = month.replace(day=15, hour=12)
        rows = _read(path, target_types)
        selectors.backtest_insert(rows, operation_id=holder.pk, seized_at=dated)
        total += len(rows)
        if progress:
            progress(f"  {path.name}: {len(rows)} located rows in London")
    if context:
        summary = incidents_import(paths=files(dataset, directory))
        if progress:
            progress(f"  context: {summary.inserted} incidents of every crime type imported")
    selectors.backtest_analyze()
    return total
