"""`ceasefire ARGS...` with timers on the parent's chunk writing and assembly.

Usage: python benchmarks/timed_cli.py TIMINGS.json batch ...  (as `ceasefire batch ...`).
Writes the seconds spent in each part to TIMINGS.json. Used by bench_batch.py so that a
large batch runs exactly as a user runs it, with the write and assembly time measured.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_parts import timed_engine

if __name__ == "__main__":
    from sim.cli import main

    with timed_engine() as parts:
        status = main(sys.argv[2:])
    Path(sys.argv[1]).write_text(json.dumps(parts))
    sys.exit(status)
