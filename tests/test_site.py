"""The static site, checked without a browser: files, counts, escaping, links, atomic replacement."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from arxiv_digest.config import Settings
from arxiv_digest.errors import RenderError
from arxiv_digest.models import StoredSummary, Summary
from arxiv_digest.render import html as site
from arxiv_digest.render import render_day
from arxiv_digest.render.html import find_code_url, render_site, script_json
from arxiv_digest.render.markdown import EXTRACTIVE, PENDING  # the site says what the Markdown says
from arxiv_digest.store import Store
from browser_util import SEED_DAY, add_papers, load_seed, seed_store
from site_pages import card_markup, page_doc

CATS = ["eess.SP", "cs.LG", "stat.ML"]
XSS_TITLE = "Payload <script>window.__xss=1;document.title='pwned'</script> title"
XSS_AUTHOR = 'Mallory <img src=x onerror="window.__xss=2">'
XSS_ABSTRACT = 'An abstract <img src=x onerror="window.__xss=3"> with $\\href{javascript:window.__xss=6}{x}$.'
XSS_TLDR = "TL;DR <script>window.__xss=4</script>"
XSS_MOTIVATION = "</script><script>window.__xss=5</script>"


def _paper(index: int, pid: str, title: str, category: str, **kw: Any) -> dict[str, Any]:
    p = {
        "index": index, "id": pid, "title": title, "authors": ["Ada Lovelace", "Alan Turing"], "category": category,
        "abstract": f"The abstract of {title}.", "tldr": "短摘要。", "motivation": "动机。", "method": "方法。",
        "result": "结果。", "conclusion": "结论。",
    }  # fmt: skip
    p.update(kw)
    return p


EXTRA = [
    _paper(
        132,
        "2601.99901",
        XSS_TITLE,
        "cs.LG",
        authors=[XSS_AUTHOR, "Eve"],
        abstract=XSS_ABSTRACT,
        tldr=XSS_TLDR,
        motivation=XSS_MOTIVATION,
    ),
    _paper(133, "2601.99902", "A paper still waiting for its summary", "stat.ML", summary=False),
    _paper(134, "2601.99903", "Code in the comment", "cs.LG", comment="12 pages. Code: gitlab.com/team/proj, data."),
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(categories=CATS, language="Chinese", data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = seed_store(settings.data_dir, EXTRA)
    yield s
    s.close()


def _doc(path: Path) -> Any:
    return page_doc(path)  # a day page with its cards, as day.js places them


def _card(doc: Any, pid: str) -> Any:
    return doc.xpath(f'//article[@id="{pid}"]')[0]


def test_site_files_and_counts(settings: Settings, store: Store, tmp_path: Path, seed_papers: list[dict]) -> None:
    out = render_site(settings, store, tmp_path / "site")
    assert out == tmp_path / "site"
    for name in ["index.html", "2026-01-28.html", "assets/site.css", "assets/day.js", "assets/theme.js",
                 "assets/katex/katex.min.js", "assets/katex/katex.min.css", "assets/katex/LICENSE",
                 "assets/math.js", "assets/readstate.js", site.SITE_MARKER]:  # fmt: skip
        assert (out / name).is_file(), name
    doc = _doc(out / "2026-01-28.html")
    cards = doc.xpath('//article[contains(@class, "card")]')
    assert len(cards) == len(seed_papers) + len(EXTRA)
    # Sections in the followed order, each TOC count = the cards listed under it.
    listed = Counter(c.get("data-section") for c in cards)
    toc = {a.get("data-cat"): int(a.xpath('.//span[@class="count"]')[0].text) for a in doc.xpath("//ul[@id='toc']//a")
           if a.get("data-cat")}  # fmt: skip
    assert list(toc) == CATS
    assert toc == dict(listed) == {"eess.SP": 18, "cs.LG": 108, "stat.ML": 8}
    assert doc.xpath('//section[@id="cs.LG"]/h2/span[@class="cat-name"]')[0].text == "Machine Learning"
    # The running index follows the reference digest (stat.ML comes after our two extra cs.LG papers).
    index_of = {c.get("id"): int(c.xpath('.//span[@class="card-index"]')[0].text) for c in cards}
    assert [index_of[p["id"]] - p["index"] for p in seed_papers] == [
        2 if p["category"] == "stat.ML" else 0 for p in seed_papers
    ]
    # Every card links to arXiv's abs, pdf and html pages.
    first = _card(doc, "2601.18927")
    hrefs = {a.get("class"): a.get("href") for a in first.xpath('.//div[@class="links"]/a')}
    assert hrefs == {"link-abs": "https://arxiv.org/abs/2601.18927", "link-pdf": "https://arxiv.org/pdf/2601.18927",
                     "link-html": "https://arxiv.org/html/2601.18927"}  # fmt: skip
    # The index page lists the day with its count.
    index = _doc(out / "index.html")
    link = index.xpath('//a[@class="day-link"]')[0]
    assert link.get("href") == "2026-01-28.html"
    assert f"{len(cards)} 篇论文" in link.text_content()


def test_summary_fields_and_pending_marker(settings: Settings, store: Store, tmp_path: Path) -> None:
    doc = _doc(render_site(settings, store, tmp_path / "site") / "2026-01-28.html")
    survey = _card(doc, "2601.18927")
    assert "本文全面综述了捏合天线系统" in survey.xpath('.//p[@class="tldr"]')[0].text_content()
    labels = [dt.text for dt in survey.xpath(".//details//dt")]
    assert labels == ["研究动机", "研究方法", "研究结果", "结论", "原文摘要"]  # the reader's language (Chinese)
    assert "pinching-antenna system (PASS)" in survey.xpath('.//dd[contains(@class, "abstract")]')[0].text_content()
    assert not survey.xpath('.//*[contains(@class, "pending-marker")]')
    pending = _card(doc, "2601.99902")
    assert pending.xpath('.//p[contains(@class, "pending-marker")]')[0].text_content().strip() == PENDING["chinese"]
    assert pending.xpath('.//p[contains(@class, "abstract")]')[0].text_content() == (
        "The abstract of A paper still waiting for its summary."
    )
    assert not pending.xpath(".//details")


def test_pending_marker_follows_the_readers_language(settings: Settings, tmp_path: Path) -> None:
    english = settings.model_copy(update={"language": "English"})
    with Store.open(settings.data_dir) as store:
        add_papers(store, SEED_DAY, EXTRA[1:2], language="English")
        doc = _doc(render_site(english, store, tmp_path / "site") / "2026-01-28.html")
    assert doc.xpath('//p[contains(@class, "pending-marker")]')[0].text_content().strip() == PENDING["english"]


def test_extractive_summary_is_labelled(settings: Settings, tmp_path: Path) -> None:
    with Store.open(settings.data_dir) as store:
        add_papers(store, SEED_DAY, EXTRA[1:2])
        s = Summary(tldr="First sentence.", motivation="m", method="m", result="r", conclusion="c")
        store.save_summary("2601.99902", StoredSummary(s, "extractive", "English", "extractive", "v1"))
        doc = _doc(render_site(settings, store, tmp_path / "site") / "2026-01-28.html")
    card = _card(doc, "2601.99902")
    assert card.xpath('.//p[contains(@class, "extractive")]')[0].text_content() == EXTRACTIVE["chinese"].strip("*")
    assert card.xpath('.//p[@class="tldr"]/span[@class="txt"]')[0].get("lang") == "en"


def test_no_request_leaves_the_site(settings: Settings, store: Store, tmp_path: Path) -> None:
    """Scripts, styles, fonts and images load only from the site's own files (relative URLs)."""
    out = render_site(settings, store, tmp_path / "site")
    for page in ["index.html", "2026-01-28.html"]:
        doc = _doc(out / page)
        refs = doc.xpath("//script/@src | //link/@href | //img/@src | //iframe/@src | //source/@src | //object/@data")
        assert refs, page
        for ref in refs:
            assert not re.match(r"^([a-z][a-z0-9+.-]*:|//)", ref, re.I), f"{page}: {ref}"
            assert (out / ref).is_file(), ref
        csp = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')[0]
        assert "default-src 'none'" in csp and "https:" not in csp and "*" not in csp
    # Stylesheets name only fonts the site ships.
    for css in [out / "assets/site.css", out / "assets/katex/katex.min.css"]:
        for url in re.findall(r"url\(([^)]+)\)", css.read_text("utf-8")):
            url = url.strip("'\"")
            assert not re.match(r"^([a-z]+:|//)", url), url
            assert (css.parent / url).is_file(), url


def test_data_from_arxiv_and_the_llm_is_escaped(settings: Settings, store: Store, tmp_path: Path) -> None:
    page = render_site(settings, store, tmp_path / "site") / "2026-01-28.html"
    source = page.read_text("utf-8") + card_markup(page.parent / "archive/days-2/2026-01-28.js")  # page and cards
    for payload in ["<script>window.__xss", "<img src=x onerror", "</script><script>"]:
        assert payload not in source
    assert "&lt;script&gt;window.__xss=1;document.title=&#39;pwned&#39;&lt;/script&gt;" in source
    doc = _doc(page)
    card = _card(doc, "2601.99901")
    assert card.xpath(".//h3/a")[0].text_content() == XSS_TITLE  # shown as text, exactly
    assert card.xpath('.//span[@class="author"]')[0].text_content() == XSS_AUTHOR
    assert XSS_ABSTRACT in card.xpath('.//dd[contains(@class, "abstract")]')[0].text_content()
    assert XSS_MOTIVATION in card.xpath(".//dd")[0].text_content()
    assert not doc.xpath("//img") and not doc.xpath("//*[@onerror]")
    scripts = [s.get("src") for s in doc.xpath("//script[not(@type)]")]
    assert scripts == ["assets/theme.js", "assets/common.js", "assets/katex/katex.min.js", "assets/math.js",
                       "assets/readstate.js", "assets/saved.js", "assets/cards.js", "assets/day.js",
                       "archive/days-2/2026-01-28.js"]  # the day's cards, a data file  # fmt: skip


def test_config_json_cannot_close_its_script(settings: Settings, store: Store, tmp_path: Path) -> None:
    evil = settings.model_copy(
        update={
            "profile": settings.profile.model_copy(
                update={"keywords": ["</script><script>window.__xss=7</script>", "a\u2028b"], "authors": ["<!--"]}
            )
        }
    )
    source = (render_site(evil, store, tmp_path / "site") / "2026-01-28.html").read_text("utf-8")
    block = re.search(r'<script type="application/json" id="digest-config">(.*?)</script>', source, re.S)
    assert block is not None
    assert "<" not in block.group(1) and "\u2028" not in block.group(1)
    config = json.loads(block.group(1))
    assert config["keywords"] == ["</script><script>window.__xss=7</script>", "a\u2028b"]
    assert config["authors"] == ["<!--"]
    assert json.loads(script_json({"x": "&<>"})) == {"x": "&<>"}


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Code is at https://github.com/zyh16143998882/CP_Loss."], "https://github.com/zyh16143998882/CP_Loss"),
        (["see github.com/microsoft/TimeCraft, and more"], "https://github.com/microsoft/TimeCraft"),
        (["(https://huggingface.co/datasets/org/set)"], "https://huggingface.co/datasets/org/set"),
        (
            ["no link here", "Code: https://GitLab.com/team/proj/-/tree/main"],
            "https://gitlab.com/team/proj/-/tree/main",
        ),
        (["our page https://example.org/code and https://github.com/onlyauser"], None),
        (["https://huggingface.co/papers/2601.00001"], None),
        ([None, ""], None),
    ],
)
def test_find_code_url(texts: list[str | None], expected: str | None) -> None:
    assert find_code_url(*texts) == expected


def test_code_links_on_cards(settings: Settings, store: Store, tmp_path: Path, seed_papers: list[dict]) -> None:
    doc = _doc(render_site(settings, store, tmp_path / "site") / "2026-01-28.html")
    code = {a.xpath("ancestor::article")[0].get("id"): a.get("href") for a in doc.xpath('//a[@class="link-code"]')}
    assert code["2601.99903"] == "https://gitlab.com/team/proj"  # from the comment
    with_repo = [p["id"] for p in seed_papers if re.search(r"github\.com/[\w.-]+/\w", p["abstract"])]
    assert with_repo and all(pid in code for pid in with_repo)
    assert "2601.18927" not in code  # no repository named: no code link
    assert all(href.startswith("https://") for href in code.values())


def test_top_picks_and_relevance_sort(settings: Settings, tmp_path: Path) -> None:
    papers = [_paper(i, f"2601.9990{i}", f"Paper {i}", "cs.LG", score=i / 10, reasons=[f"keyword: k{i}"])
              for i in range(1, 6)]  # fmt: skip
    top3 = settings.model_copy(update={"profile": settings.profile.model_copy(update={"top_k": 3})})
    with Store.open(settings.data_dir) as store:
        add_papers(store, SEED_DAY, papers)
        doc = _doc(render_site(top3, store, tmp_path / "site") / "2026-01-28.html")
    picks = doc.xpath('//section[@id="top-picks"]//li')
    assert [p.xpath('.//a[contains(@class, "pick-title")]')[0].text for p in picks] == ["Paper 5", "Paper 4", "Paper 3"]
    assert picks[0].xpath('.//span[@class="pick-reasons"]')[0].text == "keyword: k5"
    assert picks[0].xpath(".//a")[0].get("href") == "#2601.99905"
    assert doc.xpath('//select[@id="sort"]/option/@value') == ["listing", "relevance"]


def test_no_top_picks_without_scores(settings: Settings, store: Store, tmp_path: Path) -> None:
    doc = _doc(render_site(settings, store, tmp_path / "site") / "2026-01-28.html")
    assert not doc.xpath('//section[@id="top-picks"]') and not doc.xpath('//select[@id="sort"]')


def test_rendering_one_day_keeps_the_others(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "site"
    day0, day2, day3 = date(2026, 1, 27), date(2026, 1, 29), date(2026, 1, 30)
    with Store.open(settings.data_dir) as store:
        add_papers(store, day0, [_paper(1, "2601.99910", "Day before", "cs.LG")])
        add_papers(store, SEED_DAY, load_seed()[:3])
        add_papers(store, day2, [_paper(1, "2601.99911", "Next day", "cs.LG")])
        add_papers(store, day3, [_paper(1, "2601.99912", "Day after", "cs.LG")])
        render_site(settings, store, out, [day0, SEED_DAY])
        assert not (out / "2026-01-29.html").exists()
        first = (out / "2026-01-27.html").read_text("utf-8")
        render_site(settings, store, out, [day2])
    assert (out / "2026-01-27.html").read_text("utf-8") == first  # not a neighbour: untouched
    assert (out / "2026-01-29.html").is_file() and not (out / "2026-01-30.html").exists()
    days = [a.get("href") for a in _doc(out / "index.html").xpath('//a[@class="day-link"]')]
    assert days == ["2026-01-29.html", "2026-01-28.html", "2026-01-27.html"]  # newest first
    assert _doc(out / "2026-01-29.html").xpath('//a[@class="daynav-prev"]/@href') == ["2026-01-28.html"] * 2
    # The previous newest day now links forward to the new one.
    assert _doc(out / "2026-01-28.html").xpath('//a[@class="daynav-next"]/@href') == ["2026-01-29.html"] * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "site", "work"]  # no temp dirs left


def test_a_failed_render_leaves_the_old_site(
    settings: Settings, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = render_site(settings, store, tmp_path / "site")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def crash(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(site, "render_day_html", crash)
    with pytest.raises(RenderError, match="No space left on device"):
        render_site(settings, store, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "site", "work"]


def test_refuses_to_replace_a_directory_it_did_not_make(settings: Settings, store: Store, tmp_path: Path) -> None:
    home = tmp_path / "documents"
    home.mkdir()
    (home / "thesis.tex").write_text("precious", "utf-8")
    with pytest.raises(RenderError, match="not a site arxiv-digest made"):
        render_site(settings, store, home)
    assert [p.name for p in home.iterdir()] == ["thesis.tex"]


def test_unknown_day_is_an_error(settings: Settings, store: Store, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="no announcement stored for 2026-02-01"):
        render_site(settings, store, tmp_path / "site", [date(2026, 2, 1)])
    assert not (tmp_path / "site").exists()


def test_other_outputs_in_the_site_dir_are_kept_and_linked(settings: Settings, store: Store, tmp_path: Path) -> None:
    """`render` puts <day>.md and data/*.jsonl in the site dir by default (and earlier versions <day>.atom): a
    site render keeps them (and anything the owner added, like GitHub Pages' CNAME) and links the day's files."""
    out = tmp_path / "site"
    (out / "data").mkdir(parents=True)
    files = {"2026-01-28.md": "# md", "2026-01-28.atom": "<feed/>", "data/2026-01-28.jsonl": "{}\n"}
    for name, text in files.items():
        (out / name).write_text(text, "utf-8")
    render_site(settings, store, out)
    (out / "CNAME").write_text("digest.example.org\n", "utf-8")
    render_site(settings, store, out)
    for name, text in {**files, "CNAME": "digest.example.org\n"}.items():
        assert (out / name).read_text("utf-8") == text, name
    # the AI JSONL is the site's own data file of the day: written by the site build (a plain file is not)
    assert (out / "data/2026-01-28_AI_enhanced_Chinese.jsonl").read_text("utf-8").startswith('{"id":"')
    doc = _doc(out / "2026-01-28.html")
    assert [(a.text, a.get("href")) for a in doc.xpath('//p[@class="downloads"]/a')] == [
        ("Markdown", "2026-01-28.md"), ("Atom", "2026-01-28.atom"),
        ("JSONL", "data/2026-01-28_AI_enhanced_Chinese.jsonl"),
    ]  # fmt: skip
    # the head links the site's stable feed, never a one-day file; without feeds rendered, none
    assert doc.xpath('//link[@rel="alternate"]/@href') == []


def test_a_symlinked_site_dir_stays_a_link(settings: Settings, store: Store, tmp_path: Path) -> None:
    real = tmp_path / "www" / "digest"
    real.mkdir(parents=True)
    link = tmp_path / "site"
    link.symlink_to(real, target_is_directory=True)
    assert render_site(settings, store, link) == link
    assert link.is_symlink() and (real / "2026-01-28.html").is_file()


def test_a_score_shows_only_with_its_reasons(settings: Settings, tmp_path: Path) -> None:
    """A ranked day scores every paper; most score 0.00 for no reason: no badge says so."""
    papers = [_paper(1, "2601.99921", "Matched", "cs.LG", score=0.42, reasons=["keyword: diffusion"]),
              _paper(2, "2601.99922", "Unmatched", "cs.LG", score=0.0, reasons=[])]  # fmt: skip
    with Store.open(settings.data_dir) as store:
        add_papers(store, SEED_DAY, papers)
        doc = _doc(render_site(settings, store, tmp_path / "site") / "2026-01-28.html")
    badge = _card(doc, "2601.99921").xpath('.//span[contains(@class, "score")]')
    assert [(b.text, b.get("title")) for b in badge] == [("相关度 0.42", "keyword: diffusion")]
    assert not _card(doc, "2601.99922").xpath('.//span[contains(@class, "score")]')
    assert _card(doc, "2601.99922").get("data-score") == "0.0000"  # still sorted by it


def test_the_pages_words_follow_the_readers_language(settings: Settings, tmp_path: Path) -> None:
    english = settings.model_copy(update={"language": "English"})
    with Store.open(settings.data_dir) as store:
        add_papers(store, SEED_DAY, [_paper(1, "2601.99921", "A paper", "cs.LG")], language="English")
        out = render_site(english, store, tmp_path / "site")
    doc = _doc(out / "2026-01-28.html")
    assert doc.get("lang") == "en"
    assert doc.xpath("//h1")[0].text == "Wednesday, 28 January 2026"
    labels = [dt.text for dt in doc.xpath("//details//dt")]
    assert labels == ["Motivation", "Method", "Result", "Conclusion", "Abstract"]
    assert doc.xpath('//p[@class="tldr"]/span[@class="label"]')[0].text == "TL;DR"
    assert doc.xpath("//input[@id='search']/@placeholder") == ["Search titles, authors, abstracts, summaries"]
    assert doc.xpath("//a[@class='skip-link']")[0].text == "Skip to the papers"
    assert _doc(out / "index.html").xpath("//h1")[0].text == "Daily digests"


def test_every_word_has_its_chinese(settings: Settings, store: Store, tmp_path: Path) -> None:
    from arxiv_digest.render.ui import _CHINESE, _ENGLISH, long_date, ui_text

    assert set(_CHINESE) == set(_ENGLISH)
    assert long_date(ui_text("Chinese"), date(2026, 6, 30)) == "2026年6月30日 星期二"
    assert ui_text("Klingon")["search"] == "Search" and ui_text("Klingon")["lang"] == ""
    assert ui_text("Japanese")["details"] == "Details"  # no translation yet: English
    doc = _doc(render_site(settings, store, tmp_path / "site") / "2026-01-28.html")
    assert doc.get("lang") == "zh-Hans"
    text = " ".join(doc.xpath("//button//text() | //label//text() | //option//text() | //h2//text()"))
    for english in ("Highlights", "All", "Highlighted only", "Cancel", "Save", "Keyboard shortcuts", "Contents"):
        assert english not in text, english


def test_index_chips_filter_and_the_latest_day_leads(settings: Settings, tmp_path: Path) -> None:
    with Store.open(settings.data_dir) as store:
        add_papers(store, SEED_DAY, [_paper(1, "2601.99921", "A paper", "cs.LG", score=0.5, reasons=["keyword: a"])])
        add_papers(store, date(2026, 1, 27), [_paper(1, "2601.99920", "Older", "stat.ML")])
        index = _doc(render_site(settings, store, tmp_path / "site") / "index.html")
    assert index.xpath('//section[@class="latest"]//a[@class="latest-link"]/@href') == ["2026-01-28.html"]
    assert index.xpath('//section[@class="latest"]//a[@class="pick-title"]/@href') == ["2026-01-28.html#2601.99921"]
    assert index.xpath('//li[@class="day-item"]//a[@class="chip"]/@href') == [
        "2026-01-28.html?cat=cs.LG", "2026-01-27.html?cat=stat.ML"]  # fmt: skip
    assert not index.xpath("//span[contains(@class, 'chip')]")  # nothing that looks like a button and is not


def test_the_day_page_is_a_shell_around_the_days_card_file(settings: Settings, store: Store, tmp_path: Path) -> None:
    """The cards are written once, in the card file the range view reads too; the page links it, and says
    without JavaScript where the same day is (its Markdown and JSONL)."""
    out = tmp_path / "site"
    render_day(settings, store, SEED_DAY, "markdown", out / "2026-01-28.md")
    page = render_site(settings, store, out) / "2026-01-28.html"
    shell = lxml.html.fromstring(page.read_bytes())
    assert shell.xpath("//article") == [] and b"2601.99901" not in page.read_bytes()  # no card, not even its id
    assert shell.xpath("//script/@src")[-1] == "archive/days-2/2026-01-28.js"
    assert len(_doc(page).xpath("//article")) == 131 + 3  # every card, in the file
    (noscript,) = shell.xpath("//noscript")
    assert noscript.xpath(".//a/@href") == ["2026-01-28.md", "data/2026-01-28_AI_enhanced_Chinese.jsonl"]
    assert "JavaScript" in noscript.text_content()
    assert page.stat().st_size < 40_000  # the 134 cards' page was ~600 KB
