"""arXiv's HTML full text (LaTeXML) -> the paper's sections as plain text, math kept as its LaTeX.

Every page format seen (the 2024/2025 bucket pages with `<base href="/html/ID">`, the 2026 pages with
arXiv's header, infobox and footer, ar5iv pages) holds the paper in `<article class="ltx_document">`;
everything outside it is page chrome. Inside it we drop what is not the paper's running text: the title
block, authors, abstract (the prompt has it from the metadata), the in-article table of contents, the
bibliography, footnotes, figure and table bodies (their captions stay), LaTeXML's error markers
(`ltx_ERROR`: the name of a macro it could not convert) and buttons ("Report issue for preceding
element" is added by arXiv's script; a page saved after it ran carries them). Math becomes `$alttext$`.

`NoFullText` is raised for arXiv's 404 "No HTML for '<id>'" page, any page without a LaTeXML article
(an error page), and an article with almost no text (a conversion that failed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree, html

PARSER_VERSION = 1  # stored with the text: a later parser can tell what it reads
MIN_TEXT_CHARS = 800  # below this the "paper" is a failed conversion's debris, not a text to summarize

ROLES = ("introduction", "method", "results", "discussion", "conclusion", "limitations", "background", "other",
         "appendix")  # fmt: skip
# Section titles -> role, the first role in this order that has a keyword in the title wins:
# "Results and Discussion" -> results, "Summary and limitations" -> conclusion, "Experimental setup" -> results.
_ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "conclusion": ("conclusion", "concluding", "summary", "outlook", "future work", "closing remarks"),
    "limitations": ("limitation", "broader impact", "ethic", "threats to validity", "impact statement"),
    "results": ("experiment", "result", "evaluation", "empirical", "numerical", "simulation", "benchmark",
                "performance", "ablation", "case stud", "application", "finding", "observation", "comparison"),
    "discussion": ("discussion", "implication", "analysis", "interpretation"),
    "method": ("method", "approach", "model", "framework", "architecture", "proposed", "algorithm", "design",
               "formulation", "theory", "theoretical", "proof", "construction", "implementation", "dataset",
               "data collection", "corpus", "setup", "setting", "task", "training", "system"),
    "introduction": ("introduction", "intro", "overview", "motivation"),
    "background": ("related work", "background", "preliminar", "prior work", "literature", "notation",
                   "definitions"),
}  # fmt: skip
MIN_LEAD_CHARS = 1000  # shorter text before the first section is a title block or index terms, not prose
# Sections that are not the paper's argument at all.
_SKIP_TITLES = re.compile(
    r"acknowledg|^references?$|bibliography|author contributions?|funding|data availability|code availability|"
    r"competing interests?|conflicts? of interest|declarations?|checklist",
    re.IGNORECASE,
)

_DROP_TAGS = ("script", "style", "button", "svg", "img", "nav", "header", "footer", "form", "dialog", "noscript",
              "input", "textarea", "select", "object", "iframe")  # fmt: skip
_DROP_CLASSES = ("ltx_bibliography", "ltx_TOC", "ltx_authors", "ltx_dates", "ltx_abstract", "ltx_keywords",
                 "ltx_title_document", "ltx_note", "ltx_ERROR", "ltx_pagination", "ltx_acknowledgements",
                 "ltx_listing_data", "ltx_pubnotes", "ltx_classification", "ltx_page_logo", "package-alerts",
                 "ltx_picture", "ltx_graphics", "ltx_tag_equation", "ltx_tag_equationgroup", "sr-only")  # fmt: skip
_EQUATION_CLASSES = ("ltx_equation", "ltx_equationgroup", "ltx_eqn_table")
_BLOCK_TAGS = ("p", "div", "section", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr",
               "blockquote", "figure", "figcaption", "dl", "dt", "dd", "pre")  # fmt: skip
_WS = re.compile(r"\s+")
_BREAK = "\ue000"  # a paragraph boundary while text is assembled (a private-use character)


class NoFullText(Exception):
    """This page holds no usable full text; the message says why (it is stored and shown in reports)."""


@dataclass(frozen=True)
class Section:
    title: str  # without its number: "Methodology"
    role: str  # one of ROLES
    text: str  # paragraphs separated by a blank line; subsection headings start with "### "


@dataclass
class FullText:
    sections: list[Section]
    errors: int = 0  # LaTeXML error markers in the article (macros it could not convert)
    version: int = PARSER_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def chars(self) -> int:
        return sum(len(s.text) for s in self.sections)

    def to_json(self) -> str:
        secs = [[s.title, s.role, s.text] for s in self.sections]
        return json.dumps({"v": self.version, "errors": self.errors, "sections": secs}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> FullText:
        d = json.loads(text)
        return cls([Section(t, r, x) for t, r, x in d["sections"]], int(d.get("errors", 0)), int(d.get("v", 0)))


# ---------------------------------------------------------------- classification


def classify(title: str) -> str:
    """A section title -> the role it plays for a summary ("other" when nothing matches)."""
    low = title.lower()
    return next((role for role, words in _ROLE_WORDS.items() if any(w in low for w in words)), "other")


# ---------------------------------------------------------------- cleaning


def _has_class(names: tuple[str, ...]) -> str:
    return " or ".join(f"contains(concat(' ', normalize-space(@class), ' '), ' {n} ')" for n in names)


def _drop(el: Any) -> None:
    el.drop_tree()  # keeps the tail text: "see [1] and" stays "see and"


def _replace_with_text(el: Any, text: str, block: bool = False) -> None:
    new = html.Element("div" if block else "span")
    new.text = text
    new.tail = el.tail
    parent = el.getparent()
    if parent is not None:
        parent.replace(el, new)


def _tex(math: Any) -> str:
    alt = math.get("alttext")
    if alt is None:
        ann = math.xpath(".//*[local-name()='annotation'][@encoding='application/x-tex']")
        alt = ann[0].text_content() if ann else math.text_content()
    return _WS.sub(" ", alt.replace("\\displaystyle", "")).strip()


def _equations(article: Any) -> None:
    """A displayed equation (a LaTeXML table, one row per line) -> one `$$...$$` line per row."""
    for table in article.xpath(f".//table[{_has_class(_EQUATION_CLASSES)}]"):
        if table.getparent() is None:
            continue
        lines = []
        for row in table.xpath(".//tr") or [table]:
            parts = [_tex(m) for m in row.xpath(".//*[local-name()='math']")]
            if any(parts):
                lines.append("$$" + " ".join(p for p in parts if p) + "$$")
        _replace_with_text(table, _BREAK.join(lines), block=True)
    for math in article.xpath(".//*[local-name()='math']"):
        tex = _tex(math)
        if math.get("display") == "block":
            _replace_with_text(math, f"{_BREAK}$${tex}$${_BREAK}")
        else:
            _replace_with_text(math, f"${tex}$" if tex else "")


def _figures(article: Any) -> None:
    """Figures and tables (block or inline): the caption stays (it often states the result), the body goes."""
    floats = f"self::figure or {_has_class(('ltx_figure', 'ltx_table', 'ltx_float'))}"
    for fig in article.xpath(f".//*[{floats}][not(ancestor::*[{floats}])]"):
        caps = fig.xpath(f".//figcaption | .//*[{_has_class(('ltx_caption',))}][not(ancestor::figcaption)]")
        caption = " ".join(_WS.sub(" ", c.text_content()).strip() for c in caps).strip()
        if caption:
            _replace_with_text(fig, f"[{caption}]", block=True)
        else:
            _drop(fig)
    for table in article.xpath(f".//*[{_has_class(('ltx_tabular',))}]"):
        if table.getparent() is not None:
            _drop(table)


def _clean(article: Any) -> int:
    """Remove everything that is not running text; returns how many LaTeXML errors the article had."""
    errors = len(article.xpath(f".//*[{_has_class(('ltx_ERROR',))}]"))
    for el in article.xpath(" | ".join(f".//{t}" for t in _DROP_TAGS) + f" | .//*[{_has_class(_DROP_CLASSES)}]"):
        if el.getparent() is not None:
            _drop(el)
    _equations(article)
    _figures(article)
    for h in article.xpath(".//h3|.//h4|.//h5|.//h6"):
        if "ltx_runin" not in (h.get("class") or ""):
            h.text = "### " + (h.text or "")
    return errors


def _text(el: Any) -> str:
    """Paragraphs of an element, whitespace normalised, separated by a blank line."""
    for node in el.iter():
        if isinstance(node.tag, str):
            node.text = _WS.sub(" ", node.text) if node.text else node.text
        node.tail = _WS.sub(" ", node.tail) if node.tail else node.tail
    for node in el.iter(*_BLOCK_TAGS):
        node.text = _BREAK + (node.text or "")
        node.tail = _BREAK + (node.tail or "")
    parts = (p.strip() for p in el.text_content().split(_BREAK))
    return "\n\n".join(p for p in parts if p)


# ---------------------------------------------------------------- sections


def _title(section: Any) -> tuple[str, Any]:
    heads = section.xpath(f"./*[self::h1 or self::h2 or self::h3 or self::h4][{_has_class(('ltx_title',))}]")
    if not heads:
        return "", None
    head = heads[0]
    for tag in head.xpath(f".//*[{_has_class(('ltx_tag',))}]"):
        _drop(tag)
    return _WS.sub(" ", head.text_content()).replace("### ", "").strip(), head


def _section(section: Any) -> Section | None:
    title, head = _title(section)
    if _SKIP_TITLES.search(title):
        return None
    if head is not None:
        _drop(head)
    cls = section.get("class") or ""
    role = "appendix" if "ltx_appendix" in cls else classify(title)
    text = _text(section)
    return Section(title or "Text", role, text) if text else None


def _top_sections(article: Any) -> list[Section]:
    """The article's top-level sections in order; running text before the first one is a section too."""
    out: list[Section] = []
    loose = html.Element("div")  # text outside any section (short papers have no sections at all)
    for child in list(article):
        if not isinstance(child.tag, str):
            continue
        if child.tag == "section":
            sec = _section(child)
            if sec is not None:
                out.append(sec)
        else:
            loose.append(child)
    lead = _text(loose)
    if lead and (len(lead) >= MIN_LEAD_CHARS or not out):
        out.insert(0, Section("Text", "other", lead))
    return out


def _no_html_reason(doc: Any) -> str:
    heading = " ".join(_WS.sub(" ", h.text_content()).strip() for h in doc.xpath("//h1"))
    if heading.startswith("No HTML for"):
        return f"arXiv has no HTML version ({heading})"
    title = _WS.sub(" ", "".join(doc.xpath("//title//text()"))).strip()
    return f"not a LaTeXML paper page ({(heading or title or 'no title')[:80]})"


def parse_latexml(page: bytes | str) -> FullText:
    """A page from arxiv.org/html (or ar5iv) -> its sections. Raises NoFullText when it has none."""
    data = page.encode("utf-8") if isinstance(page, str) else page
    if not data.strip():
        raise NoFullText("empty page")
    parser = html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True)
    try:
        doc = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as e:
        raise NoFullText(f"unreadable HTML ({e})") from None
    articles = doc.xpath(f"//article[{_has_class(('ltx_document',))}]")
    if not articles:
        raise NoFullText(_no_html_reason(doc))
    article = articles[0]
    errors = _clean(article)
    sections = _top_sections(article)
    ft = FullText(sections, errors)
    if ft.chars < MIN_TEXT_CHARS:
        raise NoFullText(f"the HTML conversion holds almost no text ({ft.chars} characters, {errors} LaTeXML "
                         "errors): a failed conversion")  # fmt: skip
    return ft
