"""The layers of the package point one way (docs/architecture.md): a module may import its
own layer and those below it, never one above. Imports under ``if TYPE_CHECKING:`` are
annotations, not dependencies, and are not counted."""

from __future__ import annotations

import ast
from pathlib import Path

import sim

ROOT = Path(sim.__file__).parent

# Lowest first. A module's layer is that of its top-level name under `sim`.
LAYERS = {
    "foundation": {
        "errors",
        "resources",
        "safe_input",
        "schema",
        "outcomes",
        "results",
        "data",
        "presentation",
    },
    "scenario": {"scenario"},
    "rules": {"rules"},
    "model": {"model", "simulate", "agents", "worlds", "narration"},
    "batch": {"batch"},
    "experiments": {
        "experiments",
        "sweep",
        "sensitivity",
        "calibration",
        "explain",
        "optimise",
        "evidence",
        "cases",
    },
    "readers": {"analysis", "stats", "reference", "discover", "timeline"},
    "cli": {"cli", "commands", "api", "explore", "__main__"},
}
RANK = {
    "foundation": 0,
    "scenario": 1,
    "rules": 2,
    "model": 3,
    "batch": 4,
    "experiments": 5,
    "readers": 5,
    "cli": 6,
}
# Readers read results; they never run the model, the batch or an experiment. The
# experiments present their results through the readers' tables and figures.
FORBIDDEN = {"readers": {"rules", "model", "batch", "experiments", "cli"}}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "sim" or len(parts) == 1:
        return None  # the package root (its version) belongs to no layer
    for name, tops in LAYERS.items():
        if parts[1] in tops:
            return name
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS and the docs")


def runtime_imports(tree: ast.Module) -> list[str]:
    """Modules imported, leaving out `if TYPE_CHECKING:` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [m for m in found if m == "sim" or m.startswith("sim.")]


def test_every_import_points_down_or_sideways() -> None:
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        own = layer_of(module)
        if own is None:
            continue
        for target in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            other = layer_of(target)
            if other is None or other == own:
                continue
            if RANK[other] > RANK[own] or other in FORBIDDEN.get(own, set()):
                problems.append(f"{module} ({own}) imports {target} ({other})")
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_back_edge() -> None:
    """The rule itself: a rules module importing the batch engine would be caught."""
    tree = ast.parse("from sim.batch import run_batch\nif TYPE_CHECKING:\n    import sim.cli\n")
    assert runtime_imports(tree) == ["sim.batch"]
    assert RANK[layer_of("sim.batch")] > RANK[layer_of("sim.rules.world")]
