"""The browser tests' site and browser: the sample day (plus XSS payloads, a pending paper, scores) and its
neighbour days rendered from a real store, and Debian's chromium opening them from disk over file://.

Every page records its requests: anything not file:// is aborted and fails the test (`visit`).
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import Settings
from arxiv_digest.render.html import render_site
from arxiv_digest.store import Store
from browser_util import CHROMIUM, SEED_DAY, WAIT_MARK, add_papers, chromium, chromium_available, load_seed

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CATS = ["eess.SP", "cs.LG", "stat.ML"]
XSS_ID = "2601.99901"
XSS_TITLE = "Payload <script>window.__xss=1;document.title='pwned'</script> <img src=x onerror=\"window.__xss=2\">"
XSS_ABSTRACT = (
    'An abstract <img src=x onerror="window.__xss=3;document.title=\\"pwned\\""> with '
    '$\\href{javascript:window.__xss=6}{x}$ and <svg onload="window.__xss=7"></svg>.'
)
XSS_TLDR = 'TL;DR <script>window.__xss=4</script><img src=x onerror="window.__xss=8">'
XSS_MOTIVATION = "</details></article><script>window.__xss=5</script>"
SCORED = {"2601.19333": 0.91, "2601.18927": 0.42, "2601.19755": 0.77}  # k-clustering, PASS survey, f-divergence
REASONS = {"2601.19333": ["keyword: clustering"], "2601.18927": ["keyword: antenna"],
           "2601.19755": ["keyword: kernel", "author: Arthur Gretton"]}  # as rank/ writes them; fmt: skip


def _extra() -> list[dict[str, Any]]:
    base = {"result": "r", "method": "m", "conclusion": "c"}
    return [
        {**base, "index": 132, "id": XSS_ID, "title": XSS_TITLE, "authors": ["Mallory <b>Bold</b>", "Eve"],
         "category": "cs.LG", "abstract": XSS_ABSTRACT, "tldr": XSS_TLDR, "motivation": XSS_MOTIVATION},
        {**base, "index": 133, "id": "2601.99902", "title": "A paper still waiting for its summary",
         "authors": ["Ada Lovelace"], "category": "stat.ML", "abstract": "Nothing summarized yet.", "tldr": "",
         "motivation": "", "summary": False},
    ]  # fmt: skip


def _papers() -> list[dict[str, Any]]:
    papers = load_seed()
    for p in papers:
        if p["id"] in SCORED:
            p["score"], p["reasons"] = SCORED[p["id"]], REASONS[p["id"]]
    return [*papers, *_extra()]


DAY_BEFORE, DAY_AFTER = date(2026, 1, 27), date(2026, 1, 29)
MONEY_ID, MATH_ID = "2601.99911", "2601.99912"
MONEY_TLDR = "该模型训练成本仅需$28-$41，比基线便宜。"
MONEY_ABSTRACT = "Each run costs between $5 and $10 (US$ 3 on spot instances), or \\$2 with a discount."
MATH_ABSTRACT = ("We show $k$-means needs $O(n^2)$ time and $$\\sum_i x_i$$ bounds it, with \\(a+b\\) too "
                 "(and $x^$, which KaTeX cannot read).")


def _neighbour_days() -> dict[date, list[dict[str, Any]]]:
    """The day before (two papers) and the day after (prices and math) the sample day."""
    base = {"authors": ["Ada Lovelace"], "category": "cs.LG", "motivation": "动机。", "method": "方法。",
            "result": "结果。", "conclusion": "结论。"}  # fmt: skip
    before = [{**base, "index": i, "id": f"2601.9992{i}", "title": f"Yesterday's paper {i}", "abstract": "An abstract.",
               "tldr": "昨天的论文。"} for i in (1, 2)]  # fmt: skip
    after = [
        {**base, "index": 1, "id": MONEY_ID, "title": "A cheap model for $10", "abstract": MONEY_ABSTRACT,
         "tldr": MONEY_TLDR},
        {**base, "index": 2, "id": MATH_ID, "title": "Bounds for $\\ell_1$ clustering", "abstract": MATH_ABSTRACT,
         "tldr": "证明了$k$-means的界。"},
    ]  # fmt: skip
    return {DAY_BEFORE: before, DAY_AFTER: after}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("browser-site")
    settings = Settings(categories=CATS, language="Chinese", data_dir=base / "data")
    with Store.open(settings.data_dir) as store:
        add_papers(store, SEED_DAY, _papers())
        for day, papers in _neighbour_days().items():
            add_papers(store, day, papers)
        return render_site(settings, store, base / "site")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    ci = os.environ.get("CI") == "true"
    if not chromium_available():
        msg = f"chromium not found at {CHROMIUM} (apt-get install chromium)"
        pytest.fail(msg) if ci else pytest.skip(msg)
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.fail("playwright is not installed") if ci else pytest.skip("playwright is not installed")
    with chromium() as b:
        yield b


@dataclass
class Visit:
    """One browser context and page, with everything it asked the network for."""

    ctx: Any
    page: Any
    requests: list[str] = field(default_factory=list)  # every request the page made
    blocked: list[str] = field(default_factory=list)  # requests that were not file:// (aborted)
    errors: list[str] = field(default_factory=list)  # page errors and console errors
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt: an executed payload

    def open(self, site: Path, name: str = f"{SEED_DAY.isoformat()}.html") -> None:
        self.page.goto((site / name).as_uri())  # returns after the load event
        if name.endswith(".html") and name[:4].isdigit() and "-W" not in name:  # a day: its cards come after it
            self.page.evaluate(WAIT_MARK, "digest-ready")

    def card(self, pid: str) -> Any:
        return self.page.locator(f'article[id="{pid}"]')

    def visible_ids(self) -> list[str]:
        return list(self.page.eval_on_selector_all(".card:not([hidden])", "els => els.map(e => e.id)"))

    def storage(self, key: str) -> Any:
        raw = self.page.evaluate("k => localStorage.getItem(k)", key)
        return json.loads(raw) if raw and raw[0] in "[{" else raw


def _new_visit(browser: Any, **options: Any) -> Visit:
    ctx = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, "color_scheme": "light", **options})
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    v = Visit(ctx, page)

    def block(route: Any) -> None:
        v.blocked.append(route.request.url)
        route.abort()

    def console(msg: Any) -> None:
        if msg.type == "error":
            v.errors.append(f"console: {msg.text}")

    def dialog(d: Any) -> None:
        v.dialogs.append(d.message)
        d.dismiss()

    ctx.route(re.compile(r"^(?!file:)"), block)
    page.on("request", lambda r: v.requests.append(r.url))
    page.on("pageerror", lambda e: v.errors.append(f"pageerror: {e}"))
    page.on("console", console)
    page.on("dialog", dialog)
    return v


@pytest.fixture
def visit(browser: Any) -> Iterator[Visit]:
    v = _new_visit(browser)
    yield v
    v.ctx.close()
    assert v.errors == []
    assert v.dialogs == []
    assert [u for u in v.requests if not u.startswith("file://")] == []


def _haystack(p: dict[str, Any]) -> str:
    fields = [p["id"], p["title"], *p["authors"], p["abstract"]]
    if p.get("summary", True):
        fields += [p[k] for k in ("tldr", "motivation", "method", "result", "conclusion")]
    return "\n".join(fields).lower()


def _expected_search(query: str, categories: tuple[str, ...] = tuple(CATS)) -> list[str]:
    """The ids a search should show, in page order (sections in the followed order)."""
    terms = query.lower().split()
    order = {c: i for i, c in enumerate(CATS)}
    papers = sorted(_papers(), key=lambda p: (order[p["category"]], p["index"]))
    return [p["id"] for p in papers if p["category"] in categories and all(t in _haystack(p) for t in terms)]


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


