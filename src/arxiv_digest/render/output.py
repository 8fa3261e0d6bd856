"""Atomic writes for every output: readers see the old file or the new one, never half of one.

Files: write a temporary file in the same directory, fsync it, `os.replace` it over the target, fsync the
directory. Directories: build a temporary sibling directory, then swap it in (an atomic exchange on Linux,
two renames elsewhere) and remove the old tree.

Outputs go only to regular files or new paths. A symlink is followed: the file it points to is replaced and
the link kept, as for a symlinked site directory; a link to anything but a regular file is refused, and so
are devices (/dev/null), FIFOs and sockets, which a rename would replace with a plain file.
Temporary names carry the writer's pid, so a later write can tell the debris of a killed one (its pid is
gone) from a write in progress, and removes it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import BadOutputPath, RenderError
from ..store import pid_alive

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


def reason(e: OSError) -> str:
    """An OS error in a few words: 'No space left on device', not the list of every file a copy failed on."""
    if isinstance(e, shutil.Error) and e.args and isinstance(e.args[0], list) and e.args[0]:
        first = e.args[0][0]  # copytree's (source, destination, "[Errno 28] No space left on device: ...")
        text = str(first[-1]) if isinstance(first, tuple) else str(first)
        m = re.match(r"\[Errno \d+\] ([^:]+)", text)
        return m.group(1) if m else text[:200]
    return e.strerror or str(e)[:200]


def _kind(mode: int) -> str:
    return ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "a device")  # fmt: skip


def file_target(path: Path) -> Path:
    """The path to replace for an output file: `path` itself when it is a regular file or new, the file a
    symlink points to; anything else is bad input."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return path
    except OSError as e:
        raise RenderError(f"cannot write {path}: {reason(e)}") from None
    if stat.S_ISREG(st.st_mode):
        return path
    if stat.S_ISLNK(st.st_mode):
        real = path.resolve()
        try:
            mode = real.stat().st_mode
        except OSError:
            raise BadOutputPath(f"{path} is a symlink to nothing ({real}); give a file path with --out") from None
        if not stat.S_ISREG(mode):
            raise BadOutputPath(f"{path} is a symlink to {_kind(mode)}; outputs go only to regular files")
        return real
    if stat.S_ISDIR(st.st_mode):
        raise BadOutputPath(f"{path} is a directory; give a file path with --out")
    raise BadOutputPath(f"{path} is {_kind(st.st_mode)}, not a regular file; outputs go only to regular files")


def refuse_protected(path: Path, protected: Iterable[Path]) -> None:
    """Bad input when `path` is (or is a link to) one of `protected` (the store's own files)."""
    real = path.resolve()
    try:
        ino = (real.stat().st_dev, real.stat().st_ino)
    except OSError:
        ino = None
    for p in protected:
        try:
            same = p.resolve() == real or (ino is not None and (p.stat().st_dev, p.stat().st_ino) == ino)
        except OSError:
            same = False
        if same:
            raise BadOutputPath(f"{path} is the store's own file {p.name}; write the output somewhere else")


def remove_debris(parent: Path, name: str) -> None:
    """Remove what killed writers of `name` left in `parent`: '.NAME.PID.*.tmp' of a pid that is gone (and
    '.NAME.*.tmp' of older versions, which named no pid), '.NAME.old-PID' trees of a swap cut short."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for p in entries:
        rest = p.name.removeprefix(f".{name}.")
        if rest == p.name or not (rest.endswith(".tmp") or rest.startswith("old-")):
            continue
        pid = rest.removeprefix("old-").split(".")[0]
        if pid.isdigit() and len(pid) < 10 and pid_alive(int(pid)):
            continue  # a write in progress (ours, or another process's)
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                p.unlink()


def _prepare_parent(path: Path) -> Path:
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RenderError(f"cannot create {parent}: {reason(e)}") from None
    return parent


@contextlib.contextmanager
def atomic_open(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """Yield a file to write `path`'s new content to; it replaces `path` only if the block completes.
    A failed write (a full disk) is one RenderError and leaves the old file as it was."""
    path = file_target(path)
    parent = _prepare_parent(path)
    remove_debris(parent, path.name)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=parent)
    except OSError as e:
        raise RenderError(f"cannot write in {parent}: {reason(e)}") from None
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
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise RenderError(f"cannot write {path}: {reason(e)}") from None
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
    old = target.with_name(f".{target.name}.old-{os.getpid()}")  # removed below, or by a later write
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
        remove_debris(parent, target.name)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=parent))
    except OSError as e:
        raise RenderError(f"cannot write in {parent}: {reason(e)}") from None
    try:
        os.chmod(tmp, 0o755)
        yield tmp
        _fsync_tree(tmp)
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(parent)
