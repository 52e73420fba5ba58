"""The one writer of results: atomic files, OS errors as one line, a record of what was written.

Every file is written to a temporary file in the same folder, flushed to disk,
then renamed over its final name, so a crash leaves either the whole file or
none of it (and perhaps a hidden ``.*.tmp`` that `clean_temporary` removes).
An operating-system error (disk full, a folder where a file should be, no
permission, a name too long) becomes an `OutputError` naming the path and what
went wrong; the temporary file is removed first.

`ResultsFolder` writes by names relative to its root (never outside it) and
records each file's sha256 under the ``written`` key of the folder's manifest.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
    from matplotlib.figure import Figure

# Errors that mean "this path cannot be used" (bad input, exit 2); any other OS error
# (disk full, I/O error, quota) is a failure of the machine (exit 1).
_BAD_PATH = {
    errno.ENOENT,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EACCES,
    errno.EPERM,
    errno.ENAMETOOLONG,
    errno.EROFS,
    errno.EEXIST,
    errno.EINVAL,
}


class OutputError(Exception):
    """An operating-system error reading or writing a results file, as one line.

    Attributes:
        path: the file or folder concerned.
        status: the exit status the command line gives it (2 bad path, 1 machine failure).
    """

    def __init__(self, path: str | Path, error: OSError | str, *, action: str = "write") -> None:
        self.path = str(path)
        if isinstance(error, OSError):
            reason = error.strerror or str(error)
            self.errno = error.errno
        else:
            reason, self.errno = error, None
        self.status = 2 if self.errno in _BAD_PATH or self.errno is None else 1
        super().__init__(f"{self.path}: cannot {action} ({reason})")


def as_output_error(error: OSError, path: str | Path, action: str = "write") -> OutputError:
    """The `OutputError` for `error`, naming the path the OS names if it names one."""
    return OutputError(error.filename or path, error, action=action)


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_WRITTEN: set[Path] = set()
"""Every file this process wrote through this module (but chunks, which the batch
manifest records itself): `ResultsFolder.record` adds those under its folder."""


@contextmanager
def atomic_file(path: Path, mode: str = "wb", *, record: bool = True) -> Iterator[IO[Any]]:
    """Open a temporary file beside `path`; on success, fsync it and rename it to `path`.

    Readers never see a half-written file: until the rename, the final name holds
    the previous version or nothing. On any error the temporary file is removed;
    OS errors are raised as `OutputError` naming `path`.
    """
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are for sharing
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if path.is_dir():  # os.replace would say only "Is a directory"
            raise IsADirectoryError(errno.EISDIR, "it is a folder, expected a file", str(path))
        os.replace(tmp, path)
        tmp = None
        if record:
            _WRITTEN.add(path.absolute())
    except OSError as error:
        raise as_output_error(error, path) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _umask() -> int:
    # os.umask can only be read by setting it; done once, before any worker threads.
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return _UMASK


_UMASK: int | None = None


def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable; not every platform can open a directory.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- one file


def write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically."""
    with atomic_file(path) as handle:
        handle.write(data)
    return Path(path)


def write_text(path: Path, text: str) -> Path:
    """Write `text` as UTF-8 to `path` atomically."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(data: Mapping[str, Any], path: Path) -> Path:
    """Write `data` as indented JSON to `path` atomically."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return write_text(path, text)


def write_with(path: Path, write: Callable[[IO[bytes]], Any], *, record: bool = True) -> Path:
    """Write `path` atomically with `write(handle)` (a library's own writer).

    Args:
        record: False for files recorded elsewhere (batch chunks: in the manifest's
            ``chunks``), so that this process's log of written files stays small.
    """
    with atomic_file(path, record=record) as handle:
        write(handle)
    return Path(path)


def write_parquet(table: pa.Table, path: Path, *, record: bool = True, **options: Any) -> Path:
    """Write an Arrow table to `path` atomically (options go to `pq.write_table`)."""
    import pyarrow.parquet as pq

    return write_with(path, lambda handle: pq.write_table(table, handle, **options), record=record)


def write_npy(array: np.ndarray, path: Path) -> Path:
    """Write a NumPy array (``.npy``) to `path` atomically."""
    import numpy as np

    return write_with(path, lambda handle: np.save(handle, array))


def figure_metadata(fmt: str) -> dict[str, str | None]:
    """Savefig metadata without the creation date: the same figure gives the same bytes."""
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return {}


def save_figure(fig: Figure, path: Path, **savefig: Any) -> Path:
    """Save a Matplotlib figure to `path` atomically, format from its extension."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    savefig.setdefault("metadata", figure_metadata(fmt))
    try:
        fig.canvas.get_supported_filetypes()[fmt]
    except KeyError:
        raise OutputError(path, f"unsupported figure format '.{fmt}'") from None
    return write_with(path, lambda handle: fig.savefig(handle, format=fmt, **savefig))


# --------------------------------------------------------------------------- one folder


class ResultsFolder:
    """A results folder written through this module, with a record of what was written.

    Args:
        root: the folder.
        manifest: the folder's record file (a JSON object), relative to `root`; each
            file written is recorded under its ``written`` key on `record`.
    """

    def __init__(self, root: str | Path, manifest: str = "manifest.json") -> None:
        self.root = Path(root)
        self.manifest = manifest
        self.written: dict[str, str] = {}

    def path(self, name: str | Path) -> Path:
        """``root/name``, refusing a name that would leave the folder."""
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise OutputError(self.root / relative, "the name leaves the results folder")
        return self.root / relative

    def note(self, path: Path) -> Path:
        """Record a file written into the folder through this module's functions."""
        self.written[Path(path).relative_to(self.root).as_posix()] = sha256_file(Path(path))
        return Path(path)

    _done = note

    def write_bytes(self, name: str | Path, data: bytes) -> Path:
        return self._done(write_bytes(self.path(name), data))

    def write_text(self, name: str | Path, text: str) -> Path:
        return self._done(write_text(self.path(name), text))

    def write_json(self, name: str | Path, data: Mapping[str, Any]) -> Path:
        return self._done(write_json(data, self.path(name)))

    def write_with(self, name: str | Path, write: Callable[[IO[bytes]], Any]) -> Path:
        return self._done(write_with(self.path(name), write))

    def write_parquet(self, name: str | Path, table: pa.Table, **options: Any) -> Path:
        return self._done(write_parquet(table, self.path(name), **options))

    def write_npy(self, name: str | Path, array: np.ndarray) -> Path:
        return self._done(write_npy(array, self.path(name)))

    def save_figure(self, name: str | Path, fig: Figure, **savefig: Any) -> Path:
        return self._done(save_figure(fig, self.path(name), **savefig))

    def read_manifest(self) -> dict[str, Any] | None:
        """The folder's record as a dict, None if absent; OutputError if unreadable."""
        path = self.root / self.manifest
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except OSError as error:
            raise as_output_error(error, path, "read") from None
        except ValueError as error:  # truncated or not JSON
            raise OutputError(path, f"not valid JSON: {error}", action="read") from None
        if not isinstance(data, dict):
            raise OutputError(path, "expected a JSON object", action="read")
        return data

    def write_manifest(self, data: Mapping[str, Any]) -> Path:
        """Write the record with everything written so far under ``written``."""
        record = dict(data)
        record["written"] = {**dict(record.get("written") or {}), **self.written}
        return write_json(record, self.root / self.manifest)

    @contextmanager
    def undo_on_error(self) -> Iterator[ResultsFolder]:
        """On an error in the block, leave no half-made folder: if this block created
        the folder, remove what it wrote there and the folders left empty."""
        created = [p for p in (self.root, *self.root.parents) if not p.exists()]
        try:
            yield self
        except BaseException:
            if created:
                for name in self.written:
                    (self.root / name).unlink(missing_ok=True)
                for tmp in self.root.rglob(".*.tmp") if self.root.exists() else ():
                    tmp.unlink(missing_ok=True)
                folders = sorted(
                    (p for p in self.root.rglob("*") if p.is_dir()) if self.root.exists() else (),
                    key=lambda p: len(p.parts),
                    reverse=True,
                )
                for folder in [*folders, *created]:
                    with suppress(OSError):
                        folder.rmdir()  # only if empty
            raise

    def record(self) -> None:
        """Add what was written to the folder's existing record (no record: nothing to do).

        Besides the files written through this object, that is every file this process
        wrote under the folder through this module (figures drawn by a report section...).
        """
        root = self.root.absolute()
        for path in sorted(_WRITTEN):
            if path.is_relative_to(root) and path.is_file() and path.name != self.manifest:
                self.written.setdefault(path.relative_to(root).as_posix(), sha256_file(path))
        if not self.written:
            return
        existing = self.read_manifest()
        if existing is not None:
            self.write_manifest(existing)
