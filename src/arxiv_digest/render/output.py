"""Atomic writes for every output: readers see the old file or the new one, never half of one.

Files: write a temporary file in the same directory, fsync it, `os.replace` it over the target, fsync the
directory. Directories: build a temporary sibling directory, then swap it in (an atomic exchange on Linux,
two renames elsewhere) and remove the old tree.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import RenderError

_DEFAULT_MODE = 0o644  # mkstemp makes 0600 files; outputs are meant to be served and shared


def _fsync_dir(path: Path) -> None:
    """Make a rename durable; some filesystems cannot open a directory, which is fine to skip."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _prepare_parent(path: Path) -> Path:
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RenderError(f"cannot create {parent}: {e.strerror}") from None
    if path.is_dir():
        raise RenderError(f"{path} is a directory; give a file path with --out")
    return parent


@contextlib.contextmanager
def atomic_open(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """Yield a file to write `path`'s new content to; it replaces `path` only if the block completes."""
    parent = _prepare_parent(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as e:
        raise RenderError(f"cannot write in {parent}: {e.strerror}") from None
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else _DEFAULT_MODE
        os.fchmod(fd, mode)
        # newline="": write exactly the characters given (the golden Markdown is compared byte for byte)
        f = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(parent)


def write_text(path: Path, text: str) -> Path:
    """Atomically replace `path` with `text` (UTF-8, newlines kept as given)."""
    with atomic_open(path) as f:
        f.write(text)
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    """Atomically replace `path` with `data`."""
    with atomic_open(path, binary=True) as f:
        f.write(data)
    return path


# -- directories

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2). False when the platform cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _fsync_tree(root: Path) -> None:
    """Flush every file of a finished tree before it becomes visible. A file with other hard links is one
    carried over from the tree being replaced, flushed when that was built: a year-long site carries
    tens of thousands of them, so they are skipped."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                if os.fstat(fd).st_nlink == 1:
                    os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _swap_in(new: Path, target: Path) -> None:
    """Put the finished directory `new` at `target`, removing what was there."""
    if not target.exists():
        os.replace(new, target)
        return
    if not target.is_dir():
        raise RenderError(f"{target} exists and is not a directory")
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old tree
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield an empty temporary directory to fill; it replaces `target` as a whole if the block completes.

    Use this for an output that is one directory (a generated site), not for a directory that keeps
    other outputs' history (write files there with `write_text`)."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    except OSError as e:
        raise RenderError(f"cannot write in {parent}: {e.strerror}") from None
    try:
        os.chmod(tmp, 0o755)
        yield tmp
        _fsync_tree(tmp)
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(parent)
