"""Machine-readable data beside the site's pages, so an agent or a script needs no browser:

- `data/days.json`: every day on the site, newest first, with its paper count per section and the URL of
  its data file (`DaysRecord`);
- `data/YYYY-MM-DD_AI_enhanced_<Language>.jsonl`: one day's papers with summaries, scores and reasons, one
  `PaperLine` a line (daily-arXiv-ai-enhanced's format plus fields of ours; jsonl.py writes it);
- `data/days.schema.json`, `data/paper.schema.json`: their JSON Schemas.

records.py defines the fields. Called once from the site build (html.py), into the tree being built.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ..config import Settings
from ..models import DayDigest
from ..readers import day_counts
from ..records import DayInfo, DaysRecord, PaperLine, announced_at, page_url
from ..store import Store
from .jsonl import export_day, file_names
from .output import write_text

DAYS = "data/days.json"
DayLoader = Callable[[date], DayDigest]  # a day as render reads it (the site build caches them)


def day_file(day: date, language: str) -> str:
    return f"data/{file_names(day, language)[1]}"


def write_data(settings: Settings, store: Store, tree: Path, days: list[date], redo: set[date],
               load: DayLoader) -> None:  # fmt: skip
    """The day files of `redo` (and of any day that has none yet), then the list of days and the schemas;
    `load` reads a day. Files are replaced, never rewritten in place: the tree may hold hard links into the
    previous site."""
    base = settings.output.site_url or ""
    for day in days:
        if day in redo or not (tree / day_file(day, settings.language)).is_file():
            export_day(load(day), tree / "data", settings.profile.top_k)
    for old in tree.glob("data/????-??-??.json"):
        old.unlink()  # version 1's day records: the JSONL replaces them
    (tree / "data/day.schema.json").unlink(missing_ok=True)
    index = DaysRecord(language=settings.language,
                       days=[day_info(store, settings, d, base) for d in sorted(days, reverse=True)])
    write_text(tree / DAYS, index.model_dump_json(by_alias=True, indent=1) + "\n")
    for name, model in (("paper", PaperLine), ("days", DaysRecord)):
        schema = json.dumps(model.model_json_schema(by_alias=True), indent=1, ensure_ascii=False)
        write_text(tree / f"data/{name}.schema.json", schema + "\n")


def day_info(store: Store, settings: Settings, day: date, base: str) -> DayInfo:
    counts = dict(day_counts(store, settings, day))
    prefix = base.rstrip("/") + "/" if base else ""
    return DayInfo(
        date=day, announced_at=announced_at(day), papers=sum(counts.values()), categories=counts,
        page_url=page_url(base, day), data_url=f"{prefix}{day_file(day, settings.language)}",
    )  # fmt: skip
