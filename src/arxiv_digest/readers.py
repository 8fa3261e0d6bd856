"""Several readers on one store (`[[readers]]`): one fetch for the union of their categories, one summary per
paper and language shared by all, and ranking, site and delivery per reader.

Each reader gets Settings of their own (`reader_settings`), derived from the top-level ones, which the
stages take as they are: the reader's categories, language, profile, recipients, notification URLs and site
directory. A config without `[[readers]]` is one reader, the top-level settings themselves, unchanged.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .config import ReaderSettings, Settings
from .errors import BadInput
from .models import DayDigest, Paper
from .sources.listing import within
from .store import Store


def reader_settings(settings: Settings) -> list[Settings]:
    """Settings per reader, in the config's order; the top-level settings when there are no readers."""
    return [for_reader(settings, r) for r in settings.readers] or [settings]


def select(settings: Settings, name: str | None) -> list[Settings]:
    """The named reader's settings, or every reader's when `name` is None."""
    readers = reader_settings(settings)
    if name is None:
        return readers
    chosen = [r for r in readers if r.reader == name]
    if not chosen:
        known = ", ".join(r.name for r in settings.readers) or "none: the config has no [[readers]]"
        raise BadInput(f"no reader named {name!r} (readers: {known})")
    return chosen


def for_reader(settings: Settings, r: ReaderSettings) -> Settings:
    """What one reader sees: their categories, language, profile and deliveries; site under <site_dir>/<name>."""
    out = settings.output
    site_url = r.site_url or (f"{out.site_url.rstrip('/')}/{r.name}/" if out.site_url and not r.site_dir else None)
    derived = settings.model_copy(
        update={
            "categories": list(r.categories),
            "language": r.language or settings.language,
            "profile": r.profile,
            "email": settings.email.model_copy(update={"recipients": list(r.email)}),
            "notify": settings.notify.model_copy(update={"urls": list(r.notify)}),
            "output": out.model_copy(
                update={"site_dir": r.site_dir or str(Path(out.site_dir) / r.name), "site_url": site_url}
            ),
            "readers": [],
        }
    )
    derived._reader = r.name
    return derived


def union_settings(settings: Settings) -> Settings:
    """The top-level settings following every reader's categories (in order of first mention): one fetch."""
    if not settings.readers:
        return settings
    cats = list(dict.fromkeys(c for r in settings.readers for c in r.categories))
    return settings.model_copy(update={"categories": cats})


def follows(settings: Settings, section: str) -> bool:
    """Does this reader follow the category a paper is listed under (itself, an alias or its archive)?"""
    return any(within(section, c) for c in settings.categories)


def load_day(store: Store, settings: Settings, day: date) -> DayDigest:
    """The day as these settings' reader sees it: their papers, summaries in their language, their scores.
    The single reader sees every stored paper of the day (an imported day may hold other categories)."""
    digest = store.load_day(day, list(settings.categories), settings.language, settings.reader)
    if settings.reader is not None:
        digest.entries = [e for e in digest.entries if follows(settings, e.section)]
    return digest


def _rows(store: Store, settings: Settings, day: date) -> list[sqlite3.Row]:
    return [r for r in store.day_rows(day) if settings.reader is None or follows(settings, r["section"])]


def day_paper_ids(store: Store, settings: Settings, day: date) -> list[str]:
    """The ids of the day's papers this reader gets."""
    return [r["paper_id"] for r in _rows(store, settings, day)]


def day_papers(store: Store, settings: Settings, day: date) -> list[Paper]:
    """The day's papers this reader gets, in announcement order (every paper of the day for the single reader)."""
    papers = store.day_papers(day)
    if settings.reader is None:
        return papers
    mine = set(day_paper_ids(store, settings, day))
    return [p for p in papers if p.id in mine]


def day_counts(store: Store, settings: Settings, day: date) -> list[tuple[str, int]]:
    """Papers per section of the reader's day, followed categories first in their order, from the
    announcement rows only (cheap for years of history)."""
    counts = Counter(r["section"] for r in _rows(store, settings, day))
    order = [c for c in settings.categories if c in counts] + sorted(c for c in counts if c not in settings.categories)
    return [(c, counts[c]) for c in order]


@dataclass
class LanguageGroup:
    """Readers who share a summary language: their papers are summarized once, in that language."""

    settings: Settings  # the top-level settings in this language
    readers: list[Settings]

    def paper_ids(self, store: Store, day: date) -> set[str] | None:
        """The papers to summarize; None: all of the day (the single reader)."""
        if all(r.reader is None for r in self.readers):
            return None
        return {pid for r in self.readers for pid in day_paper_ids(store, r, day)}


def language_groups(settings: Settings, readers: list[Settings]) -> list[LanguageGroup]:
    """One group per language, in the order the readers name them."""
    groups: dict[str, LanguageGroup] = {}
    for r in readers:
        key = r.language.strip().lower()
        if key not in groups:
            groups[key] = LanguageGroup(settings.model_copy(update={"language": r.language}), [])
        groups[key].readers.append(r)
    return list(groups.values())
