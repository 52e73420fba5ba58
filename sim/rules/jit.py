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

from numba import njit

compiled = njit(cache=True, _nrt=False, error_model="numpy")
rule = njit(cache=True, _nrt=False, inline="always", error_model="numpy")
