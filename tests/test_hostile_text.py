"""Hostile text from arXiv, an LLM or an import file: inert in the Markdown as a real renderer that allows
HTML sees it (markdown-it-py, html on), real text byte for byte, and nothing raw on the terminal."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import lxml.html
import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.models import Paper, StoredSummary, Summary
from arxiv_digest.render.inert import ACTING_ATTRIBUTES, inert
from arxiv_digest.render.markdown import render_markdown
from arxiv_digest.store import AnnouncementRow, Store

DAY = date(2026, 1, 28)
HOSTILE = [
    "<script>alert(1)</script>", "</details><script src=https://evil.example/x.js></script>",
    "<img src=x onerror=alert(2)>", "<IMG SRC=x ONERROR=alert(3)>", "<svg/onload=alert(4)>",
    "<iframe srcdoc='<script>alert(5)</script>'>", "<a href=\"javascript:alert(6)\">click</a>",
    "[click](javascript:alert(7))", "<javascript:alert(8)>", "<!-- the rest is hidden", "<style>body{display:none}",
    "<details open><summary>fake</summary>", "<img\nsrc=x\nonerror=alert(9)>", "</div></details></div>",
    "<textarea>", "<b onmouseover=alert(10)>hover</b>", "<?xml version='1.0'?>", "<![CDATA[x]]>",
    '<a href="https://x.example" onclick="alert(11)">x</a>', "<a href=' javascript:alert(12)'>x</a>",
    '<a href="data:text/html,alert(13)">x</a>', '<a href="https://x.example" style="position:fixed">x</a>',
    '<img src="https://tracker.example/p.png">', '<a href=""https://x.example">x</a>',
]  # fmt: skip
REAL = ["p<0.05", "<1% of the cost", "$a<b$ and $c>d$", "the $a<b>c$ order", "a <SEP> token", "0 < x < 1",
        "for $n<k$ where $k=3$", "x<y, y>z",
        'Our code is available at <a href="https://github.com/x/y.git">this https URL</a>.']  # as arXiv lists it


def hostile_paper(i: int, text: str) -> tuple[Paper, Summary]:
    p = Paper(f"2601.{i:05d}", 1, f"Title {text}", [f"Author {text}"], f"Abstract {text}", ["cs.LG"])
    s = Summary(tldr=f"TL {text}", motivation=f"M {text}", method=f"Me {text}", result=f"R {text}",
                conclusion=f"C {text}")  # fmt: skip
    return p, s


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "data")
    with s.transaction():
        for i, text in enumerate(HOSTILE + REAL, 1):
            p, sm = hostile_paper(i, text)
            s.upsert_paper(p)
            s.add_announcements(DAY, [AnnouncementRow(p.id, "cs.LG", "new", i, False)])
            s.put_summary(p.id, StoredSummary(sm, "llm", "Chinese", "m", "v1"))
    return s


def test_hostile_text_is_inert_in_a_renderer_that_allows_html(store: Store) -> None:
    md = render_markdown(store.load_day(DAY, ["cs.LG"], "Chinese"))
    html = MarkdownIt("commonmark", {"html": True}).render(md)
    tree = lxml.html.fromstring(f"<body>{html}</body>")
    acting = {"script", "style", "img", "svg", "iframe", "object", "embed", "textarea", "form", "input", "math"}
    for el in tree.iter():
        assert isinstance(el.tag, str), "a comment or processing instruction hides what follows"
        assert el.tag not in acting, el.tag
        for name, value in el.attrib.items():  # e.g. <b$ and $c> from "$a<b$ and $c>d$": a harmless element
            assert not name.lower().startswith("on") and name.lower() not in ACTING_ATTRIBUTES - {"href"}
            if name == "href":
                assert el.tag == "a" and value.startswith(("https://", "#")), value  # ours, or a web link
    n = len(HOSTILE) + len(REAL)
    assert len(tree.findall(".//details")) == n and len(tree.findall(".//summary")) == n  # only our own
    text = tree.text_content()
    for shown in ("Title <script>alert(1)</script>", "R <img src=x onerror=alert(2)>", "[click](javascript:alert(7))",
                  "Abstract <!-- the rest is hidden", "C p<0.05", "TL $a<b$ and $c>d$"):  # fmt: skip
        assert shown in text  # shown as what it is: text


def test_real_text_keeps_its_bytes() -> None:
    for t in REAL:
        assert inert(t) == t
    assert inert("see [the code](https://github.com/x/y)") == "see [the code](https://github.com/x/y)"


@pytest.mark.parametrize("text", HOSTILE)
def test_each_hostile_construct_is_changed(text: str) -> None:
    assert inert(text) != text
    html = MarkdownIt("commonmark", {"html": True}).render(inert(text))
    for raw in ("<script", "<img", "<svg", "<iframe", "<style", "<textarea", "<!--", "<?", "<![CDATA", "</details",
                "<details", "</div", "href=\"javascript"):  # fmt: skip
        assert raw not in html.lower(), (text, html)


def test_a_hostile_category_cannot_break_the_anchor(tmp_path: Path) -> None:
    with Store.open(tmp_path / "d") as s:
        p = Paper("2601.00001", 1, "t", ["a"], "x", ["cs.LG"])
        s.upsert_paper(p)
        s.add_announcements(DAY, [AnnouncementRow(p.id, "cs.LG'><script>x</script>", "new", 1, False)])
        md = render_markdown(s.load_day(DAY, [], "Chinese"))
    assert "<div id='cs.LG---script-x--script-'></div>" in md
    assert "<script" not in MarkdownIt("commonmark", {"html": True}).render(md)


def test_rank_prints_titles_without_their_escape_codes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store.open(data) as s:
        p = Paper("2601.00001", 1, "Diffusion \x1b[2J\x1b[31mpwned\x07\u202etxt.exe", ["A"], "diffusion", ["cs.LG"])
        s.upsert_paper(p)
        s.add_announcements(DAY, [AnnouncementRow(p.id, "cs.LG", "new", 1, False)])
    cfg = tmp_path / "c.toml"
    cfg.write_text('[profile]\nkeywords = ["diffusion"]\nembeddings = "none"\n', "utf-8")
    r = CliRunner().invoke(app, ["rank", "--config", str(cfg), "--data-dir", str(data)])
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\u202e" not in r.stdout
    assert "Diffusion \\x1b[2J\\x1b[31mpwned\\x07\\u202etxt.exe" in r.stdout
