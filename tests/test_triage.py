"""The day page as a reader triages it, in real chromium: density and read state, search that shows its
results (and lives in the URL), day navigation, prices and math, the page's own words, accessibility
(axe-core) and a DOM that stays small (issue 14)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from browser_fixtures import (
    DAY_AFTER,
    DAY_BEFORE,
    MATH_ID,
    MONEY_ABSTRACT,
    MONEY_ID,
    MONEY_TLDR,
    SEED_DAY,
    Visit,
    _expected_search,
    _new_visit,
    _papers,
    _screenshot,
)  # fmt: skip

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
AXE = Path(os.environ.get("ARXIV_DIGEST_AXE", ROOT / ".venv" / "axe-core" / "axe.min.js"))
FRAME = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
ON_SCREEN = """() => {
  const top = document.getElementById('toolbar').getBoundingClientRect().bottom;
  return [...document.querySelectorAll('.card:not([hidden])')].filter(c => {
    const r = c.getBoundingClientRect(); return r.top >= top - 1 && r.bottom <= innerHeight + 1; }).map(c => c.id);
}"""
DAY = f"{SEED_DAY.isoformat()}.html"


def _scroll(page: Any, y: int) -> None:
    page.evaluate("y => window.scrollTo(0, y)", y)
    page.evaluate(FRAME)


def _per_screen(page: Any) -> list[int]:
    """Papers wholly on screen (below the sticky toolbar) at several places down the page."""
    counts = []
    for y in range(1500, 7500, 750):
        _scroll(page, y)
        counts.append(len(page.evaluate(ON_SCREEN)))
    return counts


def _current(page: Any) -> str | None:
    return page.evaluate('document.querySelector(".card.current")?.id ?? null')  # type: ignore[no-any-return]


# ---------------------------------------------------------------- 2. density and read state


def test_compact_densities_fit_ten_papers_a_screen_and_are_remembered(visit: Visit, site: Path) -> None:
    visit.open(site, DAY)
    page = visit.page
    full = sorted(_per_screen(page))[3]
    assert full <= 4  # full cards: a few a screen
    page.select_option("#density", "compact")
    compact = _per_screen(page)
    assert sorted(compact)[len(compact) // 2] >= 10, compact  # 1280x900: ten or more papers a screen
    card = page.locator(".card:not([hidden])").nth(40)
    assert card.locator(".tldr").is_visible() and not card.locator(".authors").is_visible()
    _screenshot(page, "compact.png")
    page.keyboard.press("c")  # c: the next density
    assert page.evaluate("document.documentElement.dataset.density") == "titles"
    assert sorted(_per_screen(page))[3] >= 18  # one line a paper
    assert not card.locator(".tldr").is_visible()
    card.locator(".card-index").click()  # a click on a compact card opens it in full
    assert card.locator(".authors").is_visible() and card.locator(".tldr").is_visible()
    page.reload()  # remembered, and applied before the first paint (theme.js)
    assert visit.storage("arxiv-digest:density") == "titles"
    assert page.evaluate("document.documentElement.dataset.density") == "titles"
    assert page.input_value("#density") == "titles"
    page.keyboard.press("c")
    assert page.evaluate("document.documentElement.dataset.density ?? 'full'") == "full"


def test_next_unread_skips_what_was_read_and_remembers_it(visit: Visit, site: Path) -> None:
    visit.open(site, DAY)
    page = visit.page
    order = _expected_search("")
    page.keyboard.press("j")
    page.keyboard.press("j")  # visited with j: papers 1 and 2 are read
    visit.card(order[3]).locator(".card-index").click()  # clicked: read
    visit.card(order[0]).locator(".card-index").click()  # back to the first
    page.keyboard.press("n")
    assert _current(page) == order[2]  # the next paper not read yet
    page.keyboard.press("n")
    assert _current(page) == order[4]  # the clicked one was read
    read = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('arxiv-digest:read:')).sort()")
    assert read == sorted(f"arxiv-digest:read:{pid}" for pid in order[:5])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", visit.storage(f"arxiv-digest:read:{order[0]}"))
    page.reload()
    assert page.eval_on_selector_all(".card.read", "els => els.map(e => e.id)") == order[:5]
    page.keyboard.press("n")  # nothing current: from the top of the screen, past what was read
    assert _current(page) == order[5]
    # Opening details counts as reading too.
    target = visit.card(order[8])
    target.scroll_into_view_if_needed()
    target.locator("summary").click()
    assert target.evaluate("e => e.classList.contains('read')")


# ---------------------------------------------------------------- 3. search shows its results


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_search_shows_hits_first_with_counts_and_keeps_the_query_in_the_url(visit: Visit, site: Path) -> None:
    visit.open(site, DAY)
    page = visit.page
    assert page.locator("#top-picks").is_visible()
    _scroll(page, 20_000)  # deep in the page
    page.fill("#search", "clustering")
    expected = _expected_search("clustering")
    assert visit.visible_ids() == expected
    assert not page.locator("#top-picks").is_visible()  # the boxes give way to the hits
    first = page.locator(f'article[id="{expected[0]}"]').bounding_box()
    assert first is not None and first["y"] < 400  # the first hit is on screen, under the toolbar
    assert page.locator('.chip[data-filter="*"] b').inner_text() == str(len(expected))
    by_cat = {c: sum(1 for p in _papers() if p["id"] in expected and p["category"] == c) for c in ("cs.LG", "stat.ML")}
    assert page.locator('.chip[data-filter="cs.LG"] b').inner_text() == str(by_cat["cs.LG"])
    page.click('.chip[data-filter="stat.ML"]')
    # the chips still say what each category holds for the query; the list shows the chosen ones
    assert page.locator('.chip[data-filter="cs.LG"] b').inner_text() == str(by_cat["cs.LG"])
    assert page.locator('.toc a[data-cat="cs.LG"] .count').inner_text() == "0"
    page.wait_for_url(re.compile(r"\?q=clustering&cat=stat\.ML"))
    assert _query(page) == {"q": ["clustering"], "cat": ["stat.ML"]}
    # A shared link opens the same view.
    shared = _new_visit(visit.page.context.browser)
    try:
        shared.page.goto(page.url)
        assert shared.page.input_value("#search") == "clustering"
        assert shared.visible_ids() == _expected_search("clustering", ("stat.ML",))
        assert shared.page.locator('.chip[data-filter="stat.ML"]').get_attribute("aria-pressed") == "true"
        assert shared.page.locator("#status").inner_text() == f"{len(shared.visible_ids())} / 133"
        assert shared.errors == []
    finally:
        shared.ctx.close()
    page.fill("#search", "")
    page.click('.chip[data-filter="*"]')
    page.wait_for_url(re.compile(r"2026-01-28\.html$"))
    assert page.locator("#top-picks").is_visible() and page.locator("#status").inner_text() == ""


def test_search_finds_text_of_cards_not_rendered_yet(visit: Visit, site: Path) -> None:
    """The last papers' details are still inert templates: their text is searched all the same."""
    visit.open(site, DAY)
    page = visit.page
    last = next(p for p in reversed(_papers()) if p["category"] == "stat.ML" and p.get("summary", True))
    term = last["method"][4:14]
    assert _expected_search(term) == [last["id"]]
    card = visit.card(last["id"])
    assert card.locator("template.card-body").count() == 1 and card.locator(".tldr").count() == 0
    page.fill("#search", term)
    assert visit.visible_ids() == [last["id"]]
    page.keyboard.press("Enter")  # from the search box to the first hit
    card.locator("summary").click()
    assert term in card.locator("dd").nth(1).inner_text()


def test_search_count_shows_on_a_phone(browser: Any, site: Path) -> None:
    v = _new_visit(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        v.open(site, DAY)
        page = v.page
        page.fill("#search", "clustering")
        status = page.locator("#status")
        assert status.is_visible() and status.inner_text() == f"{len(_expected_search('clustering'))} / 133"
        box = status.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] < 844
        _screenshot(page, "phone-search.png")
        assert v.errors == []
    finally:
        v.ctx.close()


# ---------------------------------------------------------------- 4. navigation


def test_days_by_key_dock_and_end_links(visit: Visit, site: Path) -> None:
    visit.open(site, DAY)
    page = visit.page
    assert not page.locator("#dock").is_visible()
    _scroll(page, 30_000)
    assert page.locator("#dock").is_visible()  # the top bar scrolled away; the dock did not
    ends = page.locator("nav.daynav-end a").all_inner_texts()
    assert ends == [f"‹ {DAY_BEFORE.isoformat()}", "全部日期", f"{DAY_AFTER.isoformat()} ›"]
    page.click("#to-top")
    page.evaluate(FRAME)
    assert page.evaluate("window.scrollY") == 0
    page.fill("#search", "model")
    page.wait_for_url(re.compile(r"\?q=model$"))
    page.keyboard.press("Escape")
    page.keyboard.press("]")  # the next day, with the same query
    page.wait_for_url(re.compile(rf"{DAY_AFTER.isoformat()}\.html\?q=model$"))
    assert page.input_value("#search") == "model" and visit.visible_ids() == [MONEY_ID]
    page.keyboard.press("[")
    page.wait_for_url(re.compile(rf"{SEED_DAY.isoformat()}\.html\?q=model$"))
    page.keyboard.press("[")
    page.wait_for_url(re.compile(rf"{DAY_BEFORE.isoformat()}\.html"))
    assert page.locator("a[rel=prev]").count() == 0  # the first day has no previous one


def test_the_sidebar_follows_the_section_on_screen(visit: Visit, site: Path) -> None:
    visit.open(site, DAY)
    page = visit.page
    here = 'document.querySelector(".toc a[aria-current=true]")?.dataset.cat ?? null'
    assert page.evaluate(here) is None  # the top of the page: no section yet
    for cat in ("stat.ML", "cs.LG", "eess.SP"):
        page.click(f'.toc a[data-cat="{cat}"]')
        for _ in range(3):
            page.evaluate(FRAME)  # the jump settles as the cards around it come in
        assert page.evaluate(here) == cat
        box = page.locator(f'section[id="{cat}"]').bounding_box()
        assert box is not None and (cat == "stat.ML" or abs(box["y"] - 132) < 30), box  # under the toolbar
    _scroll(page, 0)
    assert page.evaluate(here) is None


def test_index_leads_with_the_latest_day_and_its_chips_filter(visit: Visit, site: Path) -> None:
    visit.open(site, "index.html")
    page = visit.page
    latest = page.locator(".latest a.latest-link")
    assert latest.get_attribute("href") == f"{DAY_AFTER.isoformat()}.html"
    assert page.locator(".latest").bounding_box()["y"] < 300  # type: ignore[index]
    page.click(f'.day-item a.chip[href="{SEED_DAY.isoformat()}.html?cat=stat.ML"]')
    page.wait_for_url(re.compile(r"\?cat=stat\.ML$"))
    assert visit.visible_ids() == _expected_search("", ("stat.ML",))
    assert page.locator('.chip[data-filter="stat.ML"]').get_attribute("aria-pressed") == "true"


# ---------------------------------------------------------------- 6. prices and math


def test_prices_stay_text_and_math_renders(visit: Visit, site: Path) -> None:
    visit.open(site, f"{DAY_AFTER.isoformat()}.html")
    page = visit.page
    money = visit.card(MONEY_ID)
    page.wait_for_selector(f'article[id="{MATH_ID}"] .tldr .katex')  # the day's cards are hydrated
    assert money.locator(".katex").count() == 0
    assert money.locator(".tldr .txt").inner_text() == MONEY_TLDR  # "成本仅需$28-$41": dollars and all
    assert money.locator(".card-title").inner_text().endswith("A cheap model for $10")
    money.locator("summary").click()
    assert money.locator("dd.abstract").inner_text() == MONEY_ABSTRACT.replace("\\$", "$")
    assert money.locator(".katex").count() == 0
    math = visit.card(MATH_ID)
    math.locator("summary").click()
    tex = math.locator("annotation").all_text_contents()
    assert tex == ["\\ell_1", "k", "k", "O(n^2)", "\\sum_i x_i", "a+b"]  # title, TL;DR, abstract
    assert math.locator(".katex-display").count() == 1  # $$...$$ is display math
    assert "$" not in math.locator("dd.abstract .katex-html").first.inner_text()
    split = page.evaluate("t => DigestMath.split(t)", "成本仅需$28-$41，$x$ 与 $5 and $10，另一个$2$-近似")
    assert split == ["成本仅需$28-$41，", {"tex": "x", "display": False}, " 与 $5 and $10，另一个",
                     {"tex": "2", "display": False}, "-近似"]  # fmt: skip


# ---------------------------------------------------------------- 7. the reader's language


def test_the_pages_words_are_the_readers(visit: Visit, site: Path) -> None:
    visit.open(site, DAY)
    page = visit.page
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert page.get_attribute("#search", "placeholder") == "搜索标题、作者、摘要和总结"
    card = visit.card("2601.18927")
    assert card.locator(".tldr .label").inner_text() == "概要"
    card.locator("summary").click()
    assert card.locator("summary").inner_text() == "详细信息"
    assert card.locator("dt").all_inner_texts()[:4] == ["研究动机", "研究方法", "研究结果", "结论"]
    assert card.locator(".title-link").get_attribute("lang") == "en"  # English titles say so
    page.keyboard.press("?")
    assert page.locator("#help-title").inner_text() == "键盘快捷键"
    assert "下一篇未读" in page.locator("#help").inner_text()


# ---------------------------------------------------------------- 8. accessibility


def _axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.evaluate(AXE.read_text("utf-8"))  # through the DevTools protocol: the page's CSP stays on
    found = page.evaluate("() => axe.run(document).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, "
                          "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))")  # fmt: skip
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_violation(browser: Any, site: Path, theme: str) -> None:
    if not AXE.is_file():
        msg = f"axe-core not found at {AXE} (make test fetches it: scripts/ensure-axe.sh)"
        pytest.fail(msg) if os.environ.get("CI") == "true" else pytest.skip(msg)
    v = _new_visit(browser, color_scheme=theme)
    try:
        v.open(site, DAY)
        page = v.page
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"  # the first tab stop
        assert page.locator(".skip-link").get_attribute("href") == "#main"
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # every card and its details in full
        page.click("#open-settings")
        assert _axe(page) == []
        page.keyboard.press("Escape")
        page.fill("#search", "clustering")
        page.select_option("#density", "compact")
        assert _axe(page) == []
        v.open(site, f"{DAY_AFTER.isoformat()}.html")  # math, and TeX that KaTeX cannot read
        v.page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert v.page.locator(".katex-error").count() == 1
        assert _axe(v.page) == []
        v.open(site, "index.html")
        assert _axe(v.page) == []
        labels = v.page.eval_on_selector_all("nav, aside, main", "els => els.map(e => e.getAttribute('aria-label'))")
        assert len(labels) == len(set(labels))
    finally:
        v.ctx.close()


# ---------------------------------------------------------------- 9. weight


def test_cards_far_from_the_screen_wait_inert(visit: Visit, site: Path) -> None:
    visit.open(site, DAY)
    page = visit.page
    elements = page.evaluate("document.getElementsByTagName('*').length")
    assert elements < 133 * 8 + 400, elements  # about 6 elements a card at load, ~20 once hydrated
    waiting = page.eval_on_selector_all(".card:has(> template.card-body)", "els => els.length")
    assert waiting > 100
    last = visit.card(_expected_search("", ("stat.ML",))[-1])
    last.scroll_into_view_if_needed()
    page.wait_for_selector(f'article[id="{last.get_attribute("id")}"] .links')  # hydrated near the screen
    assert last.locator("template.card-body").count() == 0
    assert last.locator("dd").count() == 0  # its details wait for the reader to open them
    config = json.loads(page.locator("#digest-config").text_content() or "{}")
    assert config["ui"]["status"] == "{shown} / {total}"
