"""The weekly digest: what it counts and picks, its Markdown, page and feed, the `week` command, and its
e-mail through a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.config import Settings
from arxiv_digest.errors import InvalidDate
from arxiv_digest.render.week import build_week, parse_week, render_week_atom, render_week_markdown, week_bounds
from arxiv_digest.store import Store
from browser_util import add_papers
from test_email import Inbox, inbox  # noqa: F401  (the SMTP server fixture)

CATS = ["cs.LG", "stat.ML"]
MON, TUE, WED, NEXT_MON = date(2026, 1, 26), date(2026, 1, 27), date(2026, 1, 28), date(2026, 2, 2)


def _paper(day: date, i: int, category: str, score: float | None = None, **kw: Any) -> dict[str, Any]:
    p = {"index": i, "id": f"{day:%y%m}.{day.day:02d}{i:03d}", "title": f"Paper {i} of {day}", "category": category,
         "authors": ["Ada Lovelace"], "abstract": "An abstract.", "tldr": f"概要 {i}。", "motivation": "动机。",
         "method": "方法。", "result": "结果。", "conclusion": "结论。"}  # fmt: skip
    if score is not None:
        p["score"], p["reasons"] = score, [f"keyword: k{i}"]
    p.update(kw)
    return p


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(categories=CATS, language="Chinese", data_dir=tmp_path / "data",
                    output={"site_dir": str(tmp_path / "site")})  # fmt: skip


@pytest.fixture
def store(settings: Settings) -> Any:
    with Store.open(settings.data_dir) as s:
        add_papers(s, MON, [_paper(MON, 1, "cs.LG", 0.5), _paper(MON, 2, "stat.ML", 2.0), _paper(MON, 3, "cs.LG")])
        add_papers(s, TUE, [_paper(TUE, 1, "cs.LG", 1.0), _paper(TUE, 2, "cs.LG", 0.0)])
        add_papers(s, WED, [_paper(WED, 1, "math.ST", 3.0, categories=["math.ST"])])
        add_papers(s, NEXT_MON, [_paper(NEXT_MON, 1, "cs.LG", 9.0)])  # another week
        yield s


def test_parse_week() -> None:
    assert parse_week("2026-W05") == "2026-W05" == parse_week("2026-01-28") == parse_week("2026-w05")
    assert week_bounds("2026-W05") == (date(2026, 1, 26), date(2026, 2, 1))
    for bad in ("2026-W54", "2026-13-01", "next week"):
        with pytest.raises(InvalidDate):
            parse_week(bad)


def test_counts_and_picks_of_the_week(settings: Settings, store: Store) -> None:
    wd = build_week(settings, store, "2026-W05")
    assert [d.day for d in wd.days] == [MON, TUE, WED]
    assert wd.categories == ["cs.LG", "stat.ML", "math.ST"]  # followed first, others after
    assert [(d.papers, d.categories) for d in wd.days] == [
        (3, {"cs.LG": 2, "stat.ML": 1}), (2, {"cs.LG": 2}), (1, {"math.ST": 1})]  # fmt: skip
    assert (wd.papers, wd.total("cs.LG")) == (6, 4)
    # the best scores of every day of the week, with their reasons; a score without a reason is no pick
    assert [(p.day, p.entry.paper.title, p.entry.reasons) for p in wd.picks] == [
        (WED, f"Paper 1 of {WED}", ["keyword: k1"]), (MON, f"Paper 2 of {MON}", ["keyword: k2"]),
        (TUE, f"Paper 1 of {TUE}", ["keyword: k1"]), (MON, f"Paper 1 of {MON}", ["keyword: k1"]),
    ]  # fmt: skip
    assert wd.picks[0].entry.summary is not None and wd.picks[0].entry.summary.summary.tldr == "概要 1。"
    assert wd.themes == []  # no themes stored for the week


def test_markdown_and_feed(settings: Settings, store: Store) -> None:
    wd = build_week(settings, store, "2026-W05")
    md = render_week_markdown(wd)
    assert md.startswith("# arXiv weekly digest 2026-W05 (26 Jan – 01 Feb 2026)\n\n6 papers on 3 days.\n")
    assert "| cs.LG | 2 | 2 | 0 | 4 |\n" in md and "| **all** | 3 | 2 | 1 | **6** |\n" in md
    assert f"1. [Paper 1 of {WED}](https://arxiv.org/abs/2601.28001) (2026-01-28, math.ST)\n   - why: keyword: k1" in md
    assert "[on the day page](2026-01-28.html#2601.28001)" in md
    assert "- [Monday, 26 January 2026](2026-01-26.html): 3 papers ([Markdown](2026-01-26.md))" in md
    weeks = [build_week(settings, store, w) for w in ("2026-W06", "2026-W05")]
    feed = feedparser.parse(render_week_atom(weeks, "Chinese"))
    assert not feed.bozo, feed.bozo_exception
    assert [e.link for e in feed.entries] == ["2026-W06.html", "2026-W05.html"]
    assert "Paper 1 of 2026-01-28" in feed.entries[1].content[0].value


def test_week_command_writes_every_output(settings: Settings, store: Store, tmp_path: Path) -> None:
    store.close()
    result = CliRunner().invoke(app, ["week", "--date", "2026-01-27", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    site = Path("arxiv-digest-site")  # the default site dir, in the test's working directory
    assert result.stdout.splitlines() == [
        "2026-W05: 6 papers on 3 days, 4 top picks, 0 themes",
        f"markdown: {site / '2026-W05.md'}", f"    html: {site / '2026-W05.html'}", f"    atom: {site / 'weekly.atom'}",
    ]  # fmt: skip
    page = lxml.html.fromstring((site / "2026-W05.html").read_bytes())
    assert [a.get("href") for a in page.xpath('//ol[@class="pick-list"]//a')][:2] == [
        "2026-01-28.html#2601.28001", "2026-01-26.html#2601.26002"]  # fmt: skip
    assert page.xpath('//p[@class="downloads"]/a/@href') == ["2026-W05.md", "weekly.atom"]
    assert page.xpath('//a[contains(@href, "range.html?week=2026-W05")]')
    for day in (MON, TUE, WED):  # the week's days were not in the site: rendered too
        assert (site / f"{day.isoformat()}.html").is_file()
    assert not (site / f"{NEXT_MON.isoformat()}.html").exists()


def test_week_command_bad_input(settings: Settings, store: Store) -> None:
    store.close()
    args = ["--data-dir", str(settings.data_dir)]
    bad = CliRunner().invoke(app, ["week", "--date", "2026-02-30", *args])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: invalid date '2026-02-30'")
    empty = CliRunner().invoke(app, ["week", "--date", "2026-W20", *args])
    assert empty.exit_code == 1
    assert empty.stderr.strip() == ("error: no announcement stored in week 2026-W20 (2026-05-11 to 2026-05-17); "
                                    "run `arxiv-digest fetch`")  # fmt: skip


def test_week_by_email(
    settings: Settings, store: Store, inbox: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    store.close()
    box, port = inbox
    for k, v in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_SENDER": "digest@example.org",
                 "SMTP_RECIPIENTS": "me@example.org"}.items():  # fmt: skip
        monkeypatch.setenv(k, v)
    Path("arxiv-digest.toml").write_text('categories = "cs.LG,stat.ML"\n[email]\nsecurity = "none"\n')
    result = CliRunner().invoke(app, ["week", "--email", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "   email: sent to me@example.org" in result.stdout
    (_sender, rcpts, msg), = box.mails
    assert rcpts == ["me@example.org"]
    assert msg["Subject"] == "arXiv weekly digest 2026-W06 — 1 paper (cs.LG)"  # the latest day's week
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f"1. Paper 1 of {NEXT_MON}" in text and "TOP PICKS OF THE WEEK" in text
    assert "<h2>Top picks of the week</h2>" in html and f"Paper 1 of {NEXT_MON}" in html


def test_the_weeks_stored_themes_are_shown(settings: Settings, store: Store) -> None:
    from arxiv_digest.models import Theme

    ids = ["2601.26001", "2601.27001", "2601.26003", "2602.02001"]  # the last one is of another week
    stored = Theme(1, "graphs · kernels", ["graphs", "kernels"], ids, "About [1] and [2].")
    store.save_themes("week", MON, "fp", [stored])
    wd = build_week(settings, store, "2026-W05")
    (theme,) = wd.themes
    assert (theme.label, theme.overview, theme.papers) == ("graphs · kernels", "About [1] and [2].", 4)
    assert [(p.day, p.entry.paper.id) for p in theme.picks] == [(MON, "2601.26001"), (TUE, "2601.27001"),
                                                                  (MON, "2601.26003")]  # fmt: skip
    md = render_week_markdown(wd)
    assert "## Theme: graphs · kernels (4 papers)\n\nAbout [1] and [2].\n\n1. [Paper 1 of 2026-01-26]" in md
    from arxiv_digest.render.html import render_site

    site = render_site(settings, store, Path(settings.output.site_dir))
    page = lxml.html.fromstring((site / "2026-W05.html").read_bytes())
    section = page.xpath('//section[@class="theme"]')[0]
    assert section.xpath(".//h2")[0].text_content().startswith("graphs · kernels")
    assert section.xpath(".//p")[0].text_content() == "About [1] and [2]."
    assert section.xpath(".//a/@href")[0] == "2026-01-26.html#2601.26001"
