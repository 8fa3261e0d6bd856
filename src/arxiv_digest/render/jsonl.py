"""JSONL in the data format of the existing tool (daily-arXiv-ai-enhanced), both ways.

`YYYY-MM-DD.jsonl`: one paper per line with id, categories (primary first), pdf, abs, authors, title,
comment and summary (= the abstract). `YYYY-MM-DD_AI_enhanced_<Language>.jsonl`: the same plus
`AI` = {tldr, motivation, method, result, conclusion}, then fields of ours (records.PaperLine; that tool
ignores keys it does not know). Export writes the AI file for a day (the site's data file of the day) and
the plain one when `output.plain_jsonl` is set; import reads either, so users bring their history along.

Lines are split at "\n" only: U+2028, U+2029 and U+0085 inside a title are text, not line ends (they are
also written escaped, for readers that split at them). Imported text is kept byte for byte, including the
spacing of the other tool's summaries, so its Markdown is reproduced exactly; displays normalise it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..config import check_category, check_language
from ..errors import BadInput, InvalidCategory, JSONLImportError
from ..models import DayDigest, DayEntry, Paper, StoredSummary, Summary, split_version
from ..store import AnnouncementRow, Store
from .output import write_text
from .sections import top_picks

AI_FIELDS = ("tldr", "motivation", "method", "result", "conclusion")
# Imported summaries share one key per language, so importing a file again replaces rather than adds.
IMPORT_MODEL = "imported"
IMPORT_PROMPT_VERSION = "jsonl"
# What daily-arXiv-ai-enhanced writes into `AI` when its LLM call failed (its enhance.py, over versions;
# a partial answer is merged with the per-field defaults). Never content: such a paper imports as pending.
TOOL_PLACEHOLDERS = frozenset({
    "Error", "Processing failed", "Summary generation failed", "Motivation analysis unavailable",
    "Method extraction failed", "Result analysis unavailable", "Conclusion extraction failed",
})  # fmt: skip

_NAME_RE = re.compile(r"^(?P<day>\d{4}-\d{2}-\d{2})(?:_AI_enhanced_(?P<lang>[^/\\]+))?\.jsonl$")


def file_names(day: date, language: str) -> tuple[str, str]:
    """The plain and the AI-enhanced file name of a day."""
    return f"{day.isoformat()}.jsonl", f"{day.isoformat()}_AI_enhanced_{language}.jsonl"


# ---------------------------------------------------------------- export


def paper_record(p: Paper) -> dict[str, Any]:
    return {
        "id": p.id, "categories": p.categories, "pdf": p.pdf_url, "abs": p.abs_url, "authors": p.authors,
        "title": p.title, "comment": p.comment, "summary": p.abstract,
    }  # fmt: skip


def paper_line(e: DayEntry, pick: int | None = None) -> dict[str, Any]:
    """The entry as a line of the day's AI file (records.PaperLine: that tool's record, then ours; empty
    optional fields left out)."""
    p, st = e.paper, e.summary
    rec = paper_record(p)
    if st is None:
        rec["pending"] = e.failure
    elif st.kind == "extractive":
        rec["extractive"] = {f: getattr(st.summary, f) for f in AI_FIELDS}  # not what that tool's `AI` promises
    else:
        rec["AI"] = {f: getattr(st.summary, f) for f in AI_FIELDS}
        rec.update(AI_source=None if st.source == "abstract" else st.source,
                   AI_unverified_numbers=st.unverified or None, AI_model=st.model)  # fmt: skip
    # A field at its default is left out: a year of the site is 58,000 lines.
    rec.update(
        version=p.version, journal_ref=p.journal_ref, doi=p.doi, section=e.section,
        announce_type=None if e.announce_type == "new" else e.announce_type, is_cross=e.is_cross or None,
        score=None if e.score is None else round(e.score, 4), reasons=e.reasons or None, pick=pick,
    )  # fmt: skip
    return {k: v for k, v in rec.items() if v is not None or k == "comment"}  # that tool writes no comment as null


# Line breaks to str.splitlines (and to JavaScript before ES2019) though not to JSON: written as escapes.
_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"})


def _lines(records: list[dict[str, Any]]) -> str:
    # Compact separators: any JSON reader reads them, and a year of lines is 3 MB smaller.
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")).translate(_SEPARATORS) + "\n"
                   for r in records)  # fmt: skip


def export_day(digest: DayDigest, out_dir: Path, top_k: int = 0, plain: bool = False) -> list[Path]:
    """Write the day's AI file into `out_dir` (the site's data file of the day), and its plain file when
    `plain` (each atomically); returns their paths, the AI file first.

    The AI file lists every paper of the day; one without an LLM or imported summary in the digest's
    language has no `AI` (an extractive summary is not what that field promises)."""
    try:
        check_language(digest.language)  # before anything is written
    except ValueError as e:
        raise BadInput(f"language {digest.language[:60]!r} cannot be part of a file name: {e}") from None
    entries = sorted(digest.entries, key=lambda e: e.position)
    picks = {id(e): n for n, e in enumerate(top_picks(entries, top_k), 1)} if top_k else {}
    plain_name, ai_name = file_names(digest.date, digest.language)
    written = [write_text(out_dir / ai_name, _lines([paper_line(e, picks.get(id(e))) for e in entries]))]
    if plain:
        written.append(write_text(out_dir / plain_name, _lines([paper_record(e.paper) for e in entries])))
    return written


# ---------------------------------------------------------------- import


@dataclass
class ImportResult:
    path: Path
    day: date
    papers: int  # lines read
    new_papers: int  # papers the store did not have yet
    summaries: int
    placeholders: int = 0  # lines whose `AI` holds the tool's failure placeholders: imported as pending
    # Papers a day before already announced: not listed again here (that tool wrote a file, a copy of the
    # day before, on days without an announcement). First announcement day -> papers.
    earlier: dict[date, int] = field(default_factory=dict)
    moved: dict[date, int] = field(default_factory=dict)  # later day -> papers now listed here instead

    @property
    def listed(self) -> int:
        """Papers this day lists from this file (0: the file announced nothing new, not a day)."""
        return self.papers - sum(self.earlier.values())


@dataclass
class _Line:
    paper: Paper
    summary: Summary | None
    placeholder: bool = False  # `AI` was the tool's failure text, not a summary


def parse_name(path: Path) -> tuple[date, str | None]:
    """'2026-01-28_AI_enhanced_Chinese.jsonl' -> (2026-01-28, 'Chinese'); a plain file has no language."""
    m = _NAME_RE.match(path.name)
    if not m:
        raise BadInput(
            f"{path}: cannot tell the day from the file name; expected YYYY-MM-DD.jsonl or "
            "YYYY-MM-DD_AI_enhanced_<Language>.jsonl"
        )
    try:
        day = date.fromisoformat(m.group("day"))
    except ValueError:
        raise BadInput(f"{path}: {m.group('day')} is not a real day") from None
    lang = m.group("lang")
    if lang is not None:
        try:
            check_language(lang)
        except ValueError as e:
            raise BadInput(f"{path}: the language in the file name {e}") from None
    return day, lang


def _str_list(v: Any, what: str) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError(f"{what!r} must be a list of strings")
    return v


def _categories(v: Any) -> list[str]:
    """arXiv's codes (canonical spelling): an unknown one would become a section heading and an anchor."""
    cats = _str_list(v, "categories")
    if not cats:
        raise ValueError("'categories' is empty")
    try:
        return [check_category(c) for c in cats]
    except InvalidCategory as e:
        raise ValueError(str(e)[:200]) from None


def _text(obj: dict[str, Any], key: str, required: bool = True) -> str | None:
    v = obj.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, str):
        raise ValueError(f"{key!r} must be a string" if key in obj else f"missing {key!r}")
    return v


def _summary(ai: Any) -> tuple[Summary | None, bool]:
    """The `AI` object as a Summary; None when a field is blank or the tool's failure placeholder (the
    paper then shows as pending). The flag says it was a placeholder."""
    if not isinstance(ai, dict):
        raise ValueError("'AI' must be an object")
    fields = {f: _text(ai, f) for f in AI_FIELDS}
    if any((v or "").strip() in TOOL_PLACEHOLDERS for v in fields.values()):
        return None, True
    if any(not (v or "").strip() for v in fields.values()):
        return None, False
    return Summary.model_validate(fields, context={"verbatim": True}), False  # the text as the tool wrote it


def parse_line(text: str, enhanced: bool) -> _Line:
    """One line -> paper (+ summary). Raises ValueError saying what is wrong."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    pid, version = split_version(_text(obj, "id") or "")
    cats = _categories(obj.get("categories"))
    paper = Paper(
        id=pid, version=version or 1, title=_text(obj, "title") or "",
        authors=_str_list(obj.get("authors"), "authors"), abstract=_text(obj, "summary") or "",
        categories=cats, comment=_text(obj, "comment", required=False),
    )  # fmt: skip
    if enhanced and "AI" not in obj:
        raise ValueError("missing 'AI' in an AI-enhanced file")
    summary, placeholder = _summary(obj["AI"]) if "AI" in obj else (None, False)
    return _Line(paper, summary, placeholder)


def _read(path: Path, enhanced: bool) -> list[_Line]:
    try:
        raw = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise JSONLImportError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    lines: list[_Line] = []
    for n, text in enumerate(raw.split("\n"), 1):
        text = text.removesuffix("\r")
        if not text.strip():
            continue
        try:
            lines.append(parse_line(text, enhanced))
        except ValueError as e:
            raise JSONLImportError(f"{path}:{n}: {e}") from None
    return lines


def import_file(store: Store, path: Path) -> ImportResult:
    """Ingest one file in one transaction: papers the store lacks, the day's announcements (section =
    first category, position = line order) and, from an AI-enhanced file, summaries of kind "imported".

    Idempotent: papers already stored are kept as they are (arXiv's own data is the authority), an
    announcement is added once, and a summary replaces the one a previous import of that language wrote.
    The tool's failure placeholders ("Summary generation failed", "Error") are not summaries: those papers
    are listed as pending, so their summaries can be made here. A paper is listed on the first day that
    announced it, once: one an earlier day lists is not listed again, and one a later day lists moves here."""
    day, language = parse_name(path)
    lines = _read(path, enhanced=language is not None)
    ids = [ln.paper.id for ln in lines]
    with store.transaction():
        known = set(store.papers(ids))
        new = [ln.paper for ln in lines if ln.paper.id not in known]
        for p in new:
            store.upsert_paper(p)
        first = store.first_days(ids, day)
        fresh = [(i, ln) for i, ln in enumerate(lines, 1) if ln.paper.id not in first]
        moved = store.unannounce_after([ln.paper.id for _, ln in fresh], day)
        store.add_announcements(day, [AnnouncementRow(ln.paper.id, ln.paper.categories[0], "new", i, False)
                                      for i, ln in fresh])  # fmt: skip
        n_sum = 0
        for ln in lines:
            if ln.summary is not None and language is not None:
                kept = StoredSummary(ln.summary, "imported", language, IMPORT_MODEL, IMPORT_PROMPT_VERSION)
                store.put_summary(ln.paper.id, kept)
                n_sum += 1
    placeholders = sum(ln.placeholder for ln in lines)
    return ImportResult(path, day, len(lines), len(new), n_sum, placeholders, dict(Counter(first.values())), moved)


def import_files(store: Store, paths: list[Path]) -> Iterator[ImportResult]:
    """Check every name first (nothing imported on a typo), then import file by file, oldest day first
    (so each paper lands on the first day that announced it), yielding each result as its transaction
    commits (a later bad file leaves the earlier ones imported)."""
    days: dict[Path, date] = {}
    for p in paths:
        days[p] = parse_name(p)[0]
        if not p.is_file():
            raise BadInput(f"{p}: no such file")
    for p in sorted(paths, key=days.__getitem__):
        yield import_file(store, p)
