"""`arxiv-digest render` and `arxiv-digest import`: what the user sees (exit code, message, files)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.store import Store
from seedstore import SEED_CATEGORIES

FIXTURES = Path(__file__).parent / "fixtures"
CATS = ",".join(SEED_CATEGORIES)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_render_markdown_defaults_to_latest_day_under_site_dir(seeded: Path) -> None:
    r = run("render", "--categories", CATS)
    assert r.exit_code == 0, r.output
    assert r.stdout == "arxiv-digest-site/2026-01-28.md\n"
    assert Path("arxiv-digest-site/2026-01-28.md").read_bytes() == (FIXTURES / "seed-digest.md").read_bytes()


def test_render_atom_and_jsonl_default_paths(seeded: Path) -> None:
    r = run("render", "--date", "2026-01-28", "--format", "atom", "--categories", CATS)
    assert (r.exit_code, r.stdout) == (0, "arxiv-digest-site/feed.atom\n")  # the site's feeds, at stable URLs
    assert Path("arxiv-digest-site/feed.atom").read_bytes().startswith(b"<?xml")
    assert sorted(p.name for p in Path("arxiv-digest-site/feeds").iterdir()) == [f"{c}.atom" for c in sorted(
        SEED_CATEGORIES)]  # fmt: skip
    assert Path("arxiv-digest-site/feeds.opml").is_file() and not Path("arxiv-digest-site/2026-01-28.atom").exists()
    r = run("render", "--format", "jsonl", "--language", "Chinese")
    assert (r.exit_code, r.stdout) == (0, "arxiv-digest-site/data\n")
    assert sorted(p.name for p in Path("arxiv-digest-site/data").iterdir()) == [
        "2026-01-28_AI_enhanced_Chinese.jsonl"]  # the plain file only with output.plain_jsonl


def test_render_out_and_language(seeded: Path, tmp_path: Path) -> None:
    target = tmp_path / "x" / "digest.md"
    r = run("render", "-f", "markdown", "-o", str(target), "--language", "English", "--categories", CATS)
    assert (r.exit_code, r.stdout) == (0, f"{target}\n")
    # the stored summaries are Chinese: in English every paper is honestly pending
    assert target.read_text("utf-8").count("Summary pending - showing the abstract.") == 131


def test_unknown_day(seeded: Path) -> None:
    r = run("render", "--date", "2026-01-29")
    assert r.exit_code == 1
    assert r.stderr == "error: no announcement stored for 2026-01-29; run `arxiv-digest fetch`\n"
    assert not Path("arxiv-digest-site").exists()


def test_empty_store() -> None:
    r = run("render")
    assert r.exit_code == 1
    assert "has no announcement day yet; run `arxiv-digest fetch`" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "error: unknown format 'pdf'; choose one of markdown, html, atom, jsonl\n"),
        (["--date", "2026-13-01"], "error: invalid date '2026-13-01': expected YYYY-MM-DD\n"),
    ],
)
def test_bad_input_exits_2(seeded: Path, args: list[str], message: str) -> None:
    r = run("render", *args)
    assert (r.exit_code, r.stderr) == (2, message)


def test_export_then_import_then_render_is_the_reference(seeded: Path, tmp_path: Path) -> None:
    assert run("render", "-f", "jsonl", "-o", str(tmp_path / "data")).exit_code == 0
    ai = tmp_path / "data" / "2026-01-28_AI_enhanced_Chinese.jsonl"
    fresh = tmp_path / "fresh"
    r = run("import", str(ai), "--data-dir", str(fresh))
    assert r.exit_code == 0, r.output
    assert r.stdout == f"{ai}: 2026-01-28, 131 papers (131 new), 131 summaries\n"
    assert run("import", str(ai), "--data-dir", str(fresh)).stdout.endswith("131 papers (0 new), 131 summaries\n")
    out = tmp_path / "again.md"
    r = run("render", "--data-dir", str(fresh), "--categories", CATS, "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == (FIXTURES / "seed-digest.md").read_bytes()


def test_import_malformed_line(tmp_path: Path) -> None:
    good = {"id": "2601.00001", "categories": ["cs.LG"], "pdf": "", "abs": "", "authors": ["A"], "title": "T",
            "comment": None, "summary": "S"}  # fmt: skip
    first = tmp_path / "2026-01-27.jsonl"
    first.write_text(json.dumps(good) + "\n", "utf-8")
    bad = tmp_path / "2026-01-28.jsonl"
    bad.write_text(json.dumps(good) + "\n\n" + '{"id": 3}\n', "utf-8")
    r = run("import", str(first), str(bad))
    assert r.exit_code == 2
    assert r.stdout == f"{first}: 2026-01-27, 1 paper (1 new), 0 summaries\n"  # the good file before it is kept
    assert r.stderr == f"error: {bad}:3: 'id' must be a string\n"
    with Store.open(Path(os.environ["ARXIV_DIGEST_DATA_DIR"])) as s:
        assert [d.isoformat() for d in s.announced_dates()] == ["2026-01-27"]


def test_import_says_how_many_failure_placeholders_stay_pending(tmp_path: Path) -> None:
    rec = {"id": "2601.00001", "categories": ["cs.LG"], "authors": ["A"], "title": "T", "comment": None,
           "summary": "S", "AI": dict.fromkeys(("tldr", "motivation", "method", "result", "conclusion"), "Error")}
    path = tmp_path / "2026-01-27_AI_enhanced_English.jsonl"
    path.write_text(json.dumps(rec) + "\n", "utf-8")
    r = run("import", str(path))
    assert r.exit_code == 0, r.output
    assert r.stdout == f"{path}: 2026-01-27, 1 paper (1 new), 0 summaries, 1 failure placeholder left pending\n"


def test_import_bad_file_name(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text("", "utf-8")
    r = run("import", str(path))
    assert r.exit_code == 2
    assert r.stderr.startswith(f"error: {path}: cannot tell the day from the file name;")
    assert r.stderr.count("\n") == 1


def test_site_render_keeps_the_other_outputs_in_the_site_dir(seeded: Path) -> None:
    for fmt in ("markdown", "atom", "jsonl", "html"):
        assert run("render", "-f", fmt).exit_code == 0
    site = Path("arxiv-digest-site")
    assert (site / "2026-01-28.html").is_file()
    assert (site / "2026-01-28.md").is_file() and (site / "feed.atom").is_file() and (site / "feeds.opml").is_file()
    assert (site / "data" / "2026-01-28_AI_enhanced_Chinese.jsonl").is_file()


def test_render_refuses_while_another_process_writes(seeded: Path) -> None:
    with Store.open(seeded) as other:  # another process's `run`, holding the write lock
        other.acquire_lock()
        r = run("render", "-f", "markdown")
        assert r.exit_code == 1 and "another arxiv-digest process" in r.stderr
    assert run("render", "-f", "markdown").exit_code == 0


def _day_file(path: Path, ids: list[str]) -> Path:
    recs = [{"id": i, "categories": ["cs.LG"], "authors": ["A"], "title": f"T {i}", "comment": None,
             "summary": "S", "AI": dict.fromkeys(("tldr", "motivation", "method", "result", "conclusion"), "x")}
            for i in ids]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), "utf-8")
    return path


def test_import_of_repeated_days_says_so_and_status_agrees(tmp_path: Path) -> None:
    """daily-arXiv-ai-enhanced wrote a file (a copy of the day before) on days without an announcement:
    such a file is no day of the digest, and a paper is listed once, on its first day."""
    first = _day_file(tmp_path / "2026-06-26_AI_enhanced_English.jsonl", ["2606.00001", "2606.00002"])
    copy = _day_file(tmp_path / "2026-06-27_AI_enhanced_English.jsonl", ["2606.00001", "2606.00002"])
    mixed = _day_file(tmp_path / "2026-06-29_AI_enhanced_English.jsonl", ["2606.00002", "2606.00003"])
    r = run("import", str(mixed), str(copy), str(first))  # any order: the oldest day is imported first
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        f"{first}: 2026-06-26, 2 papers (2 new), 2 summaries",
        f"{copy}: 2026-06-27, 2 papers (0 new), 2 summaries; all announced earlier (2026-06-26): not a day of its own",
        f"{mixed}: 2026-06-29, 2 papers (1 new), 2 summaries; 1 announced earlier (2026-06-26) stay there",
    ]
    status = run("status").stdout.splitlines()
    assert status[0].endswith("(2 days, 3 papers, 3 summaries)")
    assert status[1:3] == ["  2026-06-26      2 papers", "  2026-06-29      1 papers"]
    # An older file imported later takes its papers back from the later day that listed them first.
    older = _day_file(tmp_path / "2026-06-25_AI_enhanced_English.jsonl", ["2606.00003"])
    assert run("import", str(older)).stdout == (
        f"{older}: 2026-06-25, 1 paper (0 new), 1 summaries; 1 moved here from later days (2026-06-29)\n"
    )
    assert run("status").stdout.splitlines()[1:3] == ["  2026-06-25      1 papers", "  2026-06-26      2 papers"]
