"""The archive pages in real headless chromium, opened from disk over file://: search across days (English
and Chinese), the range view over months, the calendar. A small archive: the reference day plus slices
of it on days in January, February and March.

Every page records its requests; anything not file:// is aborted and fails the test (see test_browser).
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import Settings
from arxiv_digest.render.html import render_site
from arxiv_digest.render.tokens import tokens
from arxiv_digest.store import Store
from browser_fixtures import Visit, _new_visit, _screenshot
from browser_util import SEED_DAY, WAIT_MARK, add_papers, load_seed, spread

pytestmark = pytest.mark.browser

CATS = ["eess.SP", "cs.LG", "stat.ML"]
DAYS = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 2, 2), date(2026, 2, 3), date(2026, 3, 2), date(2026, 3, 20)]
PER_DAY = 12


# A title and authors that BibTeX must escape, and math it should keep.
TRICKY_ID = "2601.05999"
TRICKY = {"index": PER_DAY + 1, "id": TRICKY_ID, "category": "cs.LG", "categories": ["cs.LG", "stat.ML"],
          "title": "Braces {and} 100% of R&D: $x_{1}^{2}$ on #tags, a_b ~ c^d \\ back",
          "authors": ["José Müller", "Ada {Lovelace}"], "abstract": "An abstract.", "tldr": "简短。",
          "motivation": "动机。", "method": "方法。", "result": "结果。", "conclusion": "结论。"}  # fmt: skip


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[date, list[dict[str, Any]]]]:
    base = tmp_path_factory.mktemp("archive-site")
    settings = Settings(categories=CATS, language="Chinese", data_dir=base / "data")
    with Store.open(settings.data_dir) as store:
        held = spread(store, DAYS, PER_DAY)
        add_papers(store, DAYS[0], [TRICKY])
        held[DAYS[0]].append(TRICKY)
        add_papers(store, SEED_DAY, load_seed())
        held[SEED_DAY] = load_seed()
        return render_site(settings, store, base / "site"), held


def _terms(p: dict[str, Any]) -> set[str]:
    text = " ".join([p["id"], p["title"], *p["authors"], p["abstract"],
                     *(p[k] for k in ("tldr", "motivation", "method", "result", "conclusion"))])  # fmt: skip
    return set(tokens(text))


def _expected(held: dict[date, list[dict[str, Any]]], query: str, prefix: bool = False) -> set[tuple[str, str]]:
    """(day, id) of every paper holding every term of the query (the last one as a prefix when asked)."""
    want = tokens(query)
    out = set()
    for day, papers in held.items():
        for p in papers:
            have = _terms(p)
            exact = all(t in have for t in (want[:-1] if prefix else want))
            if exact and (not prefix or any(t.startswith(want[-1]) for t in have)):
                out.add((day.isoformat(), p["id"]))
    return out


def _search(v: Visit, query: str) -> list[tuple[str, str]]:
    page = v.page
    page.evaluate("performance.clearMarks('digest-search-complete')")
    page.fill("#q", query)
    page.evaluate(WAIT_MARK, "digest-search-complete")
    while page.locator("#more").is_visible():  # every page of results: more come as the reader scrolls
        n = page.locator(".result").count()
        page.locator("#more").scroll_into_view_if_needed()
        page.wait_for_selector(f".result >> nth={n}")
    return list(page.eval_on_selector_all(
        ".result", "els => els.map(e => [e.closest('.result-day').id.slice(4), e.dataset.id])"
    ))  # fmt: skip


def test_search_every_day_in_english_and_chinese(visit: Visit, archive: tuple[Path, Any]) -> None:
    site, held = archive
    visit.open(site, "search.html")
    page = visit.page
    page.evaluate(WAIT_MARK, "digest-ready")
    for query in ["clustering", "聚类", "天线", "Schober", "graph neural", "2601.19333"]:
        found = _search(visit, query)
        expected = _expected(held, query)
        assert expected, query
        assert set(map(tuple, found)) == expected, query
        # grouped by day, newest day first
        days = [d for d, _ in found]
        assert days == sorted(days, reverse=True), query
        assert len({d for d, _ in found}) == page.locator(".result-day").count()
    # the word being typed matches the longer words it starts
    found = _search(visit, "cluste")
    assert set(map(tuple, found)) == _expected(held, "cluste", prefix=True) and len(found) > 5
    assert page.locator(".result mark.hl").first.inner_text().lower() == "cluste"
    assert visit.blocked == []


def test_a_result_opens_its_card_on_the_day_page(visit: Visit, archive: tuple[Path, Any]) -> None:
    site, _ = archive
    visit.page.goto((site / "search.html").as_uri() + "?q=" + "聚类")
    page = visit.page
    page.evaluate(WAIT_MARK, "digest-search-complete")
    assert page.input_value("#q") == "聚类"  # the query comes from the URL
    first = page.locator(".result").first
    pid, day = first.get_attribute("data-id"), first.evaluate("e => e.closest('.result-day').id.slice(4)")
    first.locator(".result-title a").click()
    page.wait_for_url(re.compile(rf"{day}\.html#{re.escape(pid or '')}$"))
    assert page.locator(f'article[id="{pid}"]').is_visible()


def test_the_browser_tokenizer_is_the_indexs(visit: Visit, archive: tuple[Path, Any]) -> None:
    site, held = archive
    visit.open(site, "search.html")
    samples = [p[k] for papers in held.values() for p in papers[:20] for k in ("title", "abstract", "tldr")]
    samples += ["Schrödinger’s ＡＢＣ ﬁne-tuning: 3D/4D studies of biases", "日本語のテキストと한국어 텍스트",
                "ΑΒΓ Ωmega"]
    js = visit.page.evaluate("texts => texts.map(t => DigestSearch.terms(t))", samples)
    assert js == [tokens(t) for t in samples]


def test_search_within_dates(visit: Visit, archive: tuple[Path, Any]) -> None:
    site, held = archive
    visit.page.goto((site / "search.html").as_uri() + "?q=clustering&from=2026-02-01&to=2026-02-28")
    visit.page.evaluate(WAIT_MARK, "digest-search-complete")
    found = {tuple(x) for x in visit.page.eval_on_selector_all(
        ".result", "els => els.map(e => [e.closest('.result-day').id.slice(4), e.dataset.id])")}  # fmt: skip
    assert found == {x for x in _expected(held, "clustering") if x[0].startswith("2026-02")} != set()


def _loaded_days(v: Visit) -> list[str]:
    days = [re.search(r"/archive/days-\d+/(\d{4}-\d\d-\d\d)\.js$", u) for u in v.requests]
    return sorted(m.group(1) for m in days if m)


def test_a_range_spanning_months(visit: Visit, archive: tuple[Path, Any]) -> None:
    site, held = archive
    visit.page.goto((site / "range.html").as_uri() + "?from=2026-01-01&to=2026-03-31")
    page = visit.page
    page.evaluate(WAIT_MARK, "digest-ready")
    days = sorted(held)
    listed = page.eval_on_selector_all(".range-day", "els => els.map(e => e.dataset.day)")
    assert listed == [d.isoformat() for d in days]
    total = sum(len(p) for p in held.values())
    assert page.locator("#range-lede").inner_text() == f"{total} 篇论文 · {len(days)} 天"  # the reader's language
    # only the days near the screen are loaded, and only a batch of each is rendered
    page.wait_for_selector(".range-day .card")
    assert 0 < len(_loaded_days(visit)) < len(days)
    assert page.locator('.range-day[data-day="2026-01-28"] .card').count() < len(held[SEED_DAY])
    # scrolling loads the rest, day by day
    for day in days:
        page.locator(f'.range-day[data-day="{day.isoformat()}"]').scroll_into_view_if_needed()
        page.wait_for_selector(f'.range-day[data-day="{day.isoformat()}"] .card')
    assert _loaded_days(visit) == [d.isoformat() for d in days]
    # a category filter: only its papers, counted per day before anything more is loaded
    page.click('.chip[data-filter="stat.ML"]')
    want = {p["id"] for papers in held.values() for p in papers if p["category"] == "stat.ML"}
    page.evaluate("window.scrollTo(0, 0)")
    for day in days:
        count = page.locator(f'.range-day[data-day="{day.isoformat()}"] .count').inner_text()
        assert count == str(sum(p["category"] == "stat.ML" for p in held[day]))
    shown = set(page.eval_on_selector_all(".range-day:not([hidden]) .card:not([hidden])", "els => els.map(e => e.id)"))
    assert shown <= want and shown
    page.click('.chip[data-filter="*"]')
    # search within the range, through the archive's index
    page.fill("#search", "聚类")
    page.evaluate(WAIT_MARK, "digest-search-painted")
    expected = _expected(held, "聚类")
    counts = {d: int(page.locator(f'.range-day[data-day="{d.isoformat()}"] .count').inner_text()) for d in days}
    assert counts == {d: sum(1 for x in expected if x[0] == d.isoformat()) for d in days}
    hidden = page.eval_on_selector_all(".range-day[hidden]", "els => els.map(e => e.dataset.day)")
    assert hidden == [d.isoformat() for d in days if not counts[d]]
    assert visit.blocked == []
    _screenshot(page, "range.png")


def test_range_keyboard_and_details(visit: Visit, archive: tuple[Path, Any]) -> None:
    site, held = archive
    visit.page.goto((site / "range.html").as_uri() + "?week=2026-W02")  # 5 and 6 January
    page = visit.page
    page.evaluate(WAIT_MARK, "digest-ready")
    page.wait_for_selector(".range-day .card")
    assert page.eval_on_selector_all(".range-day", "els => els.map(e => e.dataset.day)") == ["2026-01-05", "2026-01-06"]
    page.keyboard.press("j")
    current = 'document.querySelector(".card.current")?.id'
    assert page.evaluate(current) == held[date(2026, 1, 5)][0]["id"]
    for _ in range(len(held[date(2026, 1, 5)])):
        page.keyboard.press("j")
    # on into the next day (which may still be loading)
    page.locator(f'article.current[id="{held[date(2026, 1, 6)][0]["id"]}"]').wait_for()
    card = page.locator(".card.current")
    page.keyboard.press("Enter")
    assert card.locator("details.more").evaluate("d => d.open")
    assert card.locator("dd.abstract").inner_text() == held[date(2026, 1, 6)][0]["abstract"]
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()


def test_calendar_marks_the_days_with_a_digest(visit: Visit, archive: tuple[Path, Any]) -> None:
    site, held = archive
    visit.open(site, "index.html")
    page = visit.page
    cells = page.eval_on_selector_all(
        ".cal-grid td.has a", "els => els.map(a => [a.getAttribute('href'), a.querySelector('small').textContent])"
    )
    assert sorted(cells) == sorted([f"{d.isoformat()}.html", str(len(p))] for d, p in held.items())
    assert page.locator(".cal-month").count() == 3
    assert page.locator(".cal-title a").first.get_attribute("href") == "range.html?month=2026-03"
    page.click('.cal-grid td.has a[href="2026-02-03.html"]')
    page.wait_for_url(re.compile(r"2026-02-03\.html$"))


def _card_button(v: Visit, pid: str, cls: str) -> Any:
    """A button of the card's body, which comes in as the card nears the screen."""
    v.page.locator(f'article[id="{pid}"]').scroll_into_view_if_needed()
    return v.page.locator(f'article[id="{pid}"] .{cls}')


def test_save_dismiss_and_export(browser: Any, archive: tuple[Path, Any], tmp_path: Path) -> None:
    """Star and "not for me" on cards of any day; the saved page lists them and exports the feedback file
    the profile reads, and BibTeX that a BibTeX parser and the profile both read back."""
    site, held = archive
    v = _new_visit(browser, accept_downloads=True)
    try:
        page = v.page
        page.goto((site / "range.html").as_uri() + "?week=2026-W02")
        page.evaluate(WAIT_MARK, "digest-ready")
        page.wait_for_selector(f'article[id="{TRICKY_ID}"]')
        other = held[date(2026, 1, 6)][1]["id"]
        _card_button(v, TRICKY_ID, "act-save").click()
        assert _card_button(v, TRICKY_ID, "act-save").get_attribute("aria-pressed") == "true"
        page.locator(f'article[id="{other}"]').scroll_into_view_if_needed()
        _card_button(v, other, "act-dismiss").click()
        assert page.locator(f'article[id="{other}"]').evaluate("e => e.classList.contains('dismissed')")
        stored = v.storage(f"arxiv-digest:saved:{TRICKY_ID}")
        assert {k: stored[k] for k in ("id", "title", "day")} == {"id": TRICKY_ID, "title": TRICKY["title"],
                                                                  "day": "2026-01-05"}  # fmt: skip
        # the saved list, on its own page
        page.goto((site / "saved.html").as_uri())
        assert page.locator("#saved .result").evaluate_all("els => els.map(e => e.dataset.id)") == [TRICKY_ID]
        assert page.locator("#dismissed .result").evaluate_all("els => els.map(e => e.dataset.id)") == [other]
        with page.expect_download() as dl:
            page.click("#export-feedback")
        feedback = json.loads(Path(dl.value.path()).read_text("utf-8"))
        assert dl.value.suggested_filename == "arxiv-digest-feedback.json"
        assert feedback["format"] == "arxiv-digest-feedback" and feedback["version"] == 1
        saved = [(s["id"], s["title"], s["day"]) for s in feedback["saved"]]
        assert saved == [(TRICKY_ID, TRICKY["title"], "2026-01-05")]
        assert [(d["id"], d["day"]) for d in feedback["dismissed"]] == [(other, "2026-01-06")]
        assert set(feedback["saved"][0]) == {"id", "title", "day", "at"}
        assert set(feedback["dismissed"][0]) == {"id", "day", "at"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", feedback["saved"][0]["at"])
        from arxiv_digest.rank.feedback import read_feedback_file

        read = read_feedback_file(Path(dl.value.path()))  # what profile.feedback reads
        assert [i.id for i in read.saved] == [TRICKY_ID] and [i.id for i in read.dismissed] == [other]
        with page.expect_download() as dl:
            page.click("#export-bibtex")
        bib = Path(dl.value.path()).read_text("utf-8")
        _check_bibtex(bib, [TRICKY])
        assert v.blocked == [] and v.errors == []
    finally:
        v.ctx.close()


def _check_bibtex(text: str, papers: list[dict[str, Any]]) -> None:
    import bibtexparser

    from arxiv_digest.rank.profile import read_bibtex

    lib = bibtexparser.parse_string(text)
    assert lib.failed_blocks == []
    assert [e.entry_type for e in lib.entries] == ["misc"] * len(papers)
    for e, p in zip(lib.entries, papers, strict=True):
        f = {k: fv.value for k, fv in e.fields_dict.items()}
        assert f["eprint"] == p["id"] and f["archivePrefix"] == "arXiv"
        assert f["primaryClass"] == p["categories"][0] and f["url"] == f"https://arxiv.org/abs/{p['id']}"
        assert f["year"] == "20" + p["id"][:2]
    if papers[0]["id"] == TRICKY_ID:
        f = {k: fv.value for k, fv in lib.entries[0].fields_dict.items()}
        assert f["title"] == ("{Braces \\textbraceleft{}and\\textbraceright{} 100\\% of R\\&D: $x_{1}^{2}$ on \\#tags, "
                              "a\\_b \\textasciitilde{} c\\textasciicircum{}d \\textbackslash{} back}")  # fmt: skip
        assert f["author"] == "José Müller and Ada \\textbraceleft{}Lovelace\\textbraceright{}"
    found, problems = read_bibtex(text, "saved.bib")  # the profile reads the export too
    assert [pp.arxiv_id for pp in found] == [p["id"] for p in papers] and problems == []


def test_copy_citation(browser: Any, archive: tuple[Path, Any]) -> None:
    site, _ = archive
    v = _new_visit(browser)
    try:
        v.ctx.grant_permissions(["clipboard-read", "clipboard-write"])
        page = v.page
        page.goto((site / "range.html").as_uri() + "?week=2026-W02")
        page.wait_for_selector(f'article[id="{TRICKY_ID}"]')
        card = page.locator(f'article[id="{TRICKY_ID}"]')
        _card_button(v, TRICKY_ID, "act-cite").click()
        card.locator(".cite-bibtex").click()
        card.locator(".cite-bibtex", has_text="已复制").wait_for()
        _check_bibtex(page.evaluate("navigator.clipboard.readText()"), [TRICKY])
        card.locator(".cite-ref").click()  # the menu stays open
        card.locator(".cite-ref", has_text="已复制").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == (
            f"José Müller, Ada {{Lovelace}} (2026). {TRICKY['title']}. arXiv:{TRICKY_ID} [cs.LG]. "
            f"https://arxiv.org/abs/{TRICKY_ID}"
        )
        assert v.blocked == [] and v.errors == []
    finally:
        v.ctx.close()


# ---------------------------------------------------------------- the day page's own site (browser_fixtures)


def test_a_star_on_the_day_page_shows_on_the_saved_page(visit: Visit, site: Path) -> None:
    from browser_fixtures import XSS_ID, XSS_TITLE

    visit.open(site)
    page = visit.page
    for pid in ("2601.18927", XSS_ID):
        _card_button(visit, pid, "act-save").click()
        assert _card_button(visit, pid, "act-save").get_attribute("aria-pressed") == "true"
    assert visit.storage(f"arxiv-digest:saved:{XSS_ID}")["title"] == XSS_TITLE  # the title as text, TeX and all
    visit.open(site, "saved.html")
    titles = page.locator("#saved .result-title").all_inner_texts()
    assert sorted(titles) == sorted(["A Survey of Pinching-Antenna Systems (PASS)", XSS_TITLE])
    assert page.locator("#saved img, #saved script").count() == 0
    page.locator(f'#saved .result[data-id="{XSS_ID}"] .act-remove').click()
    assert page.locator("#saved .result").count() == 1 and visit.storage(f"arxiv-digest:saved:{XSS_ID}") is None
    assert page.evaluate("window.__xss") is None


def test_the_range_view_shows_payloads_as_text(visit: Visit, site: Path) -> None:
    from browser_fixtures import XSS_ID, XSS_TITLE

    visit.page.goto((site / "range.html").as_uri() + "?from=2026-01-27&to=2026-01-29")
    page = visit.page
    page.evaluate(WAIT_MARK, "digest-ready")
    card = page.locator(f'article[id="{XSS_ID}"]')
    card.scroll_into_view_if_needed()
    card.locator(".tags").wait_for()  # hydrated
    card.locator("details.more > summary").click()
    assert card.locator(".card-title").inner_text().endswith(XSS_TITLE[len("Payload ") :])
    assert card.locator("script, img, svg, b, [onerror], [onload]").count() == 0
    assert page.evaluate("window.__xss") is None and visit.dialogs == []


def _axe(page: Any) -> list[dict[str, Any]]:
    from test_triage import AXE
    from test_triage import _axe as axe

    if not AXE.is_file():
        msg = f"axe-core not found at {AXE} (make test fetches it: scripts/ensure-axe.sh)"
        pytest.fail(msg) if os.environ.get("CI") == "true" else pytest.skip(msg)
    return axe(page)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_archive_pages_are_accessible(browser: Any, archive: tuple[Path, Any], theme: str) -> None:
    site, _ = archive
    v = _new_visit(browser, color_scheme=theme)
    try:
        page = v.page
        for name in ["index.html", "search.html?q=聚类", "range.html?week=2026-W02", "saved.html", "trends.html",
                     "2026-W05.html"]:  # fmt: skip
            page.goto((site / name.split("?")[0]).as_uri() + ("?" + name.split("?")[1] if "?" in name else ""))
            page.evaluate("document.fonts.ready")
            if name.startswith("search"):
                page.evaluate(WAIT_MARK, "digest-search-complete")
            if name.startswith("range"):
                page.wait_for_selector(".range-day .card .tags")
            assert _axe(page) == [], name
        assert v.blocked == []  # (axe itself asks for the stylesheets, which the CSP refuses: not the page's errors)
    finally:
        v.ctx.close()


def test_trends_and_search_on_a_phone_in_the_dark(browser: Any, archive: tuple[Path, Any]) -> None:
    site, _ = archive
    v = _new_visit(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, color_scheme="dark")
    try:
        page = v.page
        v.open(site, "trends.html")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the page fits
        chart = page.locator(".chart svg").first
        box = chart.bounding_box()
        assert box is not None and box["width"] >= 300
        # the lines take their colour from the dark palette
        stroke = page.eval_on_selector(".chart svg polyline.c0", "e => getComputedStyle(e).stroke")
        assert stroke == "rgb(127, 176, 234)"
        assert page.eval_on_selector(".chart svg text", "e => getComputedStyle(e).fill") != "rgb(0, 0, 0)"
        _screenshot(page, "trends-phone-dark.png")
        page.goto((site / "search.html").as_uri() + "?q=聚类")
        page.evaluate(WAIT_MARK, "digest-search-complete")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator(".result").count() > 0
        _screenshot(page, "search-phone-dark.png")
        assert v.errors == [] and v.blocked == []
    finally:
        v.ctx.close()
