"""Fill a store with the reference digest's day (2026-01-28), as the golden tests need it."""

from __future__ import annotations

from datetime import date
from typing import Any

from arxiv_digest.models import Paper, StoredSummary, Summary
from arxiv_digest.store import AnnouncementRow, Store

SEED_DAY = date(2026, 1, 28)
SEED_CATEGORIES = ["eess.SP", "cs.LG", "stat.ML"]


def seed_paper(p: dict[str, Any]) -> Paper:
    return Paper(id=p["id"], version=1, title=p["title"], authors=p["authors"], abstract=p["abstract"],
                 categories=[p["category"]])  # fmt: skip


def seed_summary(p: dict[str, Any], kind: str = "llm", language: str = "Chinese") -> StoredSummary:
    s = Summary(tldr=p["tldr"], motivation=p["motivation"], method=p["method"], result=p["result"],
                conclusion=p["conclusion"])  # fmt: skip
    return StoredSummary(s, kind, language, "deepseek-chat", "v1")  # type: ignore[arg-type]


def fill_seed(store: Store, papers: list[dict[str, Any]], summarized: bool = True) -> None:
    """Papers + announcements (section = category, position = index) + llm summaries in Chinese."""
    with store.transaction():
        for p in papers:
            store.upsert_paper(seed_paper(p))
        rows = [AnnouncementRow(p["id"], p["category"], "new", p["index"], False) for p in papers]
        store.add_announcements(SEED_DAY, rows)
    if summarized:
        for p in papers:
            store.save_summary(p["id"], seed_summary(p))
