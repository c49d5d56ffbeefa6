"""The package's architecture: subpackages as layers, imports pointing one way.

config (scenarios) < model (one district, one run) < experiments (many runs) < calibration and
app < cli. A module may import its own layer and those below; every import counts, also one
inside a function or under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "stadtteil_sim"
LAYER = {"_version": 0, "config": 0, "model": 1, "experiments": 2, "calibration": 3, "app": 3, "ema": 3, "cli": 4, "__main__": 4}
TOP = {"__init__": 4}  # the package's front door re-exports from every layer (lazily)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return TOP["__init__"]
    return LAYER[parts[1]]


def imports_of(path: Path) -> set[str]:
    """Every stadtteil_sim module this file imports (a name imported from a package that is a
    module of its own counts as that module)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("stadtteil_sim")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("stadtteil_sim"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in MODULES else node.module)
    return out


def test_every_module_sits_in_a_layer():
    assert all(layer_of(m) is not None for m in MODULES)
    assert {m.split(".")[1] for m in MODULES if "." in m} <= set(LAYER)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    own = layer_of(module)
    upward = sorted(m for m in imports_of(MODULES[module]) if layer_of(m) > own)
    assert upward == [], f"{module} (layer {own}) imports {upward}"


def test_calibration_and_app_do_not_import_each_other():
    for module, path in MODULES.items():
        side = module.split(".")[1] if "." in module else None
        other = {"calibration": "stadtteil_sim.app", "app": "stadtteil_sim.calibration"}.get(side)
        if other:
            assert not [m for m in imports_of(path) if m.startswith(other)], module


def test_public_paths_keep_working():
    import stadtteil_sim
    from stadtteil_sim import calibration, model
    from stadtteil_sim.calibration.sensitivity import run_sensitivity
    from stadtteil_sim.experiments.store import load_results
    from stadtteil_sim.model.district import StadtteilModel
    from stadtteil_sim.model.runner import RunResult, run

    assert stadtteil_sim.run is run and stadtteil_sim.RunResult is RunResult
    assert stadtteil_sim.StadtteilModel is StadtteilModel is model.StadtteilModel
    assert model.run is run
    assert stadtteil_sim.load_results is load_results
    assert calibration.run_sensitivity is run_sensitivity
    assert stadtteil_sim.load_scenario.__module__ == "stadtteil_sim.config.loading"
    assert (PACKAGE / "app" / "assets.py").is_file()  # ./dev calls python -m stadtteil_sim.app.assets


# ------------------------------------------------------------------ the code fingerprint
def test_the_fingerprint_covers_what_computes_stored_numbers_and_nothing_that_only_presents():
    from stadtteil_sim.experiments.store import WORKER, computing_modules

    reached = set(computing_modules())
    must = {m for m in MODULES if m.split(".")[1:2] in (["config"], ["model"])}
    missing = sorted(must - reached)
    assert missing == [], f"modules of config/model a batch's runs depend on, not hashed: {missing}"
    assert {WORKER, "stadtteil_sim.model.metrics", "stadtteil_sim.model.runner"} <= reached
    presenting = {"stadtteil_sim.experiments.report", "stadtteil_sim.experiments.analysis", "stadtteil_sim.cli",
                  "stadtteil_sim.experiments.batch", "stadtteil_sim.experiments.store"}
    presenting |= {m for m in MODULES if m.split(".")[1:2] in (["app"], ["calibration"])}
    assert sorted(reached & presenting) == []


def test_the_fingerprint_follows_function_level_imports_but_not_type_checking_ones(tmp_path, monkeypatch):
    from stadtteil_sim.experiments import store

    package = tmp_path / "stadtteil_sim"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("def __getattr__(name):\n    from stadtteil_sim import lazy\n")
    (package / "lazy.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "entry.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from stadtteil_sim import typed\n"
        "def go():\n    from . import inner\n")
    (package / "sub" / "inner.py").write_text("import stadtteil_sim.deep\n")
    for name in ("typed", "deep"):
        (package / f"{name}.py").write_text("")
    monkeypatch.setattr(store, "__file__", str(package / "experiments" / "store.py"))
    assert store.computing_modules("stadtteil_sim.sub.entry") == [
        "stadtteil_sim", "stadtteil_sim.deep", "stadtteil_sim.sub", "stadtteil_sim.sub.entry", "stadtteil_sim.sub.inner"]


# ---------------------------------------------------------------- no import circle
def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (every import, as ``imports_of`` counts them)."""
    return {module: imports_of(path) for module, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as its modules, the first repeated at the end; None if there is none."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if imported in path:
                return path[path.index(imported):] + [imported]
            if imported not in done:
                found = visit(imported)
                if found:
                    return found
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        if module not in done:
            found = visit(module)
            if found:
                return found
    return None


def test_find_cycle_names_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    assert find_cycle({"x": {"a"}, "a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]


def test_no_import_circle():
    graph = import_graph()
    # Imports inside functions count (the front door's lazy ones here).
    assert graph["stadtteil_sim"] >= {"stadtteil_sim.model", "stadtteil_sim.experiments.store"}
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)
