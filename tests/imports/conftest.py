import pytest

from ebikeops.imports.kinds import KINDS
from ebikeops.imports.mapping import mapping_read
from ebikeops.imports.services import import_file
from tests.factories import T0, OperationFactory, UserFactory

from .files import read_rejects, write_import


@pytest.fixture
def operation(boroughs):
    """A completed five-hour operation on Uxbridge Road, Ealing (T0 to T0 + 5 h), known to the
    source system as OP-1."""
    return OperationFactory(source_system="niche-test", external_ref="OP-1", reference="EAL-2025-001")


@pytest.fixture
def importer(db):
    return UserFactory(username="importer", role="analyst")


@pytest.fixture
def run_import(tmp_path, importer):
    """Import `rows` (field names) of `kind`; returns (summary, rejects as dicts)."""

    def run(kind: str, rows: list[dict], *, dry_run: bool = False, now=None, name: str = "in.csv", **mapping):
        path, mapping_path = write_import(tmp_path, kind, rows, name=name, **mapping)
        rejects = tmp_path / f"{name}.rejects.csv"
        summary = import_file(
            path=path,
            kind=kind,
            mapping=mapping_read(mapping_path, kind=KINDS[kind]),
            user=importer,
            rejects_path=rejects,
            dry_run=dry_run,
            now=now or T0.replace(year=2026),
        )
        return summary, read_rejects(rejects)

    return run
