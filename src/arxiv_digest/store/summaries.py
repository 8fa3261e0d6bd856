"""`Store`'s methods for summaries, their failures, the full texts they are written from, and each
endpoint's structured-output mode."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import date

from ..models import StoredSummary, Summary
from ._tables import Tables
from ._tables import now as _now


def _summary(r: sqlite3.Row) -> StoredSummary:
    fields = {k: r[k] for k in ("tldr", "motivation", "method", "result", "conclusion")}
    # verbatim: the stored text is given back as it was stored (an imported summary keeps its spacing)
    s = Summary.model_validate({**fields, "keywords": json.loads(r["keywords"])}, context={"verbatim": True})
    return StoredSummary(s, r["kind"], r["language"], r["model"], r["prompt_version"], r["source"],
                         json.loads(r["unverified"]))  # fmt: skip


class SummaryTables(Tables):
    # -- summaries

    def save_summary(
        self, paper_id: str, s: StoredSummary, prompt_tokens: int = 0, completion_tokens: int = 0,
        cost_usd: float = 0.0,
    ) -> None:  # fmt: skip
        """Commit one summary at once (a crash loses only what is in flight) and clear its failure."""
        key = (paper_id, s.language, s.model, s.prompt_version)
        with self.transaction():
            self._insert_summary(paper_id, s, prompt_tokens, completion_tokens, cost_usd)
            self.db.execute(
                "DELETE FROM summary_failures WHERE paper_id=? AND language=? AND model=? AND prompt_version=?",
                key,
            )

    def put_summary(self, paper_id: str, s: StoredSummary) -> None:
        """Write one summary without committing, for callers inside `transaction()` (JSONL import)."""
        self._insert_summary(paper_id, s)

    def _insert_summary(self, paper_id: str, s: StoredSummary, prompt_tokens: int = 0, completion_tokens: int = 0,
                        cost_usd: float = 0.0) -> None:  # fmt: skip
        sm = self.secrets.summary(s.summary)
        self.db.execute(
            """INSERT OR REPLACE INTO summaries (paper_id, language, model, prompt_version, kind, tldr, motivation,
                 method, result, conclusion, keywords, prompt_tokens, completion_tokens, cost_usd, created_at,
                 source, unverified) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (paper_id, s.language, s.model, s.prompt_version, s.kind, sm.tldr, sm.motivation, sm.method,
             sm.result, sm.conclusion, json.dumps(sm.keywords, ensure_ascii=False), prompt_tokens,
             completion_tokens, cost_usd, _now(), s.source, json.dumps(s.unverified, ensure_ascii=False)),
        )  # fmt: skip
        self._index(paper_id)

    def record_failure(self, paper_id: str, language: str, model: str, prompt_version: str, reason: str) -> int:
        """Count one more failed attempt; returns the attempt count."""
        reason = self.secrets.scrub(reason)
        with self.transaction():
            self.db.execute(
                """INSERT INTO summary_failures VALUES (?,?,?,?,1,?,?)
                   ON CONFLICT DO UPDATE SET attempts=attempts+1, reason=excluded.reason,
                   updated_at=excluded.updated_at""",
                (paper_id, language, model, prompt_version, reason, _now()),
            )
            r = self.db.execute(
                "SELECT attempts FROM summary_failures WHERE paper_id=? AND language=? AND model=? "
                "AND prompt_version=?",
                (paper_id, language, model, prompt_version),
            ).fetchone()
        return int(r[0])

    def summarized_ids(self, ids: Iterable[str], language: str, model: str, prompt_version: str) -> set[str]:
        q = "SELECT paper_id FROM summaries WHERE language=? AND model=? AND prompt_version=? AND paper_id IN ({})"
        return {r[0] for r in self._rows_for(q, ids, language, model, prompt_version)}

    def failures(
        self, ids: Iterable[str], language: str, model: str, prompt_version: str
    ) -> dict[str, tuple[int, str]]:
        """paper_id -> (attempts, last reason) for this summary key."""
        q = ("SELECT paper_id, attempts, reason FROM summary_failures "
             "WHERE language=? AND model=? AND prompt_version=? AND paper_id IN ({})")  # fmt: skip
        return {r[0]: (r[1], r[2]) for r in self._rows_for(q, ids, language, model, prompt_version)}

    def days_with_failures(
        self, language: str, model: str, max_attempts: int, since: date, prompt_version: str | None = None
    ) -> list[date]:
        """Stored days since `since` with papers whose summary failed and may still be retried (under this
        prompt version when given: a failure under an older prompt is no reason to redo its whole day)."""
        q = """SELECT DISTINCT a.date FROM announcements a JOIN summary_failures f ON f.paper_id = a.paper_id
               WHERE a.date >= ? AND f.language = ? AND f.model = ? AND f.attempts < ?
                 AND (? IS NULL OR f.prompt_version = ?) ORDER BY a.date"""
        rows = self.db.execute(q, (since.isoformat(), language, model, max_attempts, prompt_version, prompt_version))
        return [date.fromisoformat(r[0]) for r in rows]

    def best_summaries(self, ids: Iterable[str], language: str) -> dict[str, StoredSummary]:
        """The summary to show per paper: in the reader's language (llm/imported, newest first),
        else an extractive one (English, labelled as such by the renderers)."""
        rank = {"llm": 0, "imported": 0, "extractive": 1}
        best: dict[str, tuple[int, StoredSummary]] = {}
        for r in self._rows_for("SELECT * FROM summaries WHERE paper_id IN ({}) ORDER BY created_at DESC", ids):
            if r["kind"] != "extractive" and r["language"].lower() != language.lower():
                continue
            cur = best.get(r["paper_id"])
            if cur is None or rank[r["kind"]] < cur[0]:  # newest first, so ties keep the newest
                best[r["paper_id"]] = (rank[r["kind"]], _summary(r))
        return {pid: v[1] for pid, v in best.items()}

    def summary_usage(self, ids: Iterable[str]) -> tuple[int, int, float]:
        """Summed prompt tokens, completion tokens and cost for these papers' summaries."""
        tot = [0, 0, 0.0]
        q = "SELECT prompt_tokens, completion_tokens, cost_usd FROM summaries WHERE paper_id IN ({})"
        for r in self._rows_for(q, ids):
            tot[0] += r[0]
            tot[1] += r[1]
            tot[2] += r[2]
        return int(tot[0]), int(tot[1]), float(tot[2])

    def tokens_by_source(self, ids: Iterable[str], language: str, model: str) -> dict[str, tuple[int, int]]:
        """source -> (summaries, prompt + completion tokens) of these papers' LLM summaries for this key."""
        q = ("SELECT source, COUNT(*), SUM(prompt_tokens + completion_tokens) FROM summaries WHERE kind = 'llm' "
             "AND language = ? AND model = ? AND paper_id IN ({}) GROUP BY source")  # fmt: skip
        out: dict[str, list[int]] = {}
        for r in self._rows_for(q, ids, language, model):  # chunks of ids: add them up
            cur = out.setdefault(r[0], [0, 0])
            cur[0] += r[1]
            cur[1] += r[2] or 0
        return {k: (v[0], v[1]) for k, v in out.items()}

    # -- full text (never published: arXiv's terms allow re-serving metadata, not papers)

    def save_fulltext(self, paper_id: str, version: int, status: str, body: bytes | None, reason: str = "",
                      chars: int = 0) -> None:  # fmt: skip
        """Record one page's outcome at once: a crash never costs a page fetched at robots.txt's pace."""
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO fulltexts VALUES (?,?,?,?,?,?,?)",
                (paper_id, version, status, body, reason, chars, _now()),
            )

    def fulltexts(self, ids: Iterable[str]) -> dict[str, sqlite3.Row]:
        """The newest version's full-text record per paper id (body still compressed)."""
        q = "SELECT * FROM fulltexts WHERE paper_id IN ({}) ORDER BY version"
        return {r["paper_id"]: r for r in self._rows_for(q, ids)}

    # -- structured-output mode memory

    def get_mode(self, endpoint: str, model: str) -> str | None:
        q = "SELECT mode FROM endpoint_modes WHERE endpoint=? AND model=?"
        r = self.db.execute(q, (endpoint, model)).fetchone()
        return r[0] if r else None

    def set_mode(self, endpoint: str, model: str, mode: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO endpoint_modes VALUES (?,?,?,?)", (endpoint, model, mode, _now()))
