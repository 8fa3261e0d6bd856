"""A day page as a browser shows it, without a browser: the page is a shell, and its cards are the day's
card file (archive/days-2/<day>.js, gzipped, base64) that day.js puts into their sections."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path
from typing import Any

import lxml.html

_CARDS_SRC = re.compile(r'<script src="(archive/days-[^"]+\.js)"></script>')


def card_markup(data_file: Path) -> str:
    """The cards' HTML in a day's card file."""
    text = data_file.read_text("utf-8")
    payload = json.loads(text[text.index(",") + 1 : text.rindex(")")])
    return gzip.decompress(base64.b64decode(payload["gz"])).decode("utf-8")


def page_text(page: Path) -> str:
    """The day page's HTML with its cards in it (each after its section's heading, as day.js places them)."""
    html = page.read_text("utf-8")
    m = _CARDS_SRC.search(html)
    if m is None:
        return html
    cards = lxml.html.fragments_fromstring(card_markup(page.parent / m.group(1)))
    doc = lxml.html.fromstring(html)
    for card in cards:
        doc.xpath(f'//section[@class="cat-section"][@data-cat="{card.get("data-section")}"]')[0].append(card)
    return lxml.html.tostring(doc, encoding="unicode")


def page_doc(page: Path) -> Any:
    return lxml.html.fromstring(page_text(page))
