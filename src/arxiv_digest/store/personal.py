"""`Store`'s methods for what the reader teaches it (stars, dismissals), the day's and week's themes, and
cached answers of the small LLM tasks (theme overviews, relevance judgments)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..models import Theme
from ._tables import Tables
from ._tables import now as _now


@dataclass
class FeedbackRow:
    paper_id: str
    kind: str  # saved | dismissed
    day: str | None
    at: str


class PersonalTables(Tables):
    """Methods `Store` gets for the tables of m011_feedback_themes."""

    # -- stars and dismissals

    def set_feedback(self, ids: Iterable[str], kind: str, day: date | None = None) -> None:
        """Star ('saved') or dismiss these papers; the latest word on a paper replaces the earlier one."""
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO feedback VALUES (?,?,?,?)",
                [(pid, kind, day.isoformat() if day else None, _now()) for pid in ids],
            )

    def clear_feedback(self, ids: Iterable[str], kind: str) -> list[str]:
        """Undo a star or a dismissal; returns the ids that had it."""
        ids = list(ids)
        q = "SELECT paper_id FROM feedback WHERE kind=? AND paper_id IN ({})"
        had = [r[0] for r in self._rows_for(q, ids, kind)]
        with self.transaction():
            self.db.executemany("DELETE FROM feedback WHERE paper_id=? AND kind=?", [(pid, kind) for pid in had])
        return had

    def feedback(self) -> list[FeedbackRow]:
        rows = self.db.execute("SELECT paper_id, kind, day, at FROM feedback ORDER BY at, paper_id")
        return [FeedbackRow(*r) for r in rows]

    # -- themes

    def save_themes(self, scope: str, start: date, fingerprint: str, themes: list[Theme],
                    reader: str | None = None) -> None:  # fmt: skip
        """Replace the themes of a day or week: the single reader's, or a named reader's ([[readers]])."""
        key = (reader or "", scope, start.isoformat())
        with self.transaction():
            self.db.execute("DELETE FROM themes WHERE reader=? AND scope=? AND start=?", key)
            self.db.executemany(
                "INSERT INTO themes VALUES (?,?,?,?,?,?,?,?,?)",
                [(*key, t.position, t.label, json.dumps(t.terms, ensure_ascii=False),
                  json.dumps(t.papers), t.overview, fingerprint) for t in themes],
            )  # fmt: skip

    def get_themes(self, scope: str, start: date, reader: str | None = None) -> tuple[str | None, list[Theme]]:
        """(fingerprint, themes) as saved for this reader; (None, []) when none were."""
        q = "SELECT * FROM themes WHERE reader=? AND scope=? AND start=? ORDER BY position"
        rows = list(self.db.execute(q, (reader or "", scope, start.isoformat())))
        themes = [Theme(r["position"], r["label"], json.loads(r["terms"]), json.loads(r["papers"]), r["overview"])
                  for r in rows]  # fmt: skip
        return (rows[0]["fingerprint"] if rows else None), themes

    # -- cached LLM answers

    def llm_answer(self, key: str) -> dict[str, Any] | None:
        r = self.db.execute("SELECT answer FROM llm_answers WHERE key=?", (key,)).fetchone()
        return json.loads(r[0]) if r else None

    def llm_answers(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        q = "SELECT key, answer FROM llm_answers WHERE key IN ({})"
        return {r[0]: json.loads(r[1]) for r in self._rows_for(q, keys)}

    def save_llm_answer(self, key: str, task: str, model: str, answer: dict[str, Any], usage: tuple[int, int, float]
                        ) -> None:  # fmt: skip
        """Committed at once: a crash later in the run never makes the reader pay for this answer again."""
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO llm_answers VALUES (?,?,?,?,?,?,?,?)",
                (key, task, model, json.dumps(answer, ensure_ascii=False), *usage, _now()),
            )
