"""The architecture as tests: dependencies point one way, and views never write through the ORM.

The layers are read from pyproject.toml's import-linter contract (the one `make lint` runs),
so this test and the linter cannot disagree.
"""

import ast
import tomllib
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "backend" / "ebikeops"


def _contract() -> dict:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    [contract] = [c for c in config["contracts"] if c["type"] == "layers"]
    return contract


def _layers(contract: dict) -> list[grimp.Layer]:
    layers = []
    for spec in contract["layers"]:
        names = [name.strip() for name in spec.split("|")]
        layers.append(grimp.Layer(*names, independent=True))
    return layers


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("ebikeops")


def test_it_finds_no_app_importing_a_higher_one(graph):
    illegal = graph.find_illegal_dependencies_for_layers(layers=_layers(_contract()))
    described = [f"{d.importer} -> {d.imported}" for d in illegal]
    assert not described, f"Lower apps import higher ones (see docs/development.md, 'Layers'): {described}"


def test_the_layer_check_catches_a_lower_app_importing_a_higher_one(graph):
    """Guards the guard: an import from core up to sync must be reported."""
    graph.add_import(importer="ebikeops.core.models", imported="ebikeops.sync.views", line_number=1, line_contents="")
    try:
        illegal = graph.find_illegal_dependencies_for_layers(layers=_layers(_contract()))
    finally:
        graph.remove_import(importer="ebikeops.core.models", imported="ebikeops.sync.views")
    assert any(d.importer == "ebikeops.core" and d.imported == "ebikeops.sync" for d in illegal)


# --- Views never write through the ORM ---------------------------------------------------------

WRITE_METHODS = {"save", "bulk_create", "bulk_update", "update_or_create", "get_or_create", "select_for_update"}
QUERYSET_WRITES = {"create", "update", "delete"}
QUERYSET_SOURCES = {"objects", "filter", "exclude", "all", "get_queryset"}


def _view_modules() -> list[Path]:
    modules = [path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts]
    return sorted(p for p in modules if p.name == "views.py" or p.parent.name == "api")


def _receiver_name(node: ast.expr) -> str | None:
    """`objects` for `Model.objects.x`, `filter` for `qs.filter(...).x`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def orm_writes(source: str) -> list[tuple[int, str]]:
    """(line, what) for each ORM write or transaction a module's code makes."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "atomic":
            found.append((node.lineno, "transaction.atomic"))
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method in WRITE_METHODS:
            found.append((node.lineno, f".{method}()"))
        elif method in QUERYSET_WRITES and _receiver_name(node.func.value) in QUERYSET_SOURCES:
            found.append((node.lineno, f"queryset .{method}()"))
        elif method == "delete" and not node.args and not node.keywords:
            found.append((node.lineno, "instance .delete()"))
    return found


def test_no_view_writes_through_the_orm():
    offenders = {
        str(path.relative_to(REPO)): writes for path in _view_modules() if (writes := orm_writes(path.read_text()))
    }
    assert _view_modules(), "no view modules found: has the layout changed?"
    assert not offenders, f"Views must call a service for every write (STYLE.md, 'One rule, one place'): {offenders}"


@pytest.mark.parametrize(
    "code",
    [
        "photo.delete()",
        "Seizure.objects.filter(pk=1).update(notes='x')",
        "Seizure.objects.create(point=p)",
        "record.save()",
        "Operation.objects.select_for_update().get(pk=1)",
        "with transaction.atomic():\n    pass",
    ],
)
def test_the_orm_write_check_catches(code):
    assert orm_writes(code)


def test_the_orm_write_check_lets_service_calls_and_dicts_through():
    code = "\n".join(
        [
            "self.kind.delete(seizure=s, user=u)",
            "data.update(x=1)",
            "response.delete_cookie('a')",
            "photo_delete(photo=p)",
        ]
    )
    assert orm_writes(code) == []
