from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from ebikeops.incidents.services import PoliceUkFileError, incidents_import, policeuk_files


class Command(BaseCommand):
    help = (
        "Load data.police.uk street-level crime CSVs (a file, or every *.csv under a directory; any force, any "
        "month) as public-context incidents. Rows without a location are skipped and counted; rows outside "
        "Greater London are rejected unless --keep-outside. Importing again updates, never duplicates."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", type=Path, nargs="+", help="police.uk CSVs, or directories of them")
        parser.add_argument("--keep-outside", action="store_true", help="keep rows outside Greater London")
        parser.add_argument("--dry-run", action="store_true", help="count only; write nothing")
        parser.add_argument("--rejects", type=Path, help="write rejected rows (file, row, reason) here")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, paths: list[Path], **options) -> None:
        files = []
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path} does not exist.")
            files += policeuk_files(path)
        if not files:
            raise CommandError(f"No .csv files in {' '.join(map(str, paths))}.")
        total = sum(f.stat().st_size for f in files)
        quiet = options["no_progress"] or options["verbosity"] == 0
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                      disable=quiet) as bar:  # fmt: skip
            task = bar.add_task(f"Copying {len(files)} files", total=total)

            def progress(phase: str, n: int) -> None:
                if phase == "copy":
                    bar.advance(task, n)
                else:
                    bar.update(task, description="Checking and writing" if phase == "classify" else "Writing")

            try:
                s = incidents_import(
                    paths=files,
                    keep_outside=options["keep_outside"],
                    dry_run=options["dry_run"],
                    rejects_path=options["rejects"],
                    progress=progress,
                )
            except PoliceUkFileError as exc:
                raise CommandError(str(exc)) from None
        outside = "kept" if s.kept_outside else "rejected"
        verb = "Would write" if options["dry_run"] else "Wrote"
        self.stdout.write(
            f"{s.files} files, {s.rows:,} rows: {s.no_location:,} without a location (skipped), "
            f"{s.invalid:,} invalid, {s.outside_london:,} outside Greater London ({outside}), "
            f"{s.accepted:,} accepted as {s.incidents:,} incidents ({s.merged:,} rows shared a crime ID). "
            f"{verb} {s.inserted:,} new, {s.updated:,} changed, {s.unchanged:,} unchanged in {s.seconds:.1f} s."
        )
