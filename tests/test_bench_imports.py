"""The bench scripts import what exists.

They run only under `make bench` / `make loadtest`, never in CI, and they import project modules
inside functions; a renamed name (the client's queue states once were) broke `make loadtest` at
its 50-client burst, minutes into a run, with no test noticing. This walks every `from X import
a, b` in bench/*.py (function-local ones too) and checks that X has a and b.
"""

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
PROJECT_MODULES = ("ebikeops", "mobile_client_stub", "config")


def _project_imports():
    for script in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(), filename=str(script))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PROJECT_MODULES):
                for alias in node.names:
                    yield pytest.param(node.module, alias.name, id=f"{script.name}:{node.module}.{alias.name}")


@pytest.mark.parametrize(("module", "name"), list(_project_imports()))
def test_bench_script_imports_exist(module, name):
    imported = importlib.import_module(module)
    assert hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}") is not None, (
        f"{module} has no {name}"
    )
