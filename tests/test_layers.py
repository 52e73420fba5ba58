"""The readers never reach the model, the batch engine, the rules or the command line.

Issue 11 item 5: analysis, statistics and presentation read results; they must not
import (even inside a function) `sim.model`, `sim.worlds`, `sim.batch`, `sim.rules`,
`sim.cli` or `sim.commands`. The imports of each module are read with `ast` (every
import, at module level or in a function, except under `if TYPE_CHECKING:`) and
followed through the package, so a back-edge anywhere below a reader fails here. A
second test imports every reader in a fresh interpreter and checks `sys.modules`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sim"

#: The readers: every module of these packages, and these modules.
READER_PACKAGES = ("sim.analysis", "sim.stats", "sim.presentation", "sim.results")
READER_MODULES = ("sim.reference", "sim.timeline", "sim.explain.output", "sim.discover")

#: What a reader must never reach.
FORBIDDEN = ("sim.model", "sim.worlds", "sim.batch", "sim.rules", "sim.cli", "sim.commands")


def module_path(name: str) -> Path | None:
    """The file of a `sim` module or package, None if it is not one."""
    base = ROOT.joinpath(*name.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


@cache
def direct_imports(name: str) -> frozenset[str]:
    """The `sim` modules `name` imports anywhere in its file (not for type checking)."""
    path = module_path(name)
    if path is None:
        return frozenset()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base]) if base else ".".join(parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # submodules
    out = set()
    for item in found:
        if item == "sim" or not item.startswith("sim."):
            continue
        # Importing a.b.c runs a/__init__ and a/b/__init__ too.
        parts = item.split(".")
        out.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
    return frozenset(m for m in out if module_path(m) is not None)


def reachable(name: str) -> dict[str, str]:
    """Every `sim` module reachable from `name`, with the module that imports it."""
    seen: dict[str, str] = {}
    stack = [name]
    while stack:
        current = stack.pop()
        for target in direct_imports(current):
            if target not in seen and target != name:
                seen[target] = current
                stack.append(target)
    return seen


def readers() -> list[str]:
    names = list(READER_MODULES)
    for package in READER_PACKAGES:
        folder = module_path(package).parent
        names.append(package)
        names += [
            f"{package}.{p.stem}" for p in sorted(folder.glob("*.py")) if p.stem != "__init__"
        ]
    return names


def _path_to(name: str, target: str, via: dict[str, str]) -> str:
    chain = [target]
    while chain[-1] != name and chain[-1] in via:
        chain.append(via[chain[-1]])
    return " <- ".join(chain)


@pytest.mark.parametrize("name", readers())
def test_reader_has_no_back_edge(name):
    via = reachable(name)
    bad = [m for m in via if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert not bad, "; ".join(_path_to(name, m, via) for m in sorted(bad))


def test_the_import_graph_sees_function_level_imports():
    # sim.commands.report imports the analysis inside run(): the walker must see it,
    # or the test above could not fail.
    assert "sim.analysis" in reachable("sim.commands.report")
    assert "sim.batch" in reachable("sim.commands.batch")


def test_readers_import_without_the_model_in_a_fresh_interpreter():
    code = (
        "import importlib, sys\n"
        f"for name in {readers()!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == ""


def explicit_imports(name: str) -> set[str]:
    """The reader modules `name` names in an import (parents run implicitly are left out)."""
    path = module_path(name)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    out: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sim"):
            candidates = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        out.update(c for c in candidates if c and c != name and module_path(c) is not None)
    return out


def test_no_import_circles_among_the_readers():
    # Strongly connected components of the readers' import graph (imports anywhere in a
    # file): report -> plots -> reference_overlay -> report was one before issue 11.
    names = set(readers())
    graph = {n: explicit_imports(n) & names for n in names}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for target in graph[node]:
            if target not in order:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], order[target])
        if low[node] == order[node]:
            component = []
            while True:
                item = stack.pop()
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for name in sorted(names):
        if name not in order:
            visit(name)
    assert circles == []
