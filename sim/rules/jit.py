"""The one decorator every compiled rule uses.

`_nrt=False` compiles without numba's reference-counting runtime. The rules never
allocate: they read and write arrays that the caller owns. With the runtime on, every
array taken out of the state or parameter tuples is reference-counted with atomic
operations, which cost about 2 microseconds per world-step here (100 times the work of
the rules themselves); without it a world-step costs tens of nanoseconds.
`cache=True` keeps the machine code on disk, so only the first run compiles.

`rule` also inlines the function into its caller (numba's own inlining, before LLVM):
the state and parameters travel as tuples of arrays, which a call would copy by value
(about 2.5 kB per call); inlined, a rule costs only its arithmetic. Entry points that
Python calls (`sim.rules.drive`) use `compiled`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba
from numba import njit


def _cache_dir() -> str:
    """A cache folder named after the rules' own source.

    numba keys a cached function by its own file only, but the rules are inlined into
    the drivers: edit `world.py` alone and `drive.py`'s cached machine code would still
    hold the old rules. Naming the folder after a hash of every file here means any
    edit starts a fresh cache, and stale code is never run.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "ceasefire-sim" / f"numba-{digest.hexdigest()[:16]}")


if not os.environ.get("NUMBA_CACHE_DIR"):  # a user's own choice wins
    numba.config.CACHE_DIR = _cache_dir()

compiled = njit(cache=True, _nrt=False, error_model="numpy")
rule = njit(cache=True, _nrt=False, inline="always", error_model="numpy")
