"""Workers that end when the batch that started them dies.

A pool worker started by the forkserver is the forkserver's child, not the
batch's, and waits on a queue that never closes when the batch is killed
(SIGKILL, the OOM killer): without this, it, the forkserver and the resource
tracker (which live as long as any worker does) stay for good, about 120 MB each.
Each worker runs a daemon thread that checks every `POLL_S` seconds that the
batch process still exists (the same pid with the same start time, so a reused
pid does not count) and ends the worker at once when it does not. Once the
workers are gone the forkserver and the resource tracker exit by themselves.
"""

from __future__ import annotations

import os
import signal
import threading
import time

POLL_S = 0.5


def start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot) from /proc, or None if it is gone
    or a zombie; on systems without /proc, a placeholder while the pid exists."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except FileNotFoundError:
        return None
    except OSError:  # no /proc: fall back on whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "?"
    if not fields or fields[0] in ("Z", "X"):  # a dead batch not yet reaped is dead
        return None
    return fields[19] if len(fields) > 19 else "?"


def init_worker(parent_pid: int, parent_start: str | None) -> None:
    """Pool initializer: Ctrl-C is the parent's to handle; end when the parent is gone."""
    # Ctrl-C cancels the pool in the parent and keeps finished chunks, instead of every
    # worker printing its own KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_start is None:
        return
    thread = threading.Thread(
        target=_watch, args=(parent_pid, parent_start), name="ceasefire-watchdog", daemon=True
    )
    thread.start()


def _watch(parent_pid: int, parent_start: str) -> None:
    while start_time(parent_pid) == parent_start:
        time.sleep(POLL_S)
    os._exit(1)  # no clean-up to do: the parent that wanted the results is gone
