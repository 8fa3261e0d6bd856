"""Machine-readable JSON beside the site's pages, so an agent or a script needs no browser:

- `data/days.json`: every day on the site, newest first, with its paper count per section (`DaysRecord`);
- `data/YYYY-MM-DD.json`: one day's papers with summaries, scores and reasons (`DayRecord`);
- `data/day.schema.json`, `data/days.schema.json`: their JSON Schemas.

Each file says what it is (`schema`) and in which `version`; records.py defines the fields. Called once
from the site build (html.py), into the tree being built.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ..config import Settings
from ..readers import day_counts, load_day
from ..records import DayInfo, DayRecord, DaysRecord, announced_at, day_record, page_url
from ..store import Store
from .output import write_text

DAYS = "data/days.json"


def day_file(day: date) -> str:
    return f"data/{day.isoformat()}.json"


def write_data(settings: Settings, store: Store, tree: Path, days: list[date], redo: set[date]) -> None:
    """The day files of `redo` (and of any day that has none yet), then the list of days and the schemas.
    Files are replaced, never rewritten in place: the tree may hold hard links into the previous site."""
    base = settings.output.site_url or ""
    for day in days:
        if day in redo or not (tree / day_file(day)).is_file():
            record = day_record(load_day(store, settings, day), base, settings.profile.top_k)
            write_text(tree / day_file(day), record.model_dump_json(by_alias=True) + "\n")
    index = DaysRecord(days=[day_info(store, settings, d, base) for d in sorted(days, reverse=True)])
    write_text(tree / DAYS, index.model_dump_json(by_alias=True, indent=1) + "\n")
    for name, model in (("day", DayRecord), ("days", DaysRecord)):
        schema = json.dumps(model.model_json_schema(by_alias=True), indent=1, ensure_ascii=False)
        write_text(tree / f"data/{name}.schema.json", schema + "\n")


def day_info(store: Store, settings: Settings, day: date, base: str) -> DayInfo:
    counts = dict(day_counts(store, settings, day))
    return DayInfo(
        date=day, announced_at=announced_at(day), papers=sum(counts.values()), categories=counts,
        page_url=page_url(base, day), data_url=f"{base.rstrip('/') + '/' if base else ''}{day_file(day)}",
    )  # fmt: skip
