"""`sim.run_batch` for Python callers: safe from a plain script, worded for Python.

The batch engine (`sim.batch.run_batch`) serves the command line and Python alike.
Called from Python, three things differ, and this wrapper handles them:

* Worker processes start from a fresh interpreter that re-imports the caller's
  main module. A script that calls `run_batch` at its top level, without an
  ``if __name__ == "__main__":`` guard, would start the batch again in every
  worker (multiprocessing then fails with BrokenProcessPool). The wrapper detects
  such a call before any worker starts and runs the batch in this process instead,
  saying so in one line.
* A batch that fails before its first chunk is saved leaves nothing behind: a
  results folder this call created and that holds no finished chunk is removed.
* Errors name the function's arguments (``runs``, ``resume=True``), not CLI flags.
"""

from __future__ import annotations

import ast
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from sim.errors import UserError
from sim.resources import default_scenario

# CLI flags as the engine words them -> the argument a Python caller passes.
_FLAG_TO_ARGUMENT = {
    "--runs": "runs",
    "--seed": "seed",
    "--out": "out",
    "--chunk-size": "chunk_size",
    "--workers": "workers",
    "--dask": "dask",
    "--set": "overrides",
    "--variant": "variants",
    "--mediator": "mediators",
    "--posterior": "posterior",
    "--resume": "resume=True",
}
_FLAG = re.compile(r"--[a-z][a-z-]*")


def python_wording(message: str) -> str:
    """`message` with every CLI flag replaced by the matching `run_batch` argument."""
    message = message.replace("add --resume", "pass resume=True")
    return _FLAG.sub(lambda m: _FLAG_TO_ARGUMENT.get(m.group(0), m.group(0)), message)


def _is_main_guard(node: ast.stmt) -> bool:
    """True for ``if __name__ == "__main__":`` (either operand order)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    has_name = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    has_main = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return has_name and has_main


def unguarded_script_line(frame: FrameType | None = None) -> tuple[str, int] | None:
    """Where the main script calls us at its top level outside a ``__main__`` guard, if it does.

    Walks the call stack out to the main module's top-level frame and checks, in the
    script's source, whether the line being executed sits inside an
    ``if __name__ == "__main__":`` block. Returns ``(script, line)`` when it does not;
    None when the guard is there, or there is no script (an interactive session, a
    notebook, ``python -c``, pytest), or the source cannot be read.
    """
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    if main is None or not script or not str(script).endswith(".py"):
        return None
    frame = frame or sys._getframe(1)
    while frame is not None:
        if frame.f_globals is vars(main) and frame.f_code.co_name == "<module>":
            break
        frame = frame.f_back
    if frame is None:
        return None
    line = frame.f_lineno
    try:
        tree = ast.parse(Path(script).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if _is_main_guard(node) and node.lineno <= line <= (node.end_lineno or node.lineno):
            return None
    return str(script), line


@contextmanager
def nothing_left_on_failure(out: Path, resume: bool) -> Iterator[None]:
    """Remove `out` if this call created it and fails before any chunk is saved.

    A failed batch whose folder is removed says so, instead of pointing at a resume.
    """
    from sim.batch import BatchFailed

    created = not out.exists() and not resume
    try:
        yield
    except BaseException as error:
        chunks = out / "chunks"
        saved = chunks.is_dir() and any(chunks.rglob("chunk-*.parquet"))
        if not (created and out.is_dir() and not saved):
            raise
        shutil.rmtree(out, ignore_errors=True)
        if isinstance(error, BatchFailed):
            cause = error.__cause__ or error
            raise BatchFailed(
                f"the batch failed before any chunk was saved ({type(cause).__name__}: "
                f"{cause}); nothing was kept ({out} removed)"
            ) from cause
        raise


def run_batch(scenario_path: Any = None, **kwargs: Any) -> Any:
    """Run a batch: `sim.batch.run_batch` made safe and clear for Python callers.

    Takes the same arguments (``mediators``, ``variants``, ``overrides``, ``runs``,
    ``seed``, ``out``, ``workers``, ...) and returns its `BatchResult`. Called at the top
    level of a script without an ``if __name__ == "__main__":`` guard, it runs in this
    process (one core) instead of starting worker processes, and says so on stderr.

    Raises:
        UserError: bad input, naming the argument (``runs``, ``overrides``, ...).
        BatchFailed: a chunk failed; finished chunks are kept for ``resume=True``.
    """
    from sim.batch import run_batch as engine_run_batch

    parallel = kwargs.get("executor") is None and kwargs.get("dask") is None
    if parallel and kwargs.get("workers") != 1:
        where = unguarded_script_line(sys._getframe(1))
        if where is not None:
            script, line = where
            print(
                f"sim.run_batch: called at the top level of {script} (line {line}) without "
                'an `if __name__ == "__main__":` guard, so worker processes cannot start; '
                "running in this process on one core (put the call under the guard to use "
                "every core)",
                file=sys.stderr,
            )
            kwargs["workers"] = 1
    if kwargs.get("mediators"):
        from sim.resources import canonical_mediators

        scenario = scenario_path or default_scenario()
        path = getattr(getattr(scenario, "source", None), "path", scenario)  # a Scenario's file
        kwargs["mediators"] = canonical_mediators(kwargs["mediators"], path)
    out = kwargs.get("out")
    if out is None:
        raise UserError("run_batch: expected out=, the folder for the results")
    try:
        with nothing_left_on_failure(Path(out), bool(kwargs.get("resume"))):
            return engine_run_batch(scenario_path or default_scenario(), **kwargs)
    except UserError as error:
        raise UserError(
            python_wording(error.detail),
            file=python_wording(error.file) if error.file else None,
            key=error.key,
        ) from None
