"""The site's JSON data files: what a script gets without a browser, checked against the published schemas."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import lxml.html
import pytest

from arxiv_digest.config import OutputSettings, Settings
from arxiv_digest.render import render_day
from arxiv_digest.render.html import render_site
from arxiv_digest.store import AnnouncementRow, Store
from seedstore import SEED_CATEGORIES, SEED_DAY, fill_seed, seed_paper
from site_pages import page_doc

LATER = date(2026, 1, 29)


@pytest.fixture
def store(tmp_path: Path, seed_papers: list[dict[str, Any]]) -> Any:
    with Store.open(tmp_path / "data") as s:
        fill_seed(s, seed_papers[:-1])
        s.save_scores(SEED_DAY, "kw", [(seed_papers[0]["id"], 2.0, ["keyword: channel"])])
        last = seed_papers[-1]
        with s.transaction():  # a second day, one paper, no summary yet
            s.upsert_paper(seed_paper(last))
            s.add_announcements(LATER, [AnnouncementRow(last["id"], last["category"], "new", 1, False)])
        s.record_failure(last["id"], "Chinese", "m", "v1", "timeout")
        yield s


def _json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def _lines(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_days_and_day_files(store: Store, tmp_path: Path, seed_papers: list[dict[str, Any]]) -> None:
    settings = Settings(categories=SEED_CATEGORIES, data_dir=tmp_path / "data")
    site = render_site(settings, store, tmp_path / "site")
    days = _json(site / "data" / "days.json")
    assert (days["schema"], days["version"], days["language"]) == ("arxiv-digest/days", 2, "Chinese")
    assert [(d["date"], d["papers"], d["data_url"]) for d in days["days"]] == [
        ("2026-01-29", 1, "data/2026-01-29_AI_enhanced_Chinese.jsonl"),
        ("2026-01-28", 130, "data/2026-01-28_AI_enhanced_Chinese.jsonl")]  # fmt: skip
    assert list(days["days"][1]["categories"]) == SEED_CATEGORIES  # the reader's order
    assert days["days"][1]["announced_at"] == "2026-01-27T20:00:00-05:00"
    assert sorted(p.name for p in (site / "data").iterdir()) == [  # no plain JSONL unless output.plain_jsonl
        "2026-01-28_AI_enhanced_Chinese.jsonl", "2026-01-29_AI_enhanced_Chinese.jsonl", "days.json",
        "days.schema.json", "paper.schema.json"]  # fmt: skip

    papers = _lines(site / days["days"][1]["data_url"])
    assert len(papers) == 130 and [p["id"] for p in papers if "pick" in p] == [seed_papers[0]["id"]]
    first = next(p for p in papers if p["id"] == seed_papers[0]["id"])
    assert first["AI"]["tldr"] == seed_papers[0]["tldr"] and first["summary"] == seed_papers[0]["abstract"]
    assert first["score"] == 2.0 and first["reasons"] == ["keyword: channel"] and first["pick"] == 1
    assert first["section"] == seed_papers[0]["category"] and first["abs"].startswith("https://arxiv")
    (pending,) = _lines(site / days["days"][0]["data_url"])
    assert "AI" not in pending and pending["pending"] == "timeout"
    assert pending["summary"] == seed_papers[-1]["abstract"]

    schema = _json(site / "data" / "paper.schema.json")  # valid against the schemas published beside them
    for line in [*papers, pending]:
        jsonschema.validate(line, schema)
    jsonschema.validate(days, _json(site / "data" / "days.schema.json"))
    # every card's anchor on the page is a paper of the file
    doc = page_doc(site / "2026-01-28.html")
    assert {p["id"] for p in papers} <= set(doc.xpath("//article/@id"))


def test_site_links_its_feeds_and_data(store: Store, tmp_path: Path) -> None:
    settings = Settings(categories=SEED_CATEGORIES, data_dir=tmp_path / "data", language="English",
                        output=OutputSettings(site_dir=str(tmp_path / "site"), site_url="https://me.example.org/"))
    render_day(settings, store, LATER, "atom")
    for day in (SEED_DAY, LATER):
        render_day(settings, store, day, "html")
    site = tmp_path / "site"
    for page in ("index.html", "2026-01-28.html"):
        doc = lxml.html.fromstring((site / page).read_bytes())
        assert doc.xpath('//head/link[@rel="alternate"][@type="application/atom+xml"]/@href') == ["feed.atom"]
        footer = [(a.text, a.get("href")) for a in doc.xpath('//p[@class="feed-links"]/a')]
        assert footer == [
            ("Atom feed", "feed.atom"), ("all feeds (OPML)", "feeds.opml"), ("JSON data", "data/days.json")]
    first = _json(site / "data" / "days.json")["days"][0]
    assert first["page_url"] == "https://me.example.org/2026-01-29.html"
    assert first["data_url"] == "https://me.example.org/data/2026-01-29_AI_enhanced_English.jsonl"


def test_an_older_site_gets_the_files_of_days_it_already_had(store: Store, tmp_path: Path) -> None:
    settings = Settings(categories=SEED_CATEGORIES, data_dir=tmp_path / "data")
    site = render_site(settings, store, tmp_path / "site")
    (site / "data" / "2026-01-28_AI_enhanced_Chinese.jsonl").unlink()  # as a site from before the data files
    (site / "data" / "2026-01-28.json").write_text("{}", "utf-8")  # and version 1's day record
    render_site(settings, store, site, days=[LATER])
    assert len(_lines(site / "data" / "2026-01-28_AI_enhanced_Chinese.jsonl")) == 130
    assert not (site / "data" / "2026-01-28.json").exists()
