"""Bad input and damaged state are one line and the right exit code, never "this is a bug": absurd numbers,
files that are not UTF-8, NUL bytes, odd languages and ports, a damaged store, a store from a newer version."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from arxiv_digest.cli import app
from arxiv_digest.store import MIGRATIONS


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def one_line(r: Result, code: int) -> str:
    assert r.exit_code == code, r.output
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), r.stderr
    assert "this is a bug" not in r.stderr
    return r.stderr


def data_dir() -> Path:
    return Path(os.environ["ARXIV_DIGEST_DATA_DIR"])


# ---------------------------------------------------------------- the configuration


@pytest.mark.parametrize(
    ("toml", "where"),
    [
        ("[arxiv]\ndelay_seconds = inf\n", "arxiv.delay_seconds"),
        ("[arxiv]\ndelay_seconds = 1e308\n", "arxiv.delay_seconds"),
        ("[arxiv]\ntimeout_seconds = 1e308\n", "arxiv.timeout_seconds"),
        ("[arxiv]\nmax_retry_seconds = nan\n", "arxiv.max_retry_seconds"),
        ("[llm]\ntimeout_seconds = inf\n", "llm.timeout_seconds"),
        ("[llm]\nmax_retry_seconds = 1e308\n", "llm.max_retry_seconds"),
        ('[llm.prices]\nm = { input = inf, output = 1.0 }\n', "llm.prices.m.input"),
        ("[email]\nport = -1\n", "email.port"),
        ("[email]\nport = 70000\n", "email.port"),
        ('[output]\nsite_dir = "site\\u0000"\n', "output.site_dir"),
        (f'language = "{"x" * 300}"\n', "language"),
        ('language = "Chinese\\nEnglish"\n', "language"),
        ('language = ".."\n', "language"),
        ('language = "../../etc"\n', "language"),
    ],
)
def test_absurd_values_are_named_bad_input(tmp_path: Path, toml: str, where: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, "utf-8")
    r = run("status", "--config", str(cfg))
    assert one_line(r, 2).startswith(f"error: invalid setting {where} in {cfg}: ")
    assert not data_dir().exists()  # nothing written before failing


def test_a_delay_of_inf_from_the_environment(tmp_path: Path) -> None:
    r = run("status", env={"ARXIV_DIGEST_DELAY": "inf"})
    assert one_line(r, 2) == ("error: invalid setting arxiv.delay_seconds (from ARXIV_DIGEST_DELAY): Input should "
                              "be a finite number\n")  # fmt: skip


def test_a_config_file_that_is_not_utf8(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_bytes('language = "Fran\xe7ais"\n'.encode("latin-1"))
    r = run("status", "--config", str(cfg))
    assert one_line(r, 2) == f"error: malformed config {cfg}: not UTF-8 text (byte 16)\n"


def test_a_nul_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a file can carry one (argv and the environment cannot): every system call would fail on it."""
    monkeypatch.delenv("ARXIV_DIGEST_DATA_DIR")
    cfg = tmp_path / "c.toml"
    cfg.write_text('data_dir = "data\\u0000dir"\n', "utf-8")
    r = run("fetch", "--config", str(cfg))
    assert one_line(r, 2) == f"error: invalid setting data_dir in {cfg}: must not contain a NUL character\n"
    assert list(Path(".").iterdir()) == []


def test_a_smtp_port_of_minus_one_and_no_emoji(seeded: Path) -> None:
    env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": "-1", "SMTP_SENDER": "a@example.org",
           "SMTP_RECIPIENTS": "b@example.org"}  # fmt: skip
    r = run("email", env=env)
    assert one_line(r, 2) == ("error: invalid setting email.port (from SMTP_PORT): Input should be greater than or "
                              "equal to 1\n")  # fmt: skip


def test_our_messages_are_never_read_as_emoji_or_markup(seeded: Path) -> None:
    """Rich turns ':-1:' into a thumbs-down and '[red]' into colour; our own lines must print as written."""
    from arxiv_digest.cli.terminal import SafeConsole

    console = SafeConsole(record=True, width=200)
    console.print("cannot reach SMTP server 127.0.0.1:-1: refused [red]x[/red] :smile:")
    assert console.export_text() == "cannot reach SMTP server 127.0.0.1:-1: refused [red]x[/red] :smile:\n"


@pytest.mark.parametrize("language", ["x" * 300, "a\nb", "..", "zh/../../x"])
def test_a_bad_language_flag_writes_nothing(seeded: Path, tmp_path: Path, language: str) -> None:
    out = tmp_path / "out"
    r = run("render", "-f", "jsonl", "--language", language, "--out", str(out))
    assert one_line(r, 2).startswith("error: invalid setting language: must be a language name")
    assert not out.exists()


def test_a_port_out_of_range_is_bad_input_before_the_demo_runs(tmp_path: Path) -> None:
    r = run("demo", "--serve", "--port", "99999", "--data-dir", str(tmp_path / "demo"))
    assert one_line(r, 2) == "error: --port 99999 is not a TCP port (0 to 65535; 0 picks a free one)\n"
    assert not (tmp_path / "demo").exists() and not Path("arxiv-digest-site").exists()


# ---------------------------------------------------------------- the store


def test_a_store_with_damaged_pages_is_one_store_error(seeded: Path) -> None:
    db = seeded / "arxiv-digest.db"
    size = db.stat().st_size
    assert size > 100 * 4096 and not (seeded / "arxiv-digest.db-wal").exists()  # checkpointed on close
    with db.open("r+b") as f:  # the schema (the first pages) opens; the second half of the file is noise
        f.seek(size // 2)
        f.write(os.urandom(size - size // 2))
    for args in (["status"], ["render", "-f", "markdown"]):
        line = one_line(run(*args), 1)
        assert line == "error: the store cannot be read or written: database disk image is malformed\n"


def test_a_store_from_a_newer_version_is_refused_naming_both(seeded: Path) -> None:
    with sqlite3.connect(seeded / "arxiv-digest.db") as db:
        db.execute("INSERT INTO _migrations VALUES ('m042_from_the_future', '2027-01-01T00:00:00+00:00')")
    ours = MIGRATIONS[-1].__name__
    for args in (["status"], ["render", "-f", "markdown"]):
        line = one_line(run(*args), 1)
        assert line == (f"error: cannot open store in {seeded}: the store was made by a newer arxiv-digest (its "
                        f"latest migration is m042_from_the_future; this is arxiv-digest 0.1.0, whose latest is "
                        f"{ours}); upgrade arxiv-digest\n")  # fmt: skip
    assert not Path("arxiv-digest-site").exists()
