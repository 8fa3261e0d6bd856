"""Builds and updates the site's search index (the format is in search_index.py) inside a site tree.

Incremental: a day is tokenized only when it was rendered again or was never tokenized (its segment is
cached in the store under a digest of its content); a month's result files and a level's postings are
rewritten only when the digests they are made from change. Every directory is named after those
digests, so what did not change keeps its files, and a browser never mixes files of two builds.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any

from ..config import Settings
from ..store import Store
from .search_index import Files, Segment, day_docs, digest_of, join, level_files, meta_files, segment, splits

SEARCH_DIR = Path("archive") / "search"
INFO = "info.json"  # in each directory: what the manifest says about it, so it can be reused as is


class Segments:
    """The store's cache of tokenized days and months, for one index fingerprint."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self.fp = digest_of("search", settings.language, settings.categories)
        self.known = store.search_segment_digests(self.fp)  # key -> (digest, docs)

    def day(self, day: date, refresh: bool) -> tuple[str, int]:
        """The day's (content digest, documents); tokenizes the day when it is new or may have changed."""
        key = day.isoformat()
        if not refresh and key in self.known:
            return self.known[key]
        docs = day_docs(self.store.load_day(day, self.settings.categories, self.settings.language))
        digest = digest_of([asdict(d) for d in docs])
        if self.known.get(key) != (digest, len(docs)) or self._blob(key) is None:
            self.store.put_search_segment(self.fp, key, digest, len(docs), segment(day, docs).dumps())
            self.known[key] = (digest, len(docs))
        return self.known[key]

    def _blob(self, key: str) -> bytes | None:
        return self.store.get_search_segment(self.fp, key, self.known[key][0])

    def get(self, key: str) -> Segment:
        """A day's segment (tokenized again if the cache lost it)."""
        blob = self._blob(key)
        if blob is None:
            self.day(date.fromisoformat(key), refresh=True)
            blob = self._blob(key)
        assert blob is not None
        return Segment.loads(key, blob)

    def month(self, month: str, digest: str, days: list[str]) -> Segment:
        """A month's days joined, cached under the month's digest."""
        blob = self.store.get_search_segment(self.fp, month, digest)
        if blob is not None:
            return Segment.loads(month, blob)
        seg = join(month, (self.get(d) for d in days))
        self.store.put_search_segment(self.fp, month, digest, seg.docs, seg.dumps())
        return seg


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


def build_search(settings: Settings, store: Store, tree: Path, days: list[date], changed: set[date]) -> dict[str, Any]:
    """Bring tree/archive/search up to date for `days` (every day of the site), tokenizing the `changed`
    ones again; returns the manifest's "search" entry. Directories no longer used are removed."""
    root = tree / SEARCH_DIR
    root.mkdir(parents=True, exist_ok=True)
    cache = Segments(settings, store)
    known = {d.isoformat(): cache.day(d, d in changed) for d in sorted(days)}
    months = {m: list(ds) for m, ds in groupby(known, key=lambda k: k[:7])}
    digest = {m: digest_of(m, [(d, known[d][0]) for d in ds]) for m, ds in months.items()}

    def month_seg(m: str) -> Segment:
        return cache.month(m, digest[m], months[m])

    entries = []
    for m, ds in months.items():
        name = f"{m}-{digest[m]}"
        info = _reuse_or(root, name, lambda m=m, name=name: meta_files(name, month_seg(m).meta))  # type: ignore[misc]
        entries.append({"id": info["id"], "month": m, "m": info["m"], "days": [[d, known[d][1]] for d in ds]})
    levels: list[dict[str, Any]] = []
    split: list[str] | None = None
    order = list(months)
    if len(order) > 1:  # every month but the latest, in one level rebuilt only when one of them changes
        base = order[:-1]
        name = f"base-{digest_of([digest[m] for m in base])}"

        def build_base() -> Files:
            seg = join("base", (month_seg(m) for m in base))
            return level_files(name, seg, splits(seg), base)

        levels.append(_reuse_or(root, name, build_base))
        split = levels[0]["split"]
    if order:  # the latest month: rebuilt whenever a day is added to it
        last = order[-1]
        name = f"recent-{digest_of(digest[last], split)}"

        def build_recent() -> Files:
            seg = month_seg(last)
            return level_files(name, seg, splits(seg) if split is None else set(split), [last])

        levels.append(_reuse_or(root, name, build_recent))
    used = {e["id"] for e in entries} | {lv["id"] for lv in levels}
    for p in root.iterdir():
        if p.name not in used:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    return {"split": levels[0]["split"] if levels else [], "months": entries,
            "levels": [{k: lv[k] for k in ("id", "months", "n", "p")} for lv in levels]}  # fmt: skip
