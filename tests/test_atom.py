"""The site's feeds: valid Atom that a real feed reader (feedparser) reads back, at stable URLs, small, with
the day's real categories, languages marked, self and site links, announcement times, and everything escaped;
plus the OPML file that lists them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from arxiv_digest.config import FeedSearch, FeedSettings, OutputSettings, ProfileSettings, Settings
from arxiv_digest.models import Paper
from arxiv_digest.records import announced_at
from arxiv_digest.render.atom import ATOM, XML_LANG
from arxiv_digest.render.feeds import slug, write_feeds
from arxiv_digest.store import AnnouncementRow, Store
from seedstore import SEED_CATEGORIES, SEED_DAY, fill_seed, seed_summary

NS = {"a": ATOM}
# arXiv announced 2026-01-28's listing on the 27th at 20:00 New York time (EST, UTC-5)
ANNOUNCED = "2026-01-28T01:00:00Z"


def _settings(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", **kw)


@pytest.fixture
def store(tmp_path: Path, seed_papers: list[dict[str, Any]]) -> Any:
    with Store.open(tmp_path / "data") as s:
        fill_seed(s, seed_papers)
        yield s


def _parse(path: Path) -> Any:
    f = feedparser.parse(path.read_bytes())
    assert not f.bozo, f.get("bozo_exception")
    assert f.version == "atom10"
    return f


def test_announcement_instant_follows_new_york_time() -> None:
    assert announced_at(date(2026, 1, 28)).astimezone(UTC) == datetime(2026, 1, 28, 1, 0, tzinfo=UTC)  # EST
    assert announced_at(date(2026, 7, 1)).astimezone(UTC) == datetime(2026, 7, 1, 0, 0, tzinfo=UTC)  # EDT
    assert announced_at(date(2026, 9, 28)).strftime("%A %H:%M") == "Sunday 20:00"  # Monday's listing


def test_main_feed_is_one_entry_per_day_with_its_real_categories(store: Store, tmp_path: Path) -> None:
    # no categories configured: the default (cs.LG) must not name a feed of eess.SP, cs.LG and stat.ML papers
    site = tmp_path / "site"
    assert write_feeds(_settings(tmp_path), store, site) == site / "feed.atom"
    f = _parse(site / "feed.atom")
    assert f.feed.title == "arXiv digest: cs.LG, eess.SP, stat.ML"  # the followed one first, as on the page
    assert f.feed.language == "zh"
    links = {link.rel: link.href for link in f.feed.links}
    assert links == {"self": "feed.atom", "alternate": "index.html"}
    assert f.feed.updated == ANNOUNCED
    (entry,) = f.entries
    assert entry.title == "2026-01-28: 131 papers in cs.LG, eess.SP, stat.ML"
    assert entry.link == "2026-01-28.html"
    assert entry.published == entry.updated == ANNOUNCED
    html = entry.content[0].value
    assert "<h3>eess.SP (" in html and html.count("<li>") == 131 and 'href="2026-01-28.html#' in html
    root = etree.parse(str(site / "feed.atom")).getroot()
    assert root.get(XML_LANG) == "zh" and root.find("a:title", NS).get(XML_LANG) == "en"


def test_category_feeds_mark_english_titles_and_chinese_summaries(store: Store, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_feeds(_settings(tmp_path, categories=SEED_CATEGORIES), store, site)
    by_cat = {c: _parse(site / "feeds" / f"{c}.atom") for c in SEED_CATEGORIES}
    sizes = {c: len(f.entries) for c, f in by_cat.items()}
    assert sum(sizes.values()) == 131 and all(sizes.values())
    f = by_cat["cs.LG"]
    assert f.feed.title == "arXiv digest: cs.LG (Machine Learning)"
    assert {link.rel: link.href for link in f.feed.links} == {"self": "cs.LG.atom", "alternate": "../index.html"}
    e = f.entries[0]
    assert e.id == e.link == f"https://arxiv.org/abs/{e.id.rsplit('/', 1)[1]}"  # no site_url: arXiv's page
    assert e.updated == e.published == ANNOUNCED and all(t.term for t in e.tags)
    assert "TL;DR:</b>" in e.content[0].value and "Abstract" not in e.content[0].value  # small: no abstract
    root = etree.parse(str(site / "feeds" / "cs.LG.atom")).getroot()
    entry = root.find("a:entry", NS)
    assert entry.find("a:title", NS).get(XML_LANG) == "en"
    assert entry.find("a:summary", NS).get(XML_LANG) == "zh" and entry.find("a:content", NS).get(XML_LANG) == "zh"


def test_site_url_makes_every_link_absolute(store: Store, tmp_path: Path) -> None:
    s = _settings(tmp_path, categories=SEED_CATEGORIES, output=OutputSettings(site_url="https://me.example.org/d/"))
    site = tmp_path / "site"
    write_feeds(s, store, site)
    f = _parse(site / "feeds" / "stat.ML.atom")
    assert {link.rel: link.href for link in f.feed.links} == {
        "self": "https://me.example.org/d/feeds/stat.ML.atom", "alternate": "https://me.example.org/d/index.html"}
    e = f.entries[0]
    assert e.link == f"https://me.example.org/d/2026-01-28.html#{e.id.rsplit('/', 1)[1]}"
    assert any(link.href == e.id and link.rel == "related" for link in e.links)
    main = _parse(site / "feed.atom")
    assert main.entries[0].link == "https://me.example.org/d/2026-01-28.html"


def test_feeds_stay_small_and_recent(store: Store, tmp_path: Path, seed_papers: list[dict[str, Any]]) -> None:
    """A second, later day: the feeds cover the most recent `days`, at most `max_entries` each."""
    later = date(2026, 1, 29)
    with store.transaction():
        for i in range(30):
            store.upsert_paper(Paper(id=f"2601.9{i:04d}", version=1, title=f"Later {i}", authors=["A"],
                                     abstract="x", categories=["cs.LG"]))  # fmt: skip
        store.add_announcements(later, [AnnouncementRow(f"2601.9{i:04d}", "cs.LG", "new", i, False) for i in range(30)])
    site = tmp_path / "site"
    s = _settings(tmp_path, categories=SEED_CATEGORIES, feeds=FeedSettings(days=1, max_entries=10))
    write_feeds(s, store, site)
    main = _parse(site / "feed.atom")
    assert [e.title for e in main.entries] == ["2026-01-29: 30 papers in cs.LG"]
    assert main.feed.title == "arXiv digest: cs.LG"  # the days the feed covers
    assert [e.title for e in _parse(site / "feeds" / "cs.LG.atom").entries] == [f"Later {i}" for i in range(10)]
    assert _parse(site / "feeds" / "eess.SP.atom").entries == []  # an empty feed is still valid
    write_feeds(_settings(tmp_path, categories=SEED_CATEGORIES), store, site, until=SEED_DAY)
    assert [e.title[:10] for e in _parse(site / "feed.atom").entries] == ["2026-01-28"]
    # pending papers of the later day show their marker and the abstract
    write_feeds(_settings(tmp_path, categories=SEED_CATEGORIES, language="English"), store, site)
    pending = _parse(site / "feeds" / "cs.LG.atom").entries[0]
    assert pending.summary == "Summary pending - showing the abstract."
    assert "Abstract:</b> x" in pending.content[0].value
    # small: a summarized paper costs about 2 KB (no abstract), so the default 200 entries stay under 500 KB
    write_feeds(_settings(tmp_path, categories=SEED_CATEGORIES), store, site, until=SEED_DAY)
    size, n = (site / "feeds" / "cs.LG.atom").stat().st_size, len(_parse(site / "feeds" / "cs.LG.atom").entries)
    assert size / n < 2_500, (size, n)


def test_rendering_again_gives_the_same_bytes(store: Store, tmp_path: Path) -> None:
    s = _settings(tmp_path, categories=SEED_CATEGORIES)
    write_feeds(s, store, tmp_path / "a")
    write_feeds(s, store, tmp_path / "b")
    for name in ("feed.atom", "feeds/cs.LG.atom", "feeds.opml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_top_picks_and_saved_search_feeds(store: Store, tmp_path: Path) -> None:
    ids = ["2601.19853", "2601.19312"]
    store.save_scores(SEED_DAY, "kw", [(ids[0], 3.0, ["keyword: diffusion"]), (ids[1], 1.0, ["author: X"])])
    searches = [FeedSearch(name="Diffusion", query="扩散"), FeedSearch(name="通信", query="diffusion 模型")]
    s = _settings(tmp_path, categories=SEED_CATEGORIES, profile=ProfileSettings(keywords=["diffusion"]),
                  feeds=FeedSettings(searches=searches))  # fmt: skip
    site = tmp_path / "site"
    write_feeds(s, store, site)
    picks = _parse(site / "feeds" / "picks.atom")
    assert [e.id.rsplit("/", 1)[1] for e in picks.entries] == ids
    assert "<b>Why:</b> keyword: diffusion" in picks.entries[0].content[0].value
    two_chars = _parse(site / "feeds" / "search-diffusion.atom")  # a 2-character Chinese query
    assert len(two_chars.entries) == 8 and two_chars.feed.title == "arXiv digest: search “Diffusion”"
    assert all("扩散" in e.content[0].value for e in two_chars.entries)
    mixed = _parse(site / "feeds" / f"search-{slug('通信')}.atom")
    assert 0 < len(mixed.entries) < 8
    main = _parse(site / "feed.atom").entries[0].content[0].value
    assert main.index("<h3>Top picks</h3>") < main.index("<h3>eess.SP")


def test_opml_lists_every_feed(store: Store, tmp_path: Path) -> None:
    s = _settings(tmp_path, categories=SEED_CATEGORIES, feeds=FeedSettings(searches=[FeedSearch(name="x", query="y")]))
    site = tmp_path / "site"
    write_feeds(s, store, site)
    root = etree.parse(str(site / "feeds.opml")).getroot()
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/dateCreated") == "Tue, 27 Jan 2026 20:00:00 -0500"
    urls = [o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")]
    assert urls == ["feed.atom", "feeds/eess.SP.atom", "feeds/cs.LG.atom", "feeds/stat.ML.atom", "feeds/search-x.atom"]
    for url in urls:
        _parse(site / url)
    assert [o.get("text") for o in root.find("body")] == ["Digest", "Categories", "Searches"]


def test_markup_in_arxiv_text_stays_text(tmp_path: Path) -> None:
    title = 'Attack <script>alert("x")</script> & <img src=x onerror=alert(1)> \x07bell'
    with Store.open(tmp_path / "data") as s:
        with s.transaction():
            s.upsert_paper(Paper(id="2601.00001", version=1, title=title, authors=["<b>Eve</b>"],
                                 abstract="a < b && c > d", categories=["cs.LG"]))  # fmt: skip
            s.add_announcements(SEED_DAY, [AnnouncementRow("2601.00001", "cs.LG", "new", 1, False)])
        bad = {k: "<script>bad()</script>" for k in ("tldr", "motivation", "method", "result", "conclusion")}
        s.save_summary("2601.00001", seed_summary(bad, language="English"))
        write_feeds(_settings(tmp_path, language="English"), s, tmp_path / "site")
    for name in ("feed.atom", "feeds/cs.LG.atom"):
        root = etree.parse(str(tmp_path / "site" / name)).getroot()
        assert not root.xpath("//*[local-name()='script' or local-name()='img']")  # no element was injected
    f = _parse(tmp_path / "site" / "feeds" / "cs.LG.atom")
    e = f.entries[0]
    assert e.title == 'Attack <script>alert("x")</script> & <img src=x onerror=alert(1)> bell'
    assert e.authors[0].name == "<b>Eve</b>" and e.summary == "<script>bad()</script>"
    raw = etree.parse(str(tmp_path / "site" / "feeds" / "cs.LG.atom")).getroot().find("a:entry/a:content", NS).text
    assert "&lt;script&gt;bad()&lt;/script&gt;" in raw
    main = etree.parse(str(tmp_path / "site" / "feed.atom")).getroot().find("a:entry/a:content", NS).text
    assert "&lt;script&gt;alert" in main and "<script>" not in main
