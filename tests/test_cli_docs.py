"""Every command has help text and is documented in the README (docs-driven, like sqlite-utils)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from arxiv_digest.cli import app

README = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_there_are_commands() -> None:
    assert {"fetch", "summarize", "render", "run", "demo"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_and_is_in_readme(name: str) -> None:
    cmd = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    assert (cmd.help or "").strip(), f"{name} has no help text"
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"arxiv-digest {name}" in README, f"README does not document `arxiv-digest {name}`"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_takes_data_dir_and_config(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"])
    if name not in {"serve"}:
        assert "--data-dir" in result.output
        assert "--config" in result.output


def test_an_unexpected_failure_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    import arxiv_digest.cli.fetch as fetch_cli

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(fetch_cli, "store_status", broken)
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: unexpected ZeroDivisionError: division by zero (this is a bug; rerun with --debug and report "
        "the traceback)\n"
    )
    monkeypatch.setenv("ARXIV_DIGEST_DEBUG", "1")
    result = CliRunner().invoke(app, ["status"])
    assert isinstance(result.exception, ZeroDivisionError)  # --debug: the real traceback
