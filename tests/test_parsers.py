"""The arXiv parsers against every real capture in tests/fixtures/arxiv-real/, plus broken input.

Each capture has a check function in CHECKS; `test_capture` runs over the directory listing, so a
new capture without a check fails instead of going untested.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from arxiv_digest.errors import ArxivAPIError, ArxivParseError
from arxiv_digest.sources.api import parse_api
from arxiv_digest.sources.listing import parse_listing
from arxiv_digest.sources.oai import parse_oai, split_raw_authors
from arxiv_digest.sources.rss import parse_rss

REAL = Path(__file__).parent / "fixtures" / "arxiv-real"


def load(name: str) -> bytes:
    return (REAL / name).read_bytes()


# --- RSS -------------------------------------------------------------------------------------


def check_rss_combined(data: bytes) -> None:
    feed = parse_rss(data)
    assert feed.announced == date(2026, 9, 24)
    assert feed.categories == ["cs.LG", "cs.AI", "cs.CL", "stat.ML"]
    assert [(i.arxiv_id, i.version, i.announce_type) for i in feed.items] == [
        ("2609.26811", 1, "new"),
        ("2609.26820", 1, "new"),
        ("2205.06398", 2, "cross"),
        ("2009.13987", 3, "replace"),
    ]
    assert [i.position for i in feed.items] == [1, 2, 3, 4]
    first, second, cross, replaced = feed.items
    assert first.authors == ["Fabien Polly"]
    assert second.authors == ["Naser Mansour", "Sidahmed Benabderrahmane", "Ameer Rahwan"]
    assert cross.categories == ["stat.ME", "stat.AP", "stat.ML"]  # feed order, primary first
    assert cross.primary_category == "stat.ME"
    assert cross.doi == "10.1093/bioinformatics/btac431"
    assert cross.journal_ref is None and first.doi is None
    assert replaced.authors == ["Michael Joswig", "Marek Kaluba", "Lukas Ruff"]
    assert replaced.title == "Random Polytope Descriptors"
    assert first.abstract.startswith("Local learning trains each layer with its own auxiliary loss")
    assert first.abstract.endswith("precisely where normalization is absent.")
    assert "Abstract:" not in first.abstract and "Announce Type" not in first.abstract
    assert "lr = epsilon / RMS(input)" in first.abstract
    assert all(i.listing_category is None and i.comment is None for i in feed.items)


def check_rss_latex(data: bytes) -> None:
    feed = parse_rss(data)
    assert feed.announced == date(2026, 4, 27)
    assert feed.categories == ["cs.AI"]
    assert [i.arxiv_id for i in feed.items] == ["2604.21935", "2604.21936", "2604.21937"]
    assert {i.announce_type for i in feed.items} == {"new"}
    medical = feed.items[1]
    assert r"\textbf{adaptability}, the ability" in medical.abstract  # raw LaTeX kept
    assert r"\textbf{reproducibility}" in medical.abstract
    assert medical.categories == ["cs.AI", "cs.CV", "cs.MA"]
    assert len(medical.authors) == 18
    assert (medical.authors[0], medical.authors[-1]) == ("Lianrui Zuo", "Bennett A. Landman")
    assert "Aravind R. Krishnan" in medical.authors
    molclaw = feed.items[2]
    assert molclaw.title.startswith("MolClaw: An Autonomous Agent with Hierarchical Skills")
    assert len(molclaw.authors) == 17 and molclaw.authors[-1] == "Zhengwei Xie"
    assert feed.items[0].abstract.startswith("Although language models") and "models' ability" in feed.items[0].abstract


def check_rss_weekend(data: bytes) -> None:
    feed = parse_rss(data)
    assert feed.announced == date(2026, 8, 1)
    assert feed.categories == ["cs.CL"]
    assert feed.items == []


def check_rss_old_rdf(data: bytes) -> None:
    feed = parse_rss(data)
    assert feed.announced == date(2018, 5, 23)
    assert feed.categories == ["hep-ex"]
    assert [(i.arxiv_id, i.version, i.announce_type, i.primary_category) for i in feed.items] == [
        ("1805.08875", 1, "new", "hep-ex"),
        ("1805.09166", 1, "cross", "hep-ex"),
        # UPDATED, and its primary lies outside this feed: a replaced cross-list
        ("1805.06430", 2, "replace-cross", "nucl-th"),
    ]
    new, cross, updated = feed.items
    assert new.title == "Measurement of Transverse Single Spin Asymmetries"
    assert new.authors == ["Christopher Dilks"]
    # The description is HTML inside XML: '&amp;lt;' is decoded twice, to '<'. Hard wraps are undone.
    assert r"range of $2.6<\eta<4$. Within" in new.abstract
    assert r"energy of $\sqrt{s_{NN}}=200$ GeV." in new.abstract
    assert "<p>" not in new.abstract and "\n" not in new.abstract
    assert cross.title == "Recent Top quark results from the Tevatron"
    assert cross.authors == ["Boris Tuchming"]
    assert updated.categories == ["nucl-th", "hep-ex"]
    assert len(updated.authors) == 6
    assert (updated.authors[0], updated.authors[-1]) == ("Shu-Sheng Xu", "Hong-Shi Zong")


# --- listing page ----------------------------------------------------------------------------


def check_listing(data: bytes) -> None:
    feed = parse_listing(data, "cs.IT")
    assert feed == parse_listing(data)  # the category is also found in the page itself
    assert feed.announced == date(2026, 9, 28)
    assert feed.categories == ["cs.IT"]
    items = feed.items
    assert len(items) == 31
    assert [i.position for i in items] == list(range(1, 32))
    kinds = [i.announce_type for i in items]
    assert kinds == ["new"] * 10 + ["cross"] * 6 + ["replace"] * 8 + ["replace-cross"] * 7
    assert all(i.listing_category == "cs.IT" for i in items)
    first = items[0]
    assert (first.arxiv_id, first.version) == ("2609.30653", 1)  # version from the HTML link
    assert first.title == "Fully 3GPP-Compatible Long-Range Sensing for LEO-ISAC: A Window-Grid Processing Framework"
    assert first.authors == ["Yi Geng", "Xun Fan", "Chenfeng Xu", "Yu Zhao"]
    assert first.comment == "Submitted for publication"
    assert first.categories == ["cs.IT"]
    assert first.abstract.startswith("This paper addresses the long-range sensing problem")
    assert first.abstract.endswith("with 100.8 MHz bandwidth.")
    assert items[1].categories == ["cs.IT", "cs.AI", "cs.LG", "eess.SP"]
    assert items[4].authors[0] == "Andrés Cristi"  # UTF-8 page without a charset meta
    # <br> paragraph breaks come back as "\n  ", like the API's abstracts
    assert "decision problems under moment ambiguity.\n  Our approach gives two" in items[4].abstract
    assert items[4].abstract.count("\n  ") == 2
    assert "\n  \\sum_{n=0}^{N_r-1}\n  a_n e^{i(" in items[6].abstract
    assert "an individual's germline" in items[9].abstract  # &#39; decoded once
    cross = items[10]
    assert (cross.arxiv_id, cross.categories) == ("2609.30338", ["math.ST", "cs.IT"])
    assert cross.comment is None and cross.journal_ref is None
    assert items[11].title == 'Comment on "Symmetric Pseudo-Random Matrices"'
    assert items[14].categories == ["quant-ph", "cond-mat.str-el", "cs.IT", "hep-th", "math-ph"]
    assert (items[16].arxiv_id, items[16].version) == ("2503.16677", 2)
    assert items[16].authors[-1] == "Muriel Médard"
    assert items[22].categories == ["cs.IT", "stat.ML"] and items[22].announce_type == "replace"
    assert r"$0<\varepsilon<\sigma^2\sqrt{s'}/32$" in items[22].abstract
    lower_bound = items[25]
    assert lower_bound.title.startswith(r"An $Ω((\log n/\log\log n)^2)$ Cell-Probe Lower Bound")
    assert (lower_bound.primary_category, lower_bound.announce_type) == ("cs.CC", "replace-cross")
    assert items[-1].arxiv_id == "2609.28459" and items[-1].categories == ["cs.LG", "cs.IT", "math.ST"]


# --- query API -------------------------------------------------------------------------------


def check_api_legacy_2016(data: bytes) -> None:
    page = parse_api(data)
    assert page.total == 2
    a, b = page.papers
    assert (a.id, a.version, b.id, b.version) == ("1111.2011", 2, "cond-mat/0607501", 2)
    # hard-wrapped title unwrapped
    assert a.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    assert b.title.endswith("deconfined quantum criticality in hard-core bosons on the triangular lattice")
    assert a.abstract.startswith("Theoretical description of anisotropic systems, such as layered superconductors")
    assert "\n" not in a.abstract and "  " not in a.abstract
    assert a.categories == ["cond-mat.str-el", "cond-mat.stat-mech"] and b.categories == ["cond-mat.str-el"]
    assert a.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert (a.doi, a.journal_ref) == ("10.1103/PhysRevB.85.115117", "Phys. Rev. B 85, 115117 (2012)")
    assert a.comment == "8 pages, 3 figures. Published version"
    assert a.published == datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)
    assert a.updated == datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)


def check_api_legacy_2025(data: bytes) -> None:
    page = parse_api(data)
    assert page.total == 5619 and len(page.papers) == 2
    rdd = page.papers[0]
    assert (rdd.id, rdd.version) == ("2510.14968", 1)
    assert rdd.categories == ["cs.RO", "cs.AI", "cs.CV", "cs.LG", "cs.SY", "eess.SY"]
    assert rdd.comment == (
        "39th Conference on Neural Information Processing Systems (NeurIPS 2025); "
        "Project Website: rdd-neurips.github.io"
    )
    assert rdd.title == "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"
    assert len(page.papers[1].authors) == 6 and page.papers[1].authors[-1] == "Martin Magnusson"
    assert page.papers[1].doi is None and page.papers[1].comment is None


def check_api_2026(data: bytes) -> None:
    page = parse_api(data)
    assert page.total == 214881
    assert [p.id for p in page.papers] == [
        "2202.12139", "2405.13786", "2005.14124", "2204.08348", "2302.03287",
        "1202.4527", "2503.05378", "1205.1866", "2502.07719", "1812.11470",
    ]  # fmt: skip
    assert [p.version for p in page.papers] == [1, 1, 2, 3, 3, 1, 2, 1, 2, 1]
    by_id = {p.id: p for p in page.papers}
    assert by_id["1205.1866"].primary_category == "cs.AR"
    assert by_id["2005.14124"].categories == ["cs.SE", "cs.CR", "cs.LG"]
    assert by_id["2302.03287"].title == "ChatGPT and Software Testing Education: Promises & Perils"  # &amp; once
    assert by_id["2405.13786"].authors == ["Aurora Ramírez", "Mario Berrios", "José Raúl Romero", "Robert Feldt"]
    slr = by_id["1812.11470"]
    # the 2026 serializer's paragraph breaks survive verbatim
    assert "and community as a whole.\n  Objective. In this systematic review" in slr.abstract
    assert slr.abstract.count("\n  ") == 3
    assert by_id["2202.12139"].doi == "10.1109/ICSTW55395.2022.00035"
    assert by_id["2202.12139"].comment == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert by_id["2202.12139"].published == datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)


def check_api_oldstyle(data: bytes) -> None:
    page = parse_api(data)
    assert page.total == 1
    (p,) = page.papers
    assert (p.id, p.version, p.categories) == ("astro-ph/0601001", 1, ["astro-ph"])
    assert p.authors == ["Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski"]
    assert p.affiliations == [["Ohio State"], ["Ohio State"], ["CfA"], ["Warsaw University Observatory"]]
    assert p.journal_ref == "ActaAstron.56:1-50,2006"
    assert p.comment is not None and p.comment.startswith("62 pages including 16 figures")
    assert "following Gould & Morgan (2003)" in p.abstract and "limit of V_max<17.5." in p.abstract
    assert "(1/310)(1^{+1.39}_{-0.59})" in p.abstract


def check_api_error(data: bytes) -> None:
    with pytest.raises(ArxivAPIError, match="incorrect id format for abc"):
        parse_api(data)


def check_api_zero(data: bytes) -> None:
    page = parse_api(data)
    assert (page.total, page.papers) == (0, [])


# --- OAI-PMH ---------------------------------------------------------------------------------


def check_oai_arxiv(data: bytes) -> None:
    page = parse_oai(data)
    assert (page.resumption_token, page.complete_list_size) == (None, None)
    assert [p.id for p in page.papers] == ["1412.8323", "1507.07790", "1607.01710"]
    assert {p.version for p in page.papers} == {1}  # the arXiv format has no versions
    toolbox, bosons, branes = page.papers
    assert toolbox.authors == ["Philipp A Hoehn"]
    assert toolbox.categories == ["quant-ph", "gr-qc", "hep-th", "math-ph", "math.MP", "physics.hist-ph"]
    assert toolbox.title == "Toolbox for reconstructing quantum theory from rules on information acquisition"
    assert toolbox.abstract.startswith(
        "We develop an operational approach for reconstructing the quantum theory of qubit"
    )
    assert "\n" not in toolbox.abstract
    assert bosons.authors == ["Luis B. Castro", "Edilberto O. Silva"]
    assert (bosons.journal_ref, bosons.doi) == ("J. Phys. A: Math. Theor. 51 (2018) 035201", "10.1088/1751-8121/aa9c53")
    assert "spin-$1/2$ AB problem" in bosons.abstract
    assert len(branes.authors) == 5 and branes.authors[3] == "A. de Souza Dutra"
    assert branes.published == datetime(2016, 7, 6, tzinfo=UTC)


def check_oai_raw(data: bytes) -> None:
    page = parse_oai(data)
    assert (page.resumption_token, page.complete_list_size) == ("726959|1001", 58011)
    assert [(p.id, p.version) for p in page.papers] == [
        ("0704.0471", 1), ("0704.0716", 4), ("0704.0874", 3), ("0704.1109", 2), ("0704.1114", 1), ("0704.1586", 1),
    ]  # fmt: skip
    first = page.papers[0]
    assert first.authors == ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]  # "A, B, and C"
    assert page.papers[3].authors == ["Valeria M. Rosa", "Patricio S. letelier"]  # "A and B"
    assert first.categories == ["nucl-ex", "nucl-th"]
    assert 'extremely " stiff " and " soft "' in first.abstract  # &quot; decoded
    richard = page.papers[1]
    assert richard.published == datetime(2007, 4, 5, 12, 45, 3, tzinfo=UTC)
    assert richard.updated == datetime(2008, 11, 14, 9, 7, 25, tzinfo=UTC)
    assert richard.comment == (
        "54 pages, 2 figures; v2 updated and slightly expanded; v3 changes in some proofs; v4 slightly expanded"
    )
    assert page.papers[5].title == "Core excitation in the elastic scattering and breakup of $^{11}$Be on protons"


def check_oai_no_records(data: bytes) -> None:
    page = parse_oai(data)
    assert (page.papers, page.resumption_token) == ([], None)


CHECKS: dict[str, Callable[[bytes], None]] = {
    "rss_new_2026-09-24_combined_cs.LG+cs.AI+cs.CL+stat.ML_4items.xml": check_rss_combined,
    "rss_new_2026-04-27_cs.AI_3items_latex.xml": check_rss_latex,
    "rss_new_2026-08-01_cs.CL_weekend_empty.xml": check_rss_weekend,
    "rss_old_rdf_2018-05-23_hep-ex_3items.xml": check_rss_old_rdf,
    "listing_new_2026-09-28_cs.IT_31entries.html": check_listing,
    "api_atom_2016_legacy_search_au_del_maestro_2entries.xml": check_api_legacy_2016,
    "api_atom_2025-10_legacy_search_cat_cs.RO_2entries.xml": check_api_legacy_2025,
    "api_atom_2026_search_all-testing_10entries.xml": check_api_2026,
    "api_atom_2026_idlist_astro-ph_0601001_oldstyle.xml": check_api_oldstyle,
    "api_atom_2026_error_incorrect_id_http400.xml": check_api_error,
    "api_atom_2026_zero_results.xml": check_api_zero,
    "oai_listrecords_arXiv_hep-th_2017-12-14.xml": check_oai_arxiv,
    "oai_listrecords_arXivRaw_resumptionToken_2015-01-06.xml": check_oai_raw,
    "oai_error_noRecordsMatch_2015-06-23.xml": check_oai_no_records,
}
CAPTURES = sorted(p.name for p in REAL.iterdir() if p.name != "SOURCES.txt")


@pytest.mark.parametrize("name", CAPTURES)
def test_capture(name: str) -> None:
    assert name in CHECKS, f"new capture {name} has no check in tests/test_parsers.py"
    CHECKS[name](load(name))


def test_every_check_has_its_capture() -> None:
    assert sorted(CHECKS) == CAPTURES


# --- broken input ----------------------------------------------------------------------------

XML_PARSERS: dict[str, Callable[[bytes], object]] = {"rss": parse_rss, "api": parse_api, "oai": parse_oai}
XML_SAMPLES = {
    "rss": "rss_new_2026-09-24_combined_cs.LG+cs.AI+cs.CL+stat.ML_4items.xml",
    "api": "api_atom_2026_search_all-testing_10entries.xml",
    "oai": "oai_listrecords_arXivRaw_resumptionToken_2015-01-06.xml",
}
ALL_PARSERS = {**XML_PARSERS, "listing": parse_listing}
HTML_ERROR_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><title>503 Service Unavailable</title></head>
<body><h1>We are experiencing high load</h1><p>Please retry in a few seconds.</body></html>
"""


@pytest.mark.parametrize("kind", sorted(ALL_PARSERS))
@pytest.mark.parametrize("data", [b"", b"  \n"], ids=["empty", "blank"])
def test_empty_answer(kind: str, data: bytes) -> None:
    with pytest.raises(ArxivParseError, match="empty"):
        ALL_PARSERS[kind](data)


@pytest.mark.parametrize("kind", sorted(XML_PARSERS))
def test_truncated_xml(kind: str) -> None:
    data = load(XML_SAMPLES[kind])
    for cut in (len(data) // 3, len(data) // 2, len(data) - 20):
        with pytest.raises(ArxivParseError, match="malformed or truncated"):
            XML_PARSERS[kind](data[:cut])


@pytest.mark.parametrize("kind", sorted(XML_PARSERS))
def test_html_error_page_where_xml_expected(kind: str) -> None:
    with pytest.raises(ArxivParseError, match=r"HTML page.*503 Service Unavailable"):
        XML_PARSERS[kind](HTML_ERROR_PAGE)


def test_html_error_page_where_listing_expected() -> None:
    with pytest.raises(ArxivParseError, match="not an arXiv listing page"):
        parse_listing(HTML_ERROR_PAGE)


@pytest.mark.parametrize(
    ("kind", "other"),
    [("rss", "api"), ("api", "rss"), ("oai", "api"), ("api", "oai"), ("rss", "oai")],
)
def test_wrong_root(kind: str, other: str) -> None:
    with pytest.raises(ArxivParseError, match="root element"):
        XML_PARSERS[kind](load(XML_SAMPLES[other]))


def test_listing_given_xml() -> None:
    with pytest.raises(ArxivParseError, match="not an arXiv listing page"):
        parse_listing(load(XML_SAMPLES["rss"]))


@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.8, 0.95])
def test_truncated_listing(fraction: float) -> None:
    data = load("listing_new_2026-09-28_cs.IT_31entries.html")
    with pytest.raises(ArxivParseError, match="truncated"):
        parse_listing(data[: int(len(data) * fraction)])


def test_listing_missing_entries_is_truncation() -> None:
    """A section that holds fewer entries than its heading says was cut: never a silent short day."""
    data = load("listing_new_2026-09-28_cs.IT_31entries.html").decode()
    start = data.index("<dt>", data.index("Cross submissions"))
    end = data.index("</dd>", start) + len("</dd>")
    with pytest.raises(ArxivParseError, match="Cross submissions shows 6, found 5"):
        parse_listing((data[:start] + data[end:]).encode())


def test_xml_entities_are_not_expanded() -> None:
    """No external entity is fetched or read, and no entity bomb expands."""
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>
<rss version="2.0"><channel><title>cs.LG updates on arXiv.org</title><item>
<title>T &xxe; &b;</title><guid>oai:arXiv.org:2601.00001v1</guid><category>cs.LG</category>
<arxiv:announce_type xmlns:arxiv="http://arxiv.org/schemas/atom">new</arxiv:announce_type>
<description>arXiv:2601.00001v1 Announce Type: new
Abstract: x</description></item></channel></rss>"""
    (item,) = parse_rss(xxe).items
    assert "root:" not in item.title and "aaaa" not in item.title


# --- one bad entry in a good document is skipped, with a warning ------------------------------


def test_rss_bad_item_skipped(caplog: pytest.LogCaptureFixture) -> None:
    data = load(XML_SAMPLES["rss"]).replace(b"oai:arXiv.org:2609.26820v1", b"oai:arXiv.org:not-an-id")
    data = data.replace(b"arXiv:2609.26820v1 Announce", b"arXiv:junk Announce")
    data = data.replace(
        b"<arxiv:announce_type>replace</arxiv:announce_type>", b"<arxiv:announce_type>odd</arxiv:announce_type>"
    )
    with caplog.at_level(logging.WARNING):
        feed = parse_rss(data)
    assert [i.arxiv_id for i in feed.items] == ["2609.26811", "2205.06398"]
    assert [i.position for i in feed.items] == [1, 3]  # positions stay those of the source
    assert "no arXiv id" in caplog.text and "unknown announce type 'odd'" in caplog.text


def test_api_bad_entry_skipped(caplog: pytest.LogCaptureFixture) -> None:
    data = load(XML_SAMPLES["api"]).replace(
        b"http://arxiv.org/abs/2405.13786v1</id>", b"http://arxiv.org/abs/bogus</id>"
    )
    with caplog.at_level(logging.WARNING):
        page = parse_api(data)
    assert len(page.papers) == 9 and "2405.13786" not in {p.id for p in page.papers}
    assert "skipping API entry 2" in caplog.text


def test_api_error_entry_is_never_a_paper() -> None:
    """Even next to real entries, an error entry fails the whole answer."""
    good = load(XML_SAMPLES["api"]).decode()
    error = load("api_atom_2026_error_incorrect_id_http400.xml").decode()
    error_entry = error[error.index("<entry>") : error.index("</entry>") + len("</entry>")]
    legacy_id = error_entry.replace("https://arxiv.org/api/errors", "http://arxiv.org/api/errors")
    for entry in (error_entry, legacy_id):
        mixed = good.replace("</feed>", entry + "\n</feed>")
        with pytest.raises(ArxivAPIError, match="incorrect id format for abc"):
            parse_api(mixed.encode())


def test_listing_bad_entry_skipped(caplog: pytest.LogCaptureFixture) -> None:
    data = load("listing_new_2026-09-28_cs.IT_31entries.html")
    data = data.replace(b'<a href ="/abs/2609.30690" title="Abstract" id="2609.30690">', b"<a>", 1)
    with caplog.at_level(logging.WARNING):
        feed = parse_listing(data)
    assert len(feed.items) == 30 and "2609.30690" not in {i.arxiv_id for i in feed.items}
    assert "no abstract link" in caplog.text


def test_oai_bad_record_skipped_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    data = load(XML_SAMPLES["oai"]).replace(b"<categories>gr-qc</categories>", b"<categories></categories>")
    with caplog.at_level(logging.WARNING):
        page = parse_oai(data)
    assert "0704.1109" not in {p.id for p in page.papers} and len(page.papers) == 5
    assert "no title or no categories" in caplog.text
    bad_token = load("oai_error_noRecordsMatch_2015-06-23.xml").replace(
        b'code="noRecordsMatch"', b'code="badResumptionToken"'
    )
    with pytest.raises(ArxivAPIError, match="badResumptionToken"):
        parse_oai(bad_token)


def test_oai_deleted_records_skipped_and_last_page() -> None:
    data = load(XML_SAMPLES["oai"]).decode()
    data = data.replace("<header>", '<header status="deleted">', 1)
    data = re.sub(r"<resumptionToken[^>]*>[^<]*</resumptionToken>", '<resumptionToken completeListSize="6"/>', data)
    page = parse_oai(data.encode())
    assert page.papers[0].id == "0704.0716" and len(page.papers) == 5
    assert (page.resumption_token, page.complete_list_size) == (None, 6)


def test_split_raw_authors_affiliations() -> None:
    names, affs = split_raw_authors("A. One (MIT, Cambridge), B. Two and\n  C. Three (CERN)")
    assert names == ["A. One", "B. Two", "C. Three"]
    assert affs == [["MIT, Cambridge"], [], ["CERN"]]
