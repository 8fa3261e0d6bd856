"""The digest's structure, shared by every renderer: sections in the reader's order, running index."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..models import DayDigest, DayEntry


@dataclass
class Section:
    category: str
    entries: list[tuple[int, DayEntry]]  # (running index across the whole digest, entry)


def category_order(present: Iterable[str], followed: list[str]) -> list[str]:
    """The followed categories present, in the reader's order, then any others alphabetically."""
    have = set(present)
    return [c for c in followed if c in have] + sorted(have - set(followed))


def build_sections(digest: DayDigest) -> list[Section]:
    """Followed categories first in the reader's order, any others after alphabetically;
    within a section, the order of the announcement source; one running index, 1-based."""
    by_cat: dict[str, list[DayEntry]] = {}
    for e in sorted(digest.entries, key=lambda e: e.position):
        by_cat.setdefault(e.section, []).append(e)
    order = category_order(by_cat, digest.categories)
    sections, n = [], 0
    for cat in order:
        numbered = []
        for e in by_cat[cat]:
            n += 1
            numbered.append((n, e))
        sections.append(Section(cat, numbered))
    return sections


def top_picks(entries: list[DayEntry], k: int) -> list[DayEntry]:
    """The k best-scoring entries with a positive score and at least one reason, best first: a pick
    is only shown when we can say why."""
    ranked = [e for e in entries if e.score is not None and e.score > 0 and e.reasons]
    return sorted(ranked, key=lambda e: (-(e.score or 0.0), e.position))[:k]
