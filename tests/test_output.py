"""Atomic writes: a crash at any point leaves the previous output whole, and no debris."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import load_settings
from arxiv_digest.errors import RenderError
from arxiv_digest.render import markdown, output, render_day
from arxiv_digest.render.output import atomic_dir, atomic_open, write_bytes, write_text
from arxiv_digest.store import Store
from seedstore import SEED_CATEGORIES, SEED_DAY, fill_seed


class Crash(Exception):
    pass


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty directory of the test's own (conftest puts a work dir in tmp_path)."""
    d = tmp_path / "out"
    d.mkdir()
    return d


def _listing(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def test_write_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "d.md"
    write_text(target, "one\r\n")  # newlines are written as given
    assert target.read_bytes() == b"one\r\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    os.chmod(target, 0o640)
    write_bytes(target, b"two")
    assert target.read_bytes() == b"two" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _listing(target.parent) == ["d.md"]


def test_failed_replace_keeps_old_file(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = out / "d.md"
    target.write_text("old", "utf-8")

    def boom(*_: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(RenderError, match=r"^cannot write .*d\.md: No space left on device$"):  # one line
        write_text(target, "new" * 1000)
    assert target.read_text("utf-8") == "old"
    assert _listing(out) == ["d.md"]


def test_writer_raising_midway_keeps_old_file(out: Path) -> None:
    target = out / "d.atom"
    target.write_bytes(b"old")
    with pytest.raises(Crash), atomic_open(target, binary=True) as f:
        f.write(b"half of the new")
        raise Crash
    assert target.read_bytes() == b"old"
    assert _listing(out) == ["d.atom"]


def test_render_crash_midway_keeps_previous_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_papers: list[dict[str, Any]]
) -> None:
    s = load_settings(None, {"categories": SEED_CATEGORIES, "data_dir": tmp_path / "data"}, environ={})
    out = tmp_path / "site" / "2026-01-28.md"
    with Store.open(tmp_path / "data") as store:
        fill_seed(store, seed_papers)
        render_day(s, store, SEED_DAY, "markdown", out)
        before = out.read_bytes()
        real = markdown.render_paper

        def flaky(n: int, e: Any, language: str) -> str:
            if n == 60:
                raise Crash("paper 60 cannot be rendered")
            return real(n, e, language) + "changed"

        monkeypatch.setattr(markdown, "render_paper", flaky)
        with pytest.raises(Crash):
            render_day(s, store, SEED_DAY, "markdown", out)
    assert out.read_bytes() == before
    assert _listing(out.parent) == ["2026-01-28.md"]


def test_out_path_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="is a directory"):
        write_text(tmp_path, "x")


@pytest.mark.parametrize("exchange", [True, False])
def test_atomic_dir_swaps_whole_tree(out: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool) -> None:
    if not exchange:  # platforms without renameat2: two renames
        monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    site = out / "site"
    with atomic_dir(site) as d:
        (d / "index.html").write_text("v1", "utf-8")
        (d / "old.html").write_text("gone later", "utf-8")
    assert _listing(site) == ["index.html", "old.html"]
    assert stat.S_IMODE(site.stat().st_mode) == 0o755
    with atomic_dir(site) as d:
        (d / "index.html").write_text("v2", "utf-8")
    assert _listing(site) == ["index.html"] and (site / "index.html").read_text("utf-8") == "v2"
    assert _listing(out) == ["site"]


def test_atomic_dir_crash_keeps_old_tree(out: Path) -> None:
    site = out / "site"
    site.mkdir()
    (site / "index.html").write_text("old", "utf-8")
    with pytest.raises(Crash), atomic_dir(site) as d:
        (d / "index.html").write_text("half", "utf-8")
        raise Crash
    assert (site / "index.html").read_text("utf-8") == "old"
    assert _listing(out) == ["site"]
