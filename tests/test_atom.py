"""The Atom feed: valid Atom that a real feed reader (feedparser) reads back, with everything escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from arxiv_digest.models import DayDigest, DayEntry, Paper
from arxiv_digest.render.atom import ATOM, render_atom
from arxiv_digest.store import Store
from seedstore import SEED_CATEGORIES, SEED_DAY, fill_seed, seed_summary

NS = {"a": ATOM}


@pytest.fixture
def seed_feed(tmp_path: Path, seed_papers: list[dict[str, Any]]) -> bytes:
    with Store.open(tmp_path / "data") as s:
        fill_seed(s, seed_papers)
        return render_atom(s.load_day(SEED_DAY, SEED_CATEGORIES, "Chinese"))


def test_feedparser_reads_every_paper(seed_feed: bytes, seed_papers: list[dict[str, Any]]) -> None:
    f = feedparser.parse(seed_feed)
    assert not f.bozo, f.get("bozo_exception")
    assert f.version == "atom10"
    assert f.feed.title == "arXiv digest 2026-01-28: eess.SP, cs.LG, stat.ML"
    assert f.feed.language == "zh"
    assert len(f.entries) == 131
    by_index = sorted(seed_papers, key=lambda p: p["index"])
    assert [e.title for e in f.entries] == [p["title"] for p in by_index]
    first, paper = f.entries[0], by_index[0]
    assert first.id == first.link == f"https://arxiv.org/abs/{paper['id']}"
    assert [a.name for a in first.authors] == paper["authors"]
    assert [t.term for t in first.tags] == ["eess.SP"]
    assert first.summary == paper["tldr"]
    content = first.content[0].value
    assert f"TL;DR:</b> {paper['tldr']}" in content
    for label in ("Motivation", "Method", "Result", "Conclusion", "Abstract"):
        assert f"<b>{label}:</b>" in content
    assert any(link.href == f"https://arxiv.org/pdf/{paper['id']}" for link in first.links)
    assert f.entries[0].updated_parsed[:3] == (2026, 1, 28)


def test_required_atom_elements(seed_feed: bytes) -> None:
    root = etree.fromstring(seed_feed)
    assert root.tag == f"{{{ATOM}}}feed"
    for tag in ("id", "title", "updated", "author/a:name"):
        assert root.find(f"a:{tag}", NS) is not None, tag
    assert root.findtext("a:id", namespaces=NS).startswith("urn:uuid:")
    for entry in root.iterfind("a:entry", NS):
        for tag in ("id", "title", "updated"):
            assert entry.findtext(f"a:{tag}", namespaces=NS), tag
        assert entry.find("a:link[@rel='alternate']", NS) is not None


def _digest(paper: Paper, **entry: Any) -> DayDigest:
    return DayDigest(SEED_DAY, ["cs.LG"], [DayEntry(paper, "cs.LG", 1, "new", False, **entry)], language="English")


def test_markup_in_arxiv_text_stays_text() -> None:
    title = 'Attack <script>alert("x")</script> & <img src=x onerror=alert(1)> \x07bell'
    p = Paper(id="2601.00001", version=1, title=title, authors=["<b>Eve</b>"], abstract="a < b && c > d",
              categories=["cs.LG"], updated=datetime(2026, 1, 27, 18, 0, tzinfo=UTC))  # fmt: skip
    xml = render_atom(_digest(p, summary=seed_summary({k: "<script>bad()</script>" for k in
                                                      ("tldr", "motivation", "method", "result", "conclusion")},
                                                     language="English")))  # fmt: skip
    root = etree.fromstring(xml)
    assert not root.xpath("//*[local-name()='script' or local-name()='img']")  # no element was injected
    f = feedparser.parse(xml)
    e = f.entries[0]
    assert e.title == 'Attack <script>alert("x")</script> & <img src=x onerror=alert(1)> bell'
    assert e.authors[0].name == "<b>Eve</b>"
    assert e.summary == "<script>bad()</script>"
    # the HTML content carries the text escaped, so a reader displays it rather than running it
    raw = root.find("a:entry/a:content", NS).text
    assert "&lt;script&gt;bad()&lt;/script&gt;" in raw and "a &lt; b &amp;&amp; c &gt; d" in raw
    assert e.updated == "2026-01-27T18:00:00Z" and f.feed.updated == "2026-01-28T00:00:00Z"


def test_pending_paper_shows_marker_and_abstract() -> None:
    p = Paper(id="2601.00002", version=1, title="T", authors=["A"], abstract="The abstract.", categories=["cs.LG"])
    f = feedparser.parse(render_atom(_digest(p, failure="timeout after 120 s")))
    e = f.entries[0]
    assert e.summary == "Summary pending - showing the abstract. (last attempt failed: timeout after 120 s)"
    assert "The abstract." in e.content[0].value and "TL;DR" not in e.content[0].value
