"""Builds and updates the site's search index (the format is in search_index.py) inside a site tree.

Incremental: a day is tokenized only when it was rendered again or was never tokenized (its segment is
cached in the store under a digest of its content); a month's result files and a level's postings are
rewritten only when the digests they are made from change. Every directory is named after those
digests, so what did not change keeps its files, and a browser never mixes files of two builds.
"""

from __future__ import annotations

import json
import shutil
import zlib
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any

from ..config import Settings
from ..readers import load_day
from ..store import Store
from .search_index import (
    FORMAT,
    LAYOUT,
    Files,
    Segment,
    day_docs,
    digest_of,
    join,
    level_files,
    meta_files,
    segment,
    splits,
)
from .trends import day_title_terms

SEARCH_DIR = Path("archive") / "search"
INFO = "info.json"  # in each directory: what the manifest says about it, so it can be reused as is
TITLES = "titles:"  # cache key prefix of a day's title words, for the trends page


class Segments:
    """The store's cache of tokenized days, months and levels, for one index fingerprint."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self.fp = f"{FORMAT}:{digest_of('search', settings.language, settings.categories, settings.reader)}"
        store.drop_search_segments(keep=f"{FORMAT}:")  # an older format's cache is of no use any more
        self.known = store.search_segment_digests(self.fp)  # key -> (digest, docs)

    def day(self, day: date, refresh: bool) -> tuple[str, int]:
        """The day's (content digest, documents); tokenizes the day when it is new or may have changed."""
        key = day.isoformat()
        if not refresh and key in self.known and TITLES + key in self.known:
            return self.known[key]
        docs = day_docs(load_day(self.store, self.settings, day))
        digest = digest_of([asdict(d) for d in docs])
        fresh = self.known.get(key) == (digest, len(docs)) and self.known.get(TITLES + key, ("",))[0] == digest
        if not fresh or self._load(key, digest) is None:
            seg = segment(day, docs)
            seg.parts = [[key, digest]]
            self.store.put_search_segment(self.fp, key, digest, len(docs), seg.dumps())
            terms = json.dumps(day_title_terms(d.title for d in docs), ensure_ascii=False).encode()
            self.store.put_search_segment(self.fp, TITLES + key, digest, len(docs), zlib.compress(terms))
            self.known[key] = self.known[TITLES + key] = (digest, len(docs))
        return self.known[key]

    def _load(self, key: str, digest: str | None = None) -> Segment | None:
        blob = self.store.get_search_segment(self.fp, key, digest)
        return Segment.loads(key, blob) if blob is not None else None

    def get(self, key: str) -> Segment:
        """A day's segment (tokenized again if the cache lost it)."""
        seg = self._load(key, self.known[key][0])
        if seg is None:
            self.known.pop(key, None)
            self.day(date.fromisoformat(key), refresh=True)
            seg = self._load(key, self.known[key][0])
        assert seg is not None
        return seg

    def joined(self, key: str, units: list[tuple[list[list[str]], Callable[[], Segment]]]) -> Segment:
        """Units joined, in order, cached under `key`; a unit is ([day, digest] of the days it holds, a way to
        get its segment). When the cached join holds the first units unchanged, only the others are joined
        to it: adding a day to a month, or a month to the base, never joins the whole again."""
        days = [d for unit_days, _ in units for d in unit_days]
        cached = self._load(key)
        if cached is not None and cached.parts == days:
            return cached
        start = 0  # how many leading units the cached join holds exactly
        if cached is not None and cached.parts:
            held = 0
            for i, (unit_days, _) in enumerate(units, 1):
                held += len(unit_days)
                if held >= len(cached.parts):
                    start = i if held == len(cached.parts) and cached.parts == days[:held] else 0
                    break
        head = [cached] if start and cached is not None else []
        seg = join(key, head + [load() for _, load in units[start:]])
        self.store.put_search_segment(self.fp, key, digest_of(days), seg.docs, seg.dumps())
        return seg

    def titles(self, days: list[date]) -> dict[date, dict[str, int]]:
        """Per day: how many papers have each title word (see trends.title_terms)."""
        out = {}
        for d in days:
            key = TITLES + d.isoformat()
            blob = self.store.get_search_segment(self.fp, key, self.known[key][0])
            out[d] = json.loads(zlib.decompress(blob)) if blob is not None else {}
        return out


def _reuse_or(root: Path, name: str, build: Callable[[], Files]) -> dict[str, Any]:
    """The directory's manifest entry: kept as it is when it exists, else built and written."""
    info = root / name / INFO
    if info.is_file():
        return dict(json.loads(info.read_text("utf-8")))
    if (root / name).exists():
        shutil.rmtree(root / name)  # left by an interrupted build
    files = build()
    (root / name).mkdir(parents=True)
    for file, text in files.files.items():
        (root / name / file).write_text(text, "utf-8")
    info.write_text(json.dumps(files.info, ensure_ascii=False), "utf-8")  # last: marks the directory complete
    return files.info


Unit = tuple[list[list[str]], Callable[[], Segment]]  # ([day, digest] of the days it holds, its segment)


class _Build:
    """One build of the index directory: the days' digests, months, and the segments joined so far."""

    def __init__(self, root: Path, cache: Segments, known: dict[str, tuple[str, int]]) -> None:
        self.root, self.cache, self.known = root, cache, known
        self.months = {m: list(ds) for m, ds in groupby(known, key=lambda k: k[:7])}
        self.digest = {m: digest_of(m, [(d, known[d][0]) for d in ds]) for m, ds in self.months.items()}
        self.joined: dict[str, Segment] = {}

    def units(self, m: str) -> list[Unit]:
        return [([[d, self.known[d][0]]], lambda d=d: self.cache.get(d)) for d in self.months[m]]  # type: ignore[misc]

    def month(self, m: str) -> Segment:
        if m not in self.joined:  # the result files and a level may both want it
            self.joined[m] = self.cache.joined(m, self.units(m))
        return self.joined[m]

    def results(self) -> list[dict[str, Any]]:
        """Each month's result files, and its manifest entry."""
        entries = []
        for m, ds in self.months.items():
            name = f"{m}-{digest_of(LAYOUT, self.digest[m])}"
            info = _reuse_or(self.root, name, lambda m=m, name=name: meta_files(name, self.month(m).meta))  # type: ignore[misc]
            entries.append({"id": info["id"], "month": m, "m": info["m"],
                            "days": [[d, self.known[d][1]] for d in ds]})  # fmt: skip
        return entries

    def levels(self) -> list[dict[str, Any]]:
        """The base level (every month but the latest, rebuilt only when one of them changes) and the
        recent one (the latest month, rebuilt whenever a day is added to it)."""
        order, levels, split = list(self.months), [], None
        if len(order) > 1:
            base = order[:-1]
            name = f"base-{digest_of(LAYOUT, [self.digest[m] for m in base])}"

            def build_base() -> Files:
                units = [([[d, self.known[d][0]] for d in self.months[m]], lambda m=m: self.month(m)) for m in base]
                seg = self.cache.joined("base", units)  # type: ignore[arg-type]
                return level_files(name, seg, splits(seg), base)

            levels.append(_reuse_or(self.root, name, build_base))
            split = levels[0]["split"]
        if order:
            last = order[-1]
            name = f"recent-{digest_of(LAYOUT, self.digest[last], split)}"

            def build_recent() -> Files:
                seg = self.month(last)
                return level_files(name, seg, splits(seg) if split is None else set(split), [last])

            levels.append(_reuse_or(self.root, name, build_recent))
        return levels


def build_search(
    settings: Settings, store: Store, tree: Path, days: list[date], changed: set[date]
) -> tuple[dict[str, Any], Segments]:
    """Bring tree/archive/search up to date for `days` (every day of the site), tokenizing the `changed`
    ones again; returns the manifest's "search" entry and the cache (for the trends' title words).
    Directories no longer used are removed."""
    root = tree / SEARCH_DIR
    root.mkdir(parents=True, exist_ok=True)
    cache = Segments(settings, store)
    build = _Build(root, cache, {d.isoformat(): cache.day(d, d in changed) for d in sorted(days)})
    entries, levels = build.results(), build.levels()
    used = {e["id"] for e in entries} | {lv["id"] for lv in levels}
    for p in root.iterdir():
        if p.name not in used:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    manifest = {"split": levels[0]["split"] if levels else [], "months": entries,
                "levels": [{k: lv[k] for k in ("id", "months", "n", "p")} for lv in levels]}  # fmt: skip
    return manifest, cache
