"""Helpers for the site tests and the site benchmark: a store holding the sample day, and Debian's
chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from arxiv_digest.models import Paper, StoredSummary, Summary
from arxiv_digest.store import AnnouncementRow, Store

SEED_DAY = date(2026, 1, 28)
FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM = os.environ.get("ARXIV_DIGEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


# Wait for a performance mark without polling (and without eval, which the pages' CSP forbids).
WAIT_MARK = """name => new Promise(resolve => {
  if (performance.getEntriesByName(name).length) return resolve(true);
  new PerformanceObserver((list, obs) => {
    if (list.getEntriesByName(name).length) { obs.disconnect(); resolve(true); }
  }).observe({ type: "mark" });
})"""


def load_seed() -> list[dict[str, Any]]:
    return list(json.loads((FIXTURES / "seed-papers.json").read_text("utf-8")))


def add_papers(
    store: Store, day: date, papers: Iterable[dict[str, Any]], language: str = "Chinese", summarize: bool = True
) -> None:
    """Store papers in seed-papers.json's shape as announced on `day`, with their summaries as kind "llm".

    Optional keys beyond the seed's: `categories` (primary first), `comment`, `summary: false` (leave
    the paper unsummarized), `score` and `reasons`.
    """
    rows, scores = [], []
    for p in papers:
        cats = p.get("categories") or [p["category"]]
        paper = Paper(
            id=p["id"], version=1, title=p["title"], authors=p["authors"], abstract=p["abstract"],
            categories=cats, comment=p.get("comment"),
        )  # fmt: skip
        store.upsert_paper(paper)
        rows.append(AnnouncementRow(p["id"], p.get("section", cats[0]), "new", p["index"], False))
        if summarize and p.get("summary", True):
            s = Summary(**{k: p[k] for k in ("tldr", "motivation", "method", "result", "conclusion")})
            store.save_summary(p["id"], StoredSummary(s, "llm", language, "seed-model", "v1"))
        if "score" in p:
            scores.append((p["id"], float(p["score"]), list(p.get("reasons", []))))
    store.add_announcements(day, rows)
    if scores:
        store.save_scores(day, "test-profile", scores)


def seed_store(data_dir: Path, extra: Iterable[dict[str, Any]] = ()) -> Store:
    """A store holding the reference digest's day (131 papers, Chinese summaries) plus `extra` papers."""
    store = Store.open(data_dir)
    add_papers(store, SEED_DAY, [*load_seed(), *extra])
    return store


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None or Path(CHROMIUM).is_file()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, as a Playwright Browser. Playwright gives it a fresh temporary
    profile (user-data dir) and removes it on close; each `browser.new_context()` is isolated too."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def spread(store: Store, days: list[date], per_day: int, offset: int = 0) -> dict[date, list[dict[str, Any]]]:
    """The reference digest's papers spread over `days`, `per_day` each (a different slice every day), with
    ids of their own: a small multi-day archive for the archive tests. Returns what each day holds."""
    seed, out = load_seed(), {}
    for k, day in enumerate(days):
        papers = []
        for i in range(per_day):
            p = dict(seed[(offset + k * per_day + i) % len(seed)])
            p.update(index=i + 1, id=f"{day:%y%m}.{day.day:02d}{i:03d}", title=f"{p['title']} ({day.isoformat()})")
            papers.append(p)
        add_papers(store, day, papers)
        out[day] = papers
    return out
