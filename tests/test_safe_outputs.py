"""Where outputs may go and what a failed or killed write leaves: devices, FIFOs, symlinks and the store's own
files refused; a full disk is one line with the old output intact; debris of a killed render is cleaned."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from arxiv_digest.cli import app
from seedstore import SEED_CATEGORIES

FORMATS = ("markdown", "atom", "jsonl", "html")
FILE_FORMATS = ("markdown",)  # atom and jsonl go into directories (the feeds, a file or two a day)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def one_line(r: Result) -> str:
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), r.stderr
    return r.stderr


def status_ok() -> None:
    r = run("status")
    assert r.exit_code == 0 and "131 papers" in r.stdout, r.output


# ---------------------------------------------------------------- what --out may replace


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_device_is_bad_input_and_stays_a_device(seeded: Path, tmp_path: Path, fmt: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root (CI runs as root)")
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # our own /dev/null: the machine's is never at risk
    r = run("render", "-f", fmt, "--out", str(null))
    assert r.exit_code == 2
    assert one_line(r) == f"error: {null} is a device, not a regular file; outputs go only to regular files\n"
    assert stat.S_ISCHR(null.stat().st_mode)


@pytest.mark.parametrize(("fmt", "what"), [("atom", "the feeds go into a directory (feed.atom, feeds/...)"),
                                           ("jsonl", "JSONL goes into a directory (a file or two a day)")])
def test_a_directory_format_refuses_a_file(seeded: Path, tmp_path: Path, fmt: str, what: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = run("render", "-f", fmt, "--out", str(fifo))
    assert (r.exit_code, one_line(r)) == (2, f"error: {fifo} is not a directory; {what}\n")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_fifo_is_bad_input_and_stays_a_fifo(seeded: Path, tmp_path: Path, fmt: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = run("render", "-f", fmt, "--out", str(fifo))
    assert (r.exit_code, one_line(r)) == (2, f"error: {fifo} is a FIFO, not a regular file; outputs go only to "
                                             "regular files\n")  # fmt: skip
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_symlink_to_a_file_is_followed_and_kept(seeded: Path, tmp_path: Path) -> None:
    real = tmp_path / "published" / "digest.md"
    real.parent.mkdir()
    real.write_text("old", "utf-8")
    link = tmp_path / "latest.md"
    link.symlink_to(real)
    r = run("render", "-f", "markdown", "--categories", ",".join(SEED_CATEGORIES), "--out", str(link))
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and link.readlink() == real
    assert real.read_bytes() == (Path(__file__).parent / "fixtures" / "seed-digest.md").read_bytes()
    assert sorted(p.name for p in real.parent.iterdir()) == ["digest.md"]  # no debris beside the target


def test_a_symlink_to_a_fifo_or_to_nothing_is_refused(seeded: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    to_fifo, dangling = tmp_path / "a.md", tmp_path / "b.md"
    to_fifo.symlink_to(fifo)
    dangling.symlink_to(tmp_path / "nowhere" / "x.md")
    r = run("render", "-f", "markdown", "--out", str(to_fifo))
    assert (r.exit_code, one_line(r)) == (2, f"error: {to_fifo} is a symlink to a FIFO; outputs go only to "
                                             "regular files\n")  # fmt: skip
    r = run("render", "-f", "markdown", "--out", str(dangling))
    assert r.exit_code == 2 and "is a symlink to nothing" in one_line(r)
    assert to_fifo.is_symlink() and dangling.is_symlink() and stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["arxiv-digest.db", "arxiv-digest.db-wal", "arxiv-digest.lock"])
def test_the_stores_own_files_are_bad_input(seeded: Path, fmt: str, name: str) -> None:
    target = seeded / name
    before = target.read_bytes() if target.exists() else None
    r = run("render", "-f", fmt, "--out", str(target))
    assert r.exit_code == 2, r.output
    assert "the store's own file" in one_line(r) or "not a directory" in r.stderr
    if before is not None and name != "arxiv-digest.db-wal":
        assert target.read_bytes() == before
    status_ok()


def test_a_link_to_the_store_is_bad_input_too(seeded: Path, tmp_path: Path) -> None:
    soft, hard = tmp_path / "soft.md", tmp_path / "hard.md"
    soft.symlink_to(seeded / "arxiv-digest.db")
    os.link(seeded / "arxiv-digest.db", hard)
    for target in (soft, hard):
        r = run("render", "-f", "markdown", "--out", str(target))
        assert r.exit_code == 2 and "the store's own file arxiv-digest.db" in one_line(r)
    status_ok()


# ---------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs of our own: room for one day's outputs (its page, the archive's search and day files, the
    other formats), then filled to the last byte."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], check=True, capture_output=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False, capture_output=True)


def fill_up(mnt: Path) -> None:
    fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 16, 1 << 12, 1):  # down to the last byte
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_disk_full_while_rendering_is_one_line_and_keeps_the_old_outputs(seeded: Path, small_disk: Path) -> None:
    site = small_disk / "site"
    outs = {"html": site, "markdown": site / "2026-01-28.md", "atom": site,
            "jsonl": site / "data"}  # fmt: skip
    for fmt, out in outs.items():  # the day once, whole, while there is room
        r = run("render", "-f", fmt, "--out", str(out))
        assert r.exit_code == 0, r.output
    before = snapshot(site)
    fill_up(small_disk)
    for fmt in FORMATS:
        r = run("render", "-f", fmt, "--out", str(outs[fmt]))
        assert r.exit_code == 1, r.output
        line = one_line(r)
        assert "No space left on device" in line and len(line) < 300, line
        assert snapshot(site) == before  # the old outputs whole, and no temporary file or tree left
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "site"]


# ---------------------------------------------------------------- what a killed render leaves


KILLED_RENDER = """
import os, signal, sys
from pathlib import Path
from arxiv_digest.render.output import atomic_dir
with atomic_dir(Path(sys.argv[1])) as tree:
    (tree / "index.html").write_text("half a site", "utf-8")
    os.kill(os.getpid(), signal.SIGKILL)  # killed mid-build: no cleanup runs
"""


def test_a_later_render_removes_what_a_killed_render_left(seeded: Path) -> None:
    site = Path("arxiv-digest-site")
    assert run("render", "-f", "html").exit_code == 0
    killed = subprocess.run([sys.executable, "-c", KILLED_RENDER, str(site)], capture_output=True, timeout=60)
    assert killed.returncode == -9
    debris = [p for p in Path(".").iterdir() if p.name.startswith(".arxiv-digest-site.")]
    assert len(debris) == 1 and (debris[0] / "index.html").read_text("utf-8") == "half a site"
    in_progress = Path(".arxiv-digest-site.1.xyz.tmp")  # pid 1 is alive: another process's write, kept
    in_progress.mkdir()
    assert run("render", "-f", "html").exit_code == 0
    assert [p.name for p in Path(".").iterdir() if p.name.startswith(".")] == [in_progress.name]
    assert (site / "index.html").read_text("utf-8") != "half a site"


def test_a_later_write_removes_a_killed_writers_temporary_file(seeded: Path) -> None:
    site = Path("arxiv-digest-site")
    site.mkdir()
    stale = site / ".2026-01-28.md.999999999.abc.tmp"  # a pid that cannot exist
    legacy = site / ".2026-01-28.md.k3j4h5g6.tmp"  # older versions named no pid
    stale.write_text("half", "utf-8")
    legacy.write_text("half", "utf-8")
    assert run("render", "-f", "markdown").exit_code == 0
    assert sorted(p.name for p in site.iterdir()) == ["2026-01-28.md"]
