"""Safe XML parsing and the text clean-ups shared by the feed, API and OAI parsers.

arXiv's answers are untrusted bytes: the parser never touches the network, never expands entities
and refuses huge trees, so a hostile or broken answer costs at most one clear ArxivParseError.
"""

from __future__ import annotations

import re

from lxml import etree

from arxiv_digest.errors import ArxivParseError

_WS = re.compile(r"\s+")
_HTML_SNIFF = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!doctype\s+html|<html)", re.I)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


def parse_xml(data: bytes, what: str) -> etree._Element:
    """Parse `data` as XML and return its root; `what` ("RSS", "Atom"...) names it in errors."""
    if not data or not data.strip():
        raise ArxivParseError(f"empty answer where {what} XML was expected")
    if _HTML_SNIFF.match(data[:1024]):
        raise ArxivParseError(f"got an HTML page{_html_title(data)} where {what} XML was expected")
    # A fresh parser per call: lxml parsers are not safe to share between threads.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ArxivParseError(f"malformed or truncated {what} XML: {exc.msg}") from None
    if root is None:
        raise ArxivParseError(f"no {what} document in the answer")
    return root


def _html_title(data: bytes) -> str:
    m = _HTML_TITLE.search(data[:8192])
    if not m:
        return ""
    title = collapse(m.group(1).decode("utf-8", "replace"))[:80]
    return f" ({title!r})" if title else ""


def local_name(el: etree._Element) -> str:
    """'{http://www.w3.org/2005/Atom}feed' -> 'feed'."""
    return etree.QName(el).localname


def text(el: etree._Element | None) -> str:
    """All text inside `el` (entities decoded by the parser), '' when missing."""
    if el is None:
        return ""
    return "".join(el.itertext())


def opt_text(el: etree._Element | None, clean: bool = False) -> str | None:
    """Stripped (or, with clean=True, whitespace-collapsed) text, None when missing or blank."""
    s = collapse(text(el)) if clean else text(el).strip()
    return s or None


def collapse(s: str) -> str:
    """Undo hard wrapping: every whitespace run becomes one space, ends stripped."""
    return _WS.sub(" ", s).strip()


def unwrap_abstract(s: str) -> str:
    """Unwrap an abstract in arXiv's source form (as the legacy API and OAI-PMH serve it).

    Lines are hard-wrapped at about 80 columns; a line that starts with spaces begins a new
    paragraph. Wrapped lines are joined with one space and each paragraph break becomes "\\n  ",
    which is how the 2026 API serializer writes it, so both serializers give the same text.
    """
    lines = s.strip().split("\n")
    out = collapse(lines[0])
    for line in lines[1:]:
        piece = collapse(line)
        if not piece:
            continue
        out += ("\n  " if line[:1].isspace() else " ") + piece
    return out
