"""The sample day's page in real headless chromium (Debian's), opened from disk over file://: loading,
search, filters, details, highlighting, keyboard, sorting, math, escaping, themes, phone, index.
(tests/test_triage.py: the reader's triage features.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from browser_fixtures import (
    SCORED,
    XSS_ID,
    XSS_MOTIVATION,
    XSS_TITLE,
    XSS_TLDR,
    Visit,
    _expected_search,
    _haystack,
    _new_visit,
    _papers,
    _screenshot,
)  # fmt: skip

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------------------------------------- tests


def test_page_loads_offline_with_every_card(visit: Visit, site: Path) -> None:
    visit.open(site)
    page = visit.page
    assert page.evaluate("performance.getEntriesByName('digest-ready').length") == 1  # the script ran to the end
    assert page.locator(".card").count() == 133
    assert page.locator('.toc a[data-cat="cs.LG"] .count').inner_text() == "107"
    assert page.locator("#top-picks .pick-title").all_inner_texts()[0].startswith("Metric")
    # Every asset came from disk, and the page asked for nothing else.
    assert any(u.endswith("/assets/katex/katex.min.js") for u in visit.requests)
    assert any(u.endswith(".woff2") for u in visit.requests)  # KaTeX fonts, from the site
    assert visit.blocked == []
    _screenshot(page, "desktop.png")


def test_search_filters_cards(visit: Visit, site: Path) -> None:
    visit.open(site)
    page = visit.page
    for query in ["clustering", "Graph NEURAL", "聚类", "Schober", "2601.19755"]:
        page.fill("#search", query)
        expected = _expected_search(query)
        assert expected, query
        assert visit.visible_ids() == expected, query
        assert page.locator("#status").inner_text() == f"{len(expected)} / 133"  # in the reader's language
    page.fill("#search", "zzzz-no-such-thing")
    assert visit.visible_ids() == []
    assert page.locator("#no-results").is_visible()
    page.fill("#search", "")
    assert len(visit.visible_ids()) == 133
    assert page.locator("#status").inner_text() == ""


def test_category_filter(visit: Visit, site: Path) -> None:
    visit.open(site)
    page = visit.page
    page.click('.chip[data-filter="stat.ML"]')
    ids = visit.visible_ids()
    assert len(ids) == 8
    assert set(page.eval_on_selector_all(".card:not([hidden])", "els => els.map(e => e.dataset.section)")) == {
        "stat.ML"
    }
    assert not page.locator('section.cat-section[data-cat="cs.LG"]').is_visible()
    page.click('.chip[data-filter="eess.SP"]')  # a second category adds to the first
    assert len(visit.visible_ids()) == 26
    page.fill("#search", "kernel")  # filters combine with search
    expected = _expected_search("kernel", ("stat.ML", "eess.SP"))
    assert expected and visit.visible_ids() == expected
    page.click('.chip[data-filter="*"]')
    page.fill("#search", "")
    assert len(visit.visible_ids()) == 133
    assert page.locator('.chip[data-filter="*"]').get_attribute("aria-pressed") == "true"


def test_details_expand(visit: Visit, site: Path) -> None:
    visit.open(site)
    card = visit.card("2601.18927")
    motivation = card.locator("dd").first
    assert not motivation.is_visible()
    card.locator("summary").click()
    assert motivation.is_visible()
    assert motivation.inner_text().startswith("PASS作为一种柔性天线技术")
    assert "pinching-antenna system" in card.locator("dd.abstract").inner_text()
    # 13 authors: two lines until clicked, then all of them.
    authors = card.locator(".authors")
    clamped = authors.bounding_box()
    authors.click()
    assert authors.evaluate("e => e.classList.contains('open')")
    full = authors.bounding_box()
    assert clamped is not None and full is not None and full["height"] >= clamped["height"]


def test_keyword_and_author_highlighting(visit: Visit, site: Path) -> None:
    visit.open(site)
    page = visit.page
    page.click("#open-settings")
    page.fill("#kw-input", "clustering\nDiffusion")
    page.fill("#au-input", "Rahul Raychaudhury")
    page.click("#settings-save")
    assert visit.storage("arxiv-digest:keywords") == ["clustering", "Diffusion"]
    assert visit.storage("arxiv-digest:authors") == ["Rahul Raychaudhury"]
    card = visit.card("2601.19333")
    card.scroll_into_view_if_needed()
    card.locator("summary").click()  # the details come in (and get their marks) when opened
    page.wait_for_selector('article[id="2601.19333"] dd mark.hl')
    marks = card.locator("mark.hl").evaluate_all("ms => ms.map(m => m.textContent.toLowerCase())")
    assert set(marks) == {"clustering"} and len(marks) >= 3  # title, summary and abstract
    assert card.locator(".author.hl-author").all_text_contents() == ["Rahul Raychaudhury"]
    assert card.locator(".hl-why").text_content() == "★ Rahul Raychaudhury, clustering"  # why it is marked
    # The lists survive a reload (localStorage), and "Highlighted only" shows exactly the matches.
    page.reload()
    kw = re.compile(r"(?<![A-Za-z0-9])(?:clustering|diffusion)", re.I)
    expected = [
        p["id"] for p in _papers()
        if kw.search(_haystack(p)) or any("rahul raychaudhury" in a.lower() for a in p["authors"])
    ]  # fmt: skip
    assert sorted(page.eval_on_selector_all(".card.has-hl", "els => els.map(e => e.id)")) == sorted(expected)
    page.check("#only-hl")
    assert sorted(visit.visible_ids()) == sorted(expected)
    _screenshot(page, "highlights.png")


def test_keyboard_navigation(visit: Visit, site: Path) -> None:
    visit.open(site)
    page = visit.page
    current = 'document.querySelector(".card.current")?.id'
    page.keyboard.press("j")
    assert page.evaluate(current) == "2601.18927"
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    second = visit.card(page.evaluate(current))
    assert page.evaluate(current) == "2601.19173"
    page.keyboard.press("Enter")
    assert second.locator("details").evaluate("d => d.open")
    page.keyboard.press(" ")
    assert not second.locator("details").evaluate("d => d.open")
    # o opens the current paper's abs page in a new tab (the request is aborted: nothing leaves).
    with visit.ctx.expect_page() as tab, visit.ctx.expect_event("request", lambda r: "arxiv.org" in r.url) as req:
        page.keyboard.press("o")
    assert req.value.url == "https://arxiv.org/abs/2601.19173" and req.value.is_navigation_request()
    assert tab.value != page and page.url.endswith("2026-01-28.html")  # a new tab; this page stays
    assert set(visit.blocked) == {"https://arxiv.org/abs/2601.19173"}
    visit.blocked.clear()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("jk")  # typed into the search box, not taken as navigation
    assert page.input_value("#search") == "jk"
    page.fill("#search", "")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") != "search"
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#help").is_visible()
    assert visit.blocked == []


def test_relevance_sort(visit: Visit, site: Path) -> None:
    visit.open(site)
    page = visit.page
    page.select_option("#sort", "relevance")
    ranked = page.eval_on_selector_all("#ranked .card:not([hidden])", "els => els.map(e => e.id)")
    assert ranked[:3] == sorted(SCORED, key=SCORED.__getitem__, reverse=True)
    assert len(ranked) == 133 and not page.locator("#sections").is_visible()
    page.fill("#search", "kernel")  # search still works on the ranked list
    assert visit.visible_ids()[0] == "2601.19755"
    page.select_option("#sort", "listing")
    page.fill("#search", "")
    assert visit.visible_ids() == _expected_search("")


def test_katex_renders_math(visit: Visit, site: Path) -> None:
    visit.open(site)
    title = visit.card("2601.19333").locator(".card-title")
    title.scroll_into_view_if_needed()
    visit.page.wait_for_selector('article[id="2601.19333"] .card-title .katex')
    assert "$" not in title.locator(".katex-html").inner_text()
    assert title.locator("annotation").text_content() == "k"  # the TeX source kept for copy/accessibility


@pytest.mark.parametrize("csp", ["with CSP", "CSP bypassed"])
def test_xss_payloads_stay_text(browser: Any, site: Path, csp: str) -> None:
    """Titles, authors, abstracts and summaries with markup are shown literally and never run; with the
    page's CSP switched off, so escaping alone is what is tested."""
    v = _new_visit(browser, bypass_csp=csp == "CSP bypassed")
    try:
        v.open(site)
        page = v.page
        page.click("#open-settings")
        page.fill("#kw-input", "script\nimg")  # highlighting rewrites text nodes: it must stay text too
        page.click("#settings-save")
        page.fill("#search", "payload")
        card = v.card(XSS_ID)
        card.locator("summary").click()
        page.wait_for_selector(f'article[id="{XSS_ID}"] .katex')  # math rendered next to the payloads
        assert card.locator(".card-title").inner_text().endswith(XSS_TITLE[len("Payload ") :])
        assert card.locator(".tldr .txt").inner_text() == XSS_TLDR
        assert card.locator("dd").first.inner_text() == XSS_MOTIVATION
        assert "<img src=x onerror=" in card.locator("dd.abstract").inner_text()
        assert card.locator(".author").first.inner_text() == "Mallory <b>Bold</b>"
        assert card.locator("script, img, svg, b, [onerror], [onload]").count() == 0
        assert page.locator('a[href^="javascript:"]').count() == 0  # \href refused (trust: false)
        assert page.evaluate("window.__xss") is None
        assert page.title() == "arXiv digest — 2026-01-28"
        assert v.dialogs == [] and v.errors == [] and v.blocked == []
    finally:
        v.ctx.close()


def test_dark_mode(browser: Any, site: Path) -> None:
    v = _new_visit(browser)
    try:
        v.open(site)
        page = v.page
        bg = "getComputedStyle(document.body).backgroundColor"
        assert page.evaluate(bg) == "rgb(245, 246, 248)"
        page.click("#theme-toggle")
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert page.evaluate(bg) == "rgb(16, 20, 27)"
        assert v.storage("arxiv-digest:theme") == "dark"
        page.reload()  # the choice is applied again before the first paint
        assert page.evaluate(bg) == "rgb(16, 20, 27)"
        _screenshot(page, "dark.png")
        page.keyboard.press("d")
        assert page.evaluate(bg) == "rgb(245, 246, 248)"
        assert v.storage("arxiv-digest:theme") == "light"
    finally:
        v.ctx.close()
    # Without a saved choice the page follows the system setting.
    v = _new_visit(browser, color_scheme="dark")
    try:
        v.open(site)
        assert v.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(16, 20, 27)"
    finally:
        v.ctx.close()


def test_phone_viewport(browser: Any, site: Path) -> None:
    v = _new_visit(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        v.open(site)
        page = v.page
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert not page.locator(".sidebar").is_visible()
        assert page.locator("#search").is_visible()
        box = page.locator('article[id="2601.18927"]').bounding_box()
        assert box is not None and box["width"] > 340  # the card uses the screen, not a desktop column
        _screenshot(page, "phone.png")
        page.fill("#search", "clustering")
        assert v.visible_ids() == _expected_search("clustering")
        assert v.errors == [] and v.blocked == []
    finally:
        v.ctx.close()


def test_index_page_links_to_the_day(visit: Visit, site: Path) -> None:
    visit.open(site, "index.html")
    page = visit.page
    assert page.locator(".day-count").all_inner_texts() == ["2 篇论文", "133 篇论文", "2 篇论文"]
    page.click('a.day-link[href="2026-01-28.html"]')
    page.wait_for_url(re.compile(r"2026-01-28\.html$"))
    assert page.locator(".card").count() == 133
