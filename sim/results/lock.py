"""An exclusive lock on a results folder for the whole of a batch.

`fcntl.flock` on the folder itself (an open directory): the kernel releases it
when the process ends, however it ends (an exception, Ctrl-C, SIGKILL, the OOM
killer), so a lock is never stale, and no lock file has to be created first.
The holder writes its pid, command and start time to ``DIR/.lock`` (removed on
release; ignored when deciding whether a folder is empty), so a second batch can
say who holds the folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from sim.errors import UserError
from sim.results.writer import OutputError, as_output_error, write_text

LOCK_FILE = ".lock"


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {info['pid']}, started {info['started']}: {info['command']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def folder_lock(folder: Path, command: str) -> Iterator[None]:
    """Hold the exclusive lock on `folder` (which must exist) for the block.

    Raises:
        UserError: another process holds it (the message names its pid, command and
            start time).
    """
    import fcntl

    path = Path(folder) / LOCK_FILE
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise as_output_error(error, folder) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"the results folder is in use by another batch ({_holder(path)}); wait for it "
                "to finish or choose another folder",
                file=str(folder),
            ) from None
        info = {"pid": os.getpid(), "command": command, "started": _now()}
        try:
            with suppress(OutputError):  # only a courtesy to a second batch
                write_text(path, json.dumps(info) + "\n")
            yield
        finally:
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)  # releases the lock


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
