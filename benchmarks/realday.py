"""Real arXiv days for the site benchmark, from /work/shared/data/arxiv-2026q1.jsonl.gz (13,292 real papers
announced on 57 days of 2026 Q1; arXiv metadata only).

The file has no summaries, so each paper gets a real Chinese LLM summary of realistic length: the
reference digest's 131 summaries, cycled (their length is what that tool's DeepSeek summaries are).
Every paper is scored, as on a ranked day: one in four matches a keyword (a reason, a score above 0),
the others score 0.00 without a reason; one in 40 has no summary yet.
"""

from __future__ import annotations

import gzip
import json
import os
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_NAME = "arxiv-2026q1.jsonl.gz"
KEYWORDS = ["diffusion", "agent", "reasoning", "benchmark", "segmentation"]


def data_file() -> Path | None:
    """The data set in shared/ (next to the clone in CI, /work/shared here), or $ARXIV_DIGEST_REAL_DATA."""
    candidates = [os.environ.get("ARXIV_DIGEST_REAL_DATA"), "/work/shared/data/" + DATA_NAME,
                  str(ROOT.parent / "shared" / "data" / DATA_NAME)]  # fmt: skip
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def load_days(path: Path) -> dict[date, list[dict[str, Any]]]:
    """Every day of the file, its papers in file order."""
    days: dict[date, list[dict[str, Any]]] = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            days[date.fromisoformat(rec["day"])].append(rec)
    return dict(sorted(days.items()))


def categories(days: dict[date, list[dict[str, Any]]]) -> list[str]:
    """The followed categories, most papers first."""
    count: dict[str, int] = defaultdict(int)
    for papers in days.values():
        for p in papers:
            count[p["categories"][0]] += 1
    return sorted(count, key=lambda c: -count[c])


def as_seed_papers(real: list[dict[str, Any]], seed: list[dict[str, Any]], offset: int = 0) -> list[dict[str, Any]]:
    """Real papers in browser_util.add_papers' shape, with cycled real Chinese summaries and scores."""
    out = []
    for i, r in enumerate(real):
        s = seed[(i + offset) % len(seed)]
        p: dict[str, Any] = {
            "index": i + 1, "id": r["id"], "title": r["title"], "authors": r["authors"],
            "abstract": r["abstract"], "category": r["categories"][0], "categories": r["categories"],
            "comment": r.get("comment"), **{k: s[k] for k in ("tldr", "motivation", "method", "result", "conclusion")},
        }  # fmt: skip
        if i % 40 == 39:
            p["summary"] = False
        text = (r["title"] + " " + r["abstract"]).lower()
        hits = [k for k in KEYWORDS if k in text] if i % 4 == 0 else []
        p["score"], p["reasons"] = (0.2 + 0.15 * len(hits), [f"keyword: {k}" for k in hits]) if hits else (0.0, [])
        out.append(p)
    return out
