"""What the reader teaches the ranking: papers they saved (stars) and papers they dismissed.

Two sources, merged: the store (`arxiv-digest star ID` / `dismiss ID`, undone with `--undo`) and the files
the site's "export saved papers" button writes, named in `profile.feedback`. The file format is
`FeedbackFile` below (README "Stars and dismissals"). The latest word on a paper wins: a paper starred and
later dismissed counts as dismissed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..errors import BadInput
from ..models import split_version
from ..store import Store

log = logging.getLogger(__name__)

FORMAT = "arxiv-digest-feedback"


class FeedbackItem(BaseModel):
    """One saved or dismissed paper; only the id is required."""

    model_config = ConfigDict(extra="ignore")  # a later version may add fields: read what we know

    id: str
    title: str | None = None
    day: date | None = None  # the digest day it was shown on
    at: datetime | None = None  # when the reader starred or dismissed it

    @field_validator("id")
    @classmethod
    def _arxiv_id(cls, v: str) -> str:
        return split_version(v)[0]  # ValueError names the bad id


class FeedbackFile(BaseModel):
    """The exported file: {"format": "arxiv-digest-feedback", "version": 1, "saved": [...], "dismissed": [...]}."""

    format: Literal["arxiv-digest-feedback"]
    version: Literal[1]
    saved: list[FeedbackItem] = []
    dismissed: list[FeedbackItem] = []


@dataclass
class Feedback:
    saved: list[str] = field(default_factory=list)  # arXiv ids, oldest first
    dismissed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # unreadable files, "file: problem"

    @property
    def empty(self) -> bool:
        return not (self.saved or self.dismissed)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def read_feedback_file(path: Path) -> FeedbackFile:
    """Parse one exported file; raises BadInput with the file and the first problem."""
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInput(f"{path}: not a JSON file ({e})") from None
    try:
        return FeedbackFile.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "file"
        raise BadInput(f"{path}: {where}: {err['msg'].removeprefix('Value error, ')}") from None


def load_feedback(paths: list[str], store: Store) -> Feedback:
    """Stars and dismissals from the store and the exported files; a bad file is reported, never fatal."""
    events: dict[str, tuple[datetime, str]] = {}  # id -> (when, kind): the latest word wins

    def note(pid: str, kind: str, at: datetime | None) -> None:
        when = at if at is None or at.tzinfo else at.replace(tzinfo=UTC)
        when = when or _EPOCH
        if pid not in events or when >= events[pid][0]:
            events[pid] = (when, kind)

    out = Feedback()
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            f = read_feedback_file(path)
        except BadInput as e:
            log.info("%s", e)
            out.warnings.append(f"profile.feedback: {e}; ignored")
            continue
        for item in f.saved:
            note(item.id, "saved", item.at)
        for item in f.dismissed:
            note(item.id, "dismissed", item.at)
    for row in store.feedback():
        note(row.paper_id, row.kind, datetime.fromisoformat(row.at))
    for pid, (_, kind) in sorted(events.items(), key=lambda kv: kv[1][0]):
        (out.saved if kind == "saved" else out.dismissed).append(pid)
    return out


@dataclass
class FeedbackReport:
    kind: str  # saved | dismissed
    undo: bool
    changed: list[str]  # ids recorded (or un-recorded)
    unknown: list[str]  # ids not in the store: recorded anyway, used once the paper is fetched
    totals: tuple[int, int]  # (saved, dismissed) in the store afterwards


def record_feedback(store: Store, raw_ids: list[str], kind: str, undo: bool = False) -> FeedbackReport:
    """`arxiv-digest star|dismiss ID... [--undo]`. Raises BadInput for a malformed id (nothing recorded)."""
    ids: list[str] = []
    for raw in raw_ids:
        try:
            pid = split_version(raw)[0]
        except ValueError:
            raise BadInput(f"not an arXiv id: {raw!r}") from None
        if pid not in ids:
            ids.append(pid)
    if not ids:
        raise BadInput("give at least one arXiv id")
    if undo:
        changed = store.clear_feedback(ids, kind)
    else:
        store.set_feedback(ids, kind)
        changed = ids
    known = store.papers(ids)
    rows = store.feedback()
    totals = (sum(r.kind == "saved" for r in rows), sum(r.kind == "dismissed" for r in rows))
    return FeedbackReport(kind, undo, changed, [i for i in ids if i not in known], totals)
