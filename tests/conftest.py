"""Shared fixtures: every test runs in its own directory with its own data dir and a clean env."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import ENV_VARS

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "arxiv-real"
pytest_plugins = ["browser_fixtures"]  # the browser tests' fixtures: browser, site, visit


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's config, keys or data: cwd and data dir are per-test temps."""
    for var in [*ENV_VARS, "ARXIV_DIGEST_DEBUG"]:
        monkeypatch.delenv(var, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("ARXIV_DIGEST_DATA_DIR", str(tmp_path / "data"))
    # Themes embed every paper of a day (tens of seconds for the sample day): only the tests about them
    # turn them on (tests/test_themes.py), with titles only.
    monkeypatch.setenv("ARXIV_DIGEST_THEMES", "false")


@pytest.fixture(scope="session")
def seed_papers() -> list[dict[str, Any]]:
    """The 131 papers of the reference digest, parsed by scripts/seed_to_json.py."""
    return json.loads((FIXTURES / "seed-papers.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def seed_digest() -> str:
    return (FIXTURES / "seed-digest.md").read_text("utf-8")


@pytest.fixture
def seeded(seed_papers: list[dict[str, Any]]) -> Path:
    """The data dir (the per-test one) holding the reference day, summarized."""
    from arxiv_digest.store import Store
    from seedstore import fill_seed

    data = Path(os.environ["ARXIV_DIGEST_DATA_DIR"])
    with Store.open(data) as s:
        fill_seed(s, seed_papers)
    return data
