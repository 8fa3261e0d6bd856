"""The bundled sample day: every file parses with our parsers back to the reference digest's 131 papers.

Also: the files follow arXiv's real formats (compared with real captures), the manifest maps every
request to a file, and scripts/make_sample.py regenerates them byte for byte.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from arxiv_digest.models import Announcement, Paper
from arxiv_digest.sources.api import parse_api
from arxiv_digest.sources.listing import parse_listing
from arxiv_digest.sources.rss import parse_rss

ROOT = Path(__file__).resolve().parent.parent
REAL = Path(__file__).parent / "fixtures" / "arxiv-real"
CATEGORIES = ["eess.SP", "cs.LG", "stat.ML"]
COUNTS = {"eess.SP": 18, "cs.LG": 106, "stat.ML": 7}


def sample(name: str) -> bytes:
    """A sample file as the installed package ships it."""
    return resources.files("arxiv_digest").joinpath("data/sample", name).read_bytes()


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return json.loads(sample("manifest.json"))


def as_seed(x: Announcement | Paper) -> dict[str, Any]:
    """The fields the reference digest has, from a parsed item."""
    arxiv_id = x.arxiv_id if isinstance(x, Announcement) else x.id
    return {"id": arxiv_id, "title": x.title, "authors": x.authors, "abstract": x.abstract, "categories": x.categories}


def expected(papers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": p["id"],
            "title": p["title"],
            "authors": p["authors"],
            "abstract": p["abstract"],
            "categories": [p["category"]],
        }
        for p in papers
    ]


def test_seed_is_what_the_sample_was_made_from(seed_papers: list[dict[str, Any]]) -> None:
    assert len(seed_papers) == 131
    assert Counter(p["category"] for p in seed_papers) == COUNTS
    # The hard cases the round trips below must survive.
    assert sum("\n  " in p["abstract"] for p in seed_papers) == 6
    assert any("&" in p["abstract"] for p in seed_papers) and any("$" in p["abstract"] for p in seed_papers)


def test_rss_feed(seed_papers: list[dict[str, Any]], manifest: dict[str, Any]) -> None:
    feed = parse_rss(sample("rss_eess.SP+cs.LG+stat.ML.xml"))
    assert feed.announced == date(2026, 1, 28)
    assert feed.categories == CATEGORIES
    assert [as_seed(i) for i in feed.items] == expected(seed_papers)
    assert [i.position for i in feed.items] == list(range(1, 132))
    assert {(i.version, i.announce_type, i.doi, i.journal_ref) for i in feed.items} == {(1, "new", None, None)}
    assert manifest["requests"]["rss/eess.SP+cs.LG+stat.ML"] == "rss_eess.SP+cs.LG+stat.ML.xml"


def test_api_pages(seed_papers: list[dict[str, Any]], manifest: dict[str, Any]) -> None:
    batches = {k: v for k, v in manifest["requests"].items() if k.startswith("api/query?id_list=")}
    assert sorted(batches.values()) == ["api_1.xml", "api_2.xml"]
    papers: list[Paper] = []
    for name, size in [("api_1.xml", 100), ("api_2.xml", 31)]:
        page = parse_api(sample(name))
        assert page.total == size == len(page.papers)
        (key,) = [k for k, v in batches.items() if v == name]
        assert key.removeprefix("api/query?id_list=").split(",") == [p.id for p in page.papers]
        papers += page.papers
    assert [as_seed(p) for p in papers] == expected(seed_papers)
    day = datetime(2026, 1, 27, tzinfo=UTC)
    assert {(p.version, p.published, p.updated, p.comment, p.journal_ref, p.doi) for p in papers} == {
        (1, day, day, None, None, None)
    }


@pytest.mark.parametrize("category", CATEGORIES)
def test_listing_pages(category: str, seed_papers: list[dict[str, Any]], manifest: dict[str, Any]) -> None:
    name = f"list_{category}.html"
    assert manifest["requests"][f"list/{category}/new"] == name
    feed = parse_listing(sample(name))  # the page names its own category
    assert feed.announced == date(2026, 1, 28)
    assert feed.categories == [category]
    mine = [p for p in seed_papers if p["category"] == category]
    assert len(feed.items) == COUNTS[category]
    assert [as_seed(i) for i in feed.items] == expected(mine)
    assert [i.position for i in feed.items] == list(range(1, len(mine) + 1))
    assert {(i.announce_type, i.listing_category, i.comment) for i in feed.items} == {("new", category, None)}


def test_manifest(manifest: dict[str, Any]) -> None:
    assert manifest["date"] == "2026-01-28"
    assert manifest["categories"] == CATEGORIES
    assert manifest["counts"] == COUNTS and manifest["papers"] == 131
    shipped = {p.name for p in resources.files("arxiv_digest").joinpath("data/sample").iterdir()}
    assert set(manifest["requests"].values()) | {"manifest.json"} == shipped


def channel_tags(data: bytes) -> list[str]:
    channel = etree.fromstring(data).find("channel")
    assert channel is not None
    return [el.tag for el in channel if el.tag != "item"]


def test_files_follow_the_real_formats() -> None:
    """Same channel/entry/listing structure as real captures, so the fake is not easier than arXiv."""
    real_rss = (REAL / "rss_new_2026-09-24_combined_cs.LG+cs.AI+cs.CL+stat.ML_4items.xml").read_bytes()
    ours = sample("rss_eess.SP+cs.LG+stat.ML.xml")
    assert channel_tags(ours) == channel_tags(real_rss)
    real_item_tags = {el.tag for el in etree.fromstring(real_rss).iter() if el.getparent() is not None}
    assert {el.tag for el in etree.fromstring(ours).iter() if el.getparent() is not None} <= real_item_tags
    assert b"Announce Type: new \nAbstract: " in ours  # arXiv's space before the newline
    real_api = etree.fromstring((REAL / "api_atom_2026_search_all-testing_10entries.xml").read_bytes())
    api = etree.fromstring(sample("api_1.xml"))
    assert api.nsmap == real_api.nsmap  # the 2026 serializer: prefixes on the root
    assert {el.tag for el in api.iter()} <= {el.tag for el in real_api.iter()}
    page = sample("list_cs.LG.html").decode()
    for marker in ("<div id='dlpage'>", "<dl id='articles'>", "(showing 106 of 106 entries)", "<dt>", "<dd>"):
        assert marker in page
    assert "&amp;" in page and "\n<br>" in page  # escaped text; arXiv's paragraph breaks


def test_make_sample_regenerates_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_sample.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    shipped = resources.files("arxiv_digest").joinpath("data/sample")
    names = sorted(p.name for p in shipped.iterdir())
    assert sorted(p.name for p in out.iterdir()) == names
    for name in names:
        assert (out / name).read_bytes() == shipped.joinpath(name).read_bytes(), f"{name} differs: rerun make_sample.py"
