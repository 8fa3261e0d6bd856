"""The archive part of the site without a browser: its files, the trends' numbers and drawings, and what
rendering a new day rewrites (and what it leaves alone)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest

from arxiv_digest.config import Settings
from arxiv_digest.render.html import render_site
from arxiv_digest.render.tokens import Tokenizer
from arxiv_digest.render.trends import category_chart, day_title_terms, hits_chart, title_terms, word_trends
from arxiv_digest.store import Store
from browser_util import add_papers
from site_pages import card_markup

CATS = ["cs.LG", "stat.ML"]


def _manifest(site: Path) -> dict[str, Any]:
    text = (site / "archive" / "index.js").read_text("utf-8")
    assert text.startswith('digestData("index",')
    return dict(json.loads(text[len('digestData("index",') : text.rindex(")")]))


def _papers(day: date, n: int, title: str = "Graph paper {i}", **kw: Any) -> list[dict[str, Any]]:
    return [{"index": i + 1, "id": f"{day:%y%m}.{day.day:02d}{i:03d}", "title": title.format(i=i),
             "authors": ["Ada Lovelace"], "category": CATS[i % 2], "abstract": "About graphs.", "tldr": "图。",
             "motivation": "动机。", "method": "方法。", "result": "结果。", "conclusion": "结论。", **kw}
            for i in range(n)]  # fmt: skip


def test_archive_files_and_manifest(tmp_path: Path) -> None:
    settings = Settings(categories=CATS, language="Chinese", data_dir=tmp_path / "data",
                        profile={"keywords": ["graph"], "authors": ["Ada Lovelace"]})  # fmt: skip
    xss = '<img src=x onerror="alert(1)"> $x$'
    with Store.open(settings.data_dir) as store:
        add_papers(store, date(2026, 1, 5), _papers(date(2026, 1, 5), 3))
        add_papers(store, date(2026, 2, 2), _papers(date(2026, 2, 2), 2, title=xss + " {i}"))
        site = render_site(settings, store, tmp_path / "site")
    for name in ["search.html", "range.html", "saved.html", "trends.html", "weekly.atom", "2026-W02.html",
                 "2026-W06.html", "archive/days-2/2026-01-05.js", "archive/days-2/2026-02-02.js"]:  # fmt: skip
        assert (site / name).is_file(), name
    m = _manifest(site)
    assert m["days"] == [["2026-01-05", 3, [["cs.LG", 2], ["stat.ML", 1]]],
                         ["2026-02-02", 2, [["cs.LG", 1], ["stat.ML", 1]]]]  # fmt: skip
    assert (m["keywords"], m["authors"], m["categories"]) == (["graph"], ["Ada Lovelace"], CATS)
    assert m["ui"]["lang"] == "zh-Hans" and m["names"]["cs.LG"] == "Machine Learning"
    # a day's file: the day page's own cards, escaped there
    html = card_markup(site / "archive/days-2/2026-02-02.js")
    cards = lxml.html.fragments_fromstring(html)
    assert [c.get("id") for c in cards] == ["2602.02000", "2602.02001"]
    assert cards[0].xpath(".//h3/a")[0].text_content() == xss + " 0"
    assert "<img" not in html and "&lt;img" in html
    # the calendar links every day and its week
    index = lxml.html.fromstring((site / "index.html").read_bytes())
    assert index.xpath('//td[@class="has"]/a/@href') == ["2026-02-02.html", "2026-01-05.html"]
    assert set(index.xpath('//td[@class="wk"]/a/@href')) == {"2026-W02.html", "2026-W06.html"}


def _inodes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def test_a_new_day_rewrites_only_what_it_changes(tmp_path: Path) -> None:
    """The day, its neighbour's page (its next-day link), the index, the week, the manifest, the latest
    month's search files, trends and the feeds; every other file keeps its inode."""
    settings = Settings(categories=CATS, data_dir=tmp_path / "data")
    days = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 2, 2), date(2026, 2, 3)]
    new = date(2026, 2, 4)
    with Store.open(settings.data_dir) as store:
        for d in days:
            add_papers(store, d, _papers(d, 4))
        site = render_site(settings, store, tmp_path / "site")
        before = _inodes(site)
        add_papers(store, new, _papers(new, 4))
        render_site(settings, store, site, days=[new])
    after = _inodes(site)
    rewritten = {k for k in after if before.get(k) != after[k]}
    kept = {k for k in before if after.get(k) == before[k]}
    assert {"2026-02-04.html", "archive/days-2/2026-02-04.js", "2026-02-03.html", "index.html", "2026-W06.html",
            "archive/index.js", "trends.html", "weekly.atom"} <= rewritten  # fmt: skip
    for name in ["2026-01-05.html", "2026-01-06.html", "2026-02-02.html", "archive/days-2/2026-01-05.js",
                 "archive/days-2/2026-02-03.js", "2026-W02.html", "search.html", "range.html",
                 "saved.html"]:  # fmt: skip
        assert name in kept, name
    assert not [k for k in rewritten if (k.startswith("archive/search/") and "/2026-01-" in k) or "/base-" in k]
    assert [k for k in rewritten if k.startswith("archive/search/recent-")]
    pages = {k for k in rewritten if k.endswith(".html")}
    assert pages == {"2026-02-04.html", "2026-02-03.html", "index.html", "2026-W06.html", "trends.html"}


def test_words_rising_and_falling() -> None:
    """A word that goes from rare to common in titles rises, one that fades falls; the reader's keyword
    is marked; counts per day come from titles (words and word pairs, plurals folded)."""
    assert title_terms(Tokenizer(), "Graph Neural Networks for Graphs") == {
        "graph", "neural", "network", "graph neural", "neural network", "network graph"}  # fmt: skip
    start = date(2026, 1, 5)
    days: list[tuple[date, list[tuple[str, int]]]] = []
    terms: dict[date, dict[str, int]] = {}
    for w in range(12):
        day = start + timedelta(weeks=w)
        late = w >= 8
        titles = [f"{'diffusion' if late and i < 30 else 'transformer' if not late and i < 30 else 'plain'} models {i}"
                  for i in range(40)]  # fmt: skip
        days.append((day, [("cs.LG", 40)]))
        terms[day] = day_title_terms(titles)
    rising, falling, windows = word_trends(days, terms, ["diffusion models"])
    top = {t.term: t for t in rising[:2]}
    assert set(top) == {"diffusion", "diffusion model"}
    assert (top["diffusion"].recent, top["diffusion"].before) == (120, 0)
    assert top["diffusion model"].mine and not top["diffusion"].mine  # the keyword is the pair
    assert falling[0].term.startswith("transformer") and not falling[0].mine
    assert windows == {"n": 4, "first": "2026-W10", "last": "2026-W13", "before": 8}
    # the sparkline is drawn, and stays inside its box
    svg = lxml.etree.fromstring(str(rising[0].spark))
    assert svg.tag == "svg" and svg.get("viewBox") == "0 0 90 22"


def test_charts_are_svg_coloured_by_css() -> None:
    counts = [(date(2026, 1, 5) + timedelta(days=i), [("cs.LG", 10 + i), ("stat.ML", 3), ("math.ST", 1)])
              for i in range(5)]  # fmt: skip
    svg, legend = category_chart(counts, CATS)
    tree = lxml.etree.fromstring(str(svg))
    lines = tree.findall("polyline")
    assert [ln.findtext("title") for ln in lines] == ["cs.LG", "stat.ML", "math.ST"]
    assert legend == [("c0", "cs.LG"), ("c1", "stat.ML"), ("c2", "math.ST")]
    assert not re.search(r'(fill|stroke)="#', str(svg))  # colours come from classes: dark mode restyles them
    assert tree.findall("rect/title")[0].text == "2026-01-05: cs.LG 10, stat.ML 3, math.ST 1"
    # keyword hits per week, a gap for a week that was not ranked
    reasons = [(date(2026, 1, 5), ["keyword: graph"]), (date(2026, 1, 6), ["keyword: graph", "author: X"]),
               (date(2026, 1, 20), ["keyword: Graph"])]  # fmt: skip
    hits, hit_legend = hits_chart(reasons, ["graph"])
    assert hit_legend == [("c0", "graph")] and hits is not None
    tree = lxml.etree.fromstring(str(hits))
    # W02 (2 hits) and W04 (1), W03 never ranked: a gap, so two one-week runs, each a dot
    assert len(tree.findall("polyline")) == 2 and len(tree.findall("circle")) == 2
    assert [r.findtext("title") for r in tree.findall("rect")] == ["2026-W02: graph 2", "2026-W03: not ranked",
                                                                    "2026-W04: graph 1"]  # fmt: skip


def test_the_index_lists_the_latest_days_and_the_calendar_has_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arxiv_digest.render import archive

    monkeypatch.setattr(archive, "INDEX_DAYS", 2)
    settings = Settings(categories=CATS, language="English", data_dir=tmp_path / "data")
    days = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7), date(2026, 2, 2)]
    with Store.open(settings.data_dir) as store:
        for d in days:
            add_papers(store, d, _papers(d, 2))
        site = render_site(settings, store, tmp_path / "site")
    index = lxml.html.fromstring((site / "index.html").read_bytes())
    assert index.xpath('//ol[@class="day-list"]//a[@class="day-link"]/@href') == ["2026-02-02.html", "2026-01-07.html"]
    older = index.xpath('//p[contains(@class, "index-older")]')[0]
    assert older.text_content().startswith("2 older days are in the calendar above.")
    assert older.xpath(".//a/@href") == ["range.html?from=2026-01-05&to=2026-01-06"]
    assert len(index.xpath('//td[@class="has"]/a')) == 4


def test_day_files_of_an_older_format_are_replaced(tmp_path: Path) -> None:
    settings = Settings(categories=CATS, data_dir=tmp_path / "data")
    day = date(2026, 1, 5)
    with Store.open(settings.data_dir) as store:
        add_papers(store, day, _papers(day, 2))
        site = render_site(settings, store, tmp_path / "site")
        (site / "archive/days").mkdir()
        (site / "archive/days/2026-01-05.js").write_text('digestData("days/2026-01-05",{"cards":"<p>old</p>"});')
        render_site(settings, store, site, days=[])  # nothing rendered again, yet the format moved on
    assert not (site / "archive/days").exists() and (site / "archive/days-2/2026-01-05.js").is_file()
    assert _manifest(site)["days_dir"] == "days-2"


def test_each_reader_gets_an_archive_of_their_own(tmp_path: Path) -> None:
    """With [[readers]], a reader's site searches and lists their categories' papers only."""
    from arxiv_digest.readers import reader_settings

    top = Settings.model_validate({
        "categories": CATS, "data_dir": tmp_path / "data", "output": {"site_dir": str(tmp_path / "site")},
        "readers": [{"name": "ml", "categories": ["cs.LG"]}, {"name": "stats", "categories": ["stat.ML"]}],
    })  # fmt: skip
    day = date(2026, 1, 5)
    with Store.open(top.data_dir) as store:
        add_papers(store, day, _papers(day, 4))  # cs.LG and stat.ML in turn
        for reader in reader_settings(top):
            render_site(reader, store, Path(reader.output.site_dir))
    for name, cat in (("ml", "cs.LG"), ("stats", "stat.ML")):
        m = _manifest(tmp_path / "site" / name)
        assert m["days"] == [["2026-01-05", 2, [[cat, 2]]]] and m["categories"] == [cat]
        assert [n for _, n in m["search"]["months"][0]["days"]] == [2]  # the index holds their two papers
