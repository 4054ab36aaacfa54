"""The three import commands share this: arguments, a progress bar (rich) and the summary."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from ebikeops.core.models import User

from .kinds import KINDS
from .mapping import MappingError, mapping_read
from .services import INDEX_REBUILD_MODES, import_file

PHASE_LABELS = {
    "copy": "Copying into staging",
    "validate": "Checking every row",
    "write": "Writing",
    "rejects": "Writing rejects",
}


class ImportCommand(BaseCommand):
    kind: str

    @property
    def help(self) -> str:  # type: ignore[override]
        return (
            f"Import {self.kind} from a CSV (with a mapping file), GeoJSON, GeoPackage or Shapefile. "
            "Rows that break a rule go to a rejects file (row, field, message); the rest are written "
            "in one transaction. Importing the same file again changes nothing."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", type=Path, required=True, help="the column-mapping file (TOML)")
        parser.add_argument("--rejects", type=Path, help="where to write the rejects (default: FILE.rejects.csv)")
        parser.add_argument("--summary", type=Path, help="where to write the summary (default: FILE.summary.json)")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--user", help="username recorded as the importer (created_by)")
        parser.add_argument("--source-crs", type=int, help="EPSG code of a GDAL file that does not say its CRS")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--index-rebuild",
            choices=INDEX_REBUILD_MODES,
            default="auto",
            help="drop and rebuild the table's indexes around the write, locking the table until the import "
            "commits (auto: when the new rows are at least IMPORT_INDEX_REBUILD_MIN_ROWS and at least as many "
            "as the table holds)",
        )

    def handle(self, *args, file: Path, mapping: Path, **options) -> None:
        if not file.exists():
            raise CommandError(f"{file} does not exist.")
        kind = KINDS[self.kind]
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}.")
        rejects = options["rejects"] or file.with_name(file.name + ".rejects.csv")
        summary_path = options["summary"] or file.with_name(file.name + ".summary.json")
        quiet = options["no_progress"] or options["verbosity"] == 0
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            disable=quiet,
            console=None,
        ) as bar:
            tasks: dict[str, int] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(PHASE_LABELS[phase], total=total or None)
                bar.update(tasks[phase], completed=done, total=total or None)

            try:
                summary = import_file(
                    path=file,
                    kind=self.kind,
                    mapping=mapping_read(mapping, kind=kind),
                    user=user,
                    rejects_path=rejects,
                    dry_run=options["dry_run"],
                    source_srid=options["source_crs"],
                    progress=progress,
                    index_rebuild=options["index_rebuild"],
                )
            except MappingError as exc:
                raise CommandError(str(exc)) from None
        summary_path.write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
        verb = "Would write" if summary.dry_run else "Wrote"
        self.stdout.write(
            f"{summary.rows:,} rows read from {file.name}: {summary.accepted:,} accepted, "
            f"{summary.rejected:,} rejected ({summary.problems:,} problems in {rejects}). "
            f"{verb} {summary.inserted:,} new and {summary.updated:,} changed {self.kind}"
            + ("" if summary.dry_run else f"; {summary.unchanged:,} unchanged")
            + (" (indexes rebuilt)" if summary.indexes_rebuilt else "")
            + f". {summary.seconds:.1f} s; summary in {summary_path}."
        )
