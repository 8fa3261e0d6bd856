"""`Store`'s methods for what is derived from the papers and cached: embeddings, relevance scores, and the
site search's segments."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from ._tables import Tables
from ._tables import now as _now


class DerivedTables(Tables):
    # -- embeddings and scores (personalization)

    def get_embeddings(self, ids: Iterable[str], model: str) -> dict[str, bytes]:
        q = "SELECT paper_id, vector FROM embeddings WHERE model=? AND paper_id IN ({})"
        return {r[0]: r[1] for r in self._rows_for(q, ids, model)}

    def save_embeddings(self, model: str, vectors: dict[str, bytes]) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?,?,?)", [(k, model, v) for k, v in vectors.items()]
            )

    def save_scores(
        self, day: date, profile: str, scores: Iterable[tuple[str, float, list[Any]]], reader: str | None = None
    ) -> None:
        """Replace the day's scores: the single reader's, or a named reader's ([[readers]])."""
        table, key = ("scores", ()) if reader is None else ("reader_scores", (reader,))
        with self.transaction():
            self.db.execute(f"DELETE FROM {table} WHERE {'reader=? AND ' * len(key)}date=?", (*key, day.isoformat()))
            self.db.executemany(
                f"INSERT INTO {table} VALUES ({'?,' * len(key)}?,?,?,?,?)",
                [(*key, day.isoformat(), pid, sc, json.dumps(self.secrets.scrub_json(rs), ensure_ascii=False), profile)
                 for pid, sc, rs in scores],
            )  # fmt: skip

    def get_scores(self, day: date, reader: str | None = None) -> dict[str, tuple[float, list[Any]]]:
        table, key = ("scores", ()) if reader is None else ("reader_scores", (reader,))
        q = f"SELECT paper_id, score, reasons FROM {table} WHERE {'reader=? AND ' * len(key)}date=?"
        return {r[0]: (r[1], json.loads(r[2])) for r in self.db.execute(q, (*key, day.isoformat()))}

    # -- across days (render/trends.py, render/week.py)

    def score_reasons(self, reader: str | None = None) -> list[tuple[date, list[Any]]]:
        """(day, reasons) of every scored paper: the reader's keyword and author hits over time."""
        table, key = ("scores", ()) if reader is None else ("reader_scores", (reader,))
        rows = self.db.execute(f"SELECT date, reasons FROM {table} {'WHERE reader=? ' * len(key)}ORDER BY date", key)
        return [(date.fromisoformat(r[0]), json.loads(r[1])) for r in rows]

    # -- the site search's cache (render/search_build.py)

    def search_segment_digests(self, fingerprint: str) -> dict[str, tuple[str, int]]:
        """key -> (digest, documents) of every cached segment."""
        rows = self.db.execute("SELECT key, digest, docs FROM search_segments WHERE fingerprint=?", (fingerprint,))
        return {r[0]: (r[1], r[2]) for r in rows}

    def get_search_segment(self, fingerprint: str, key: str, digest: str | None = None) -> bytes | None:
        """The cached segment under `key` (only if made from `digest`, when given)."""
        q = "SELECT data FROM search_segments WHERE fingerprint=? AND key=? AND (? IS NULL OR digest=?)"
        r = self.db.execute(q, (fingerprint, key, digest, digest)).fetchone()
        return bytes(r[0]) if r else None

    def drop_search_segments(self, keep: str) -> None:
        """Forget cached segments whose fingerprint does not start with `keep` (another format's)."""
        stale = "FROM search_segments WHERE fingerprint NOT LIKE ?"
        if self.db.execute(f"SELECT 1 {stale} LIMIT 1", (keep + "%",)).fetchone():  # writes only when needed
            with self.transaction():
                self.db.execute(f"DELETE {stale}", (keep + "%",))

    def put_search_segment(self, fingerprint: str, key: str, digest: str, docs: int, data: bytes) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO search_segments VALUES (?,?,?,?,?,?)",
                (fingerprint, key, digest, docs, data, _now()),
            )
