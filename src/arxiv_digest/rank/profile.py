"""The reader's interest profile: keywords, negative keywords, authors and papers they care about.

Papers come from arXiv ids (looked up in the store), BibTeX files (Zotero's BibTeX export is one) and
Zotero CSV exports. A bad entry never stops the run: it is reported as "file:line: what is wrong" (logged
and returned in `Profile.warnings`) and the valid entries are used.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ProfileSettings, Settings
from ..errors import ArxivError
from ..models import split_version
from ..sources.api import parse_api
from ..sources.fetch import pace_file
from ..sources.http import ArxivClient
from ..store import Store

log = logging.getLogger(__name__)

# Where an arXiv id hides in a Zotero/BibTeX record: "arXiv:2601.12345", ".../abs/2601.12345v2", eprint fields.
_ARXIV_IN_TEXT = re.compile(r"(?:arxiv[.:\s]\s*|arxiv\.org/(?:abs|pdf)/)(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})",
                            re.IGNORECASE)  # fmt: skip


@dataclass
class ProfilePaper:
    """A paper the reader cares about; only its text is used (for semantic similarity)."""

    title: str
    abstract: str
    arxiv_id: str | None
    origin: str  # "arXiv id" or "refs.bib:12": where the reader gave it
    from_store: bool = False  # title and abstract are the store's (given by arXiv id)

    @property
    def label(self) -> str:
        """How a reason names it: 'Title (2601.12345)'."""
        return f"{self.title} ({self.arxiv_id})" if self.arxiv_id else self.title


# A file reader: (text, origin for messages) -> (papers, 'file:line: problem' lines)
ReaderFn = Callable[[str, str], tuple[list[ProfilePaper], list[str]]]


@dataclass
class Profile:
    keywords: list[str] = field(default_factory=list)
    negative_keywords: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    papers: list[ProfilePaper] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.keywords or self.authors or self.papers)

    def fingerprint(self, embedder: str) -> str:
        """Identifies what the stored scores were computed from (profile content + embedding model)."""
        blob = json.dumps(
            [self.keywords, self.negative_keywords, self.authors,
             [(p.arxiv_id, p.title, p.abstract) for p in self.papers], embedder],
            ensure_ascii=False,
        )  # fmt: skip
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def describe(self) -> str:
        """'3 keywords, 1 negative keyword, 2 authors, 5 papers'."""
        parts = [(len(self.keywords), "keyword"), (len(self.negative_keywords), "negative keyword"),
                 (len(self.authors), "author"), (len(self.papers), "paper")]  # fmt: skip
        return ", ".join(f"{n} {what}{'s' if n != 1 else ''}" for n, what in parts if n) or "empty"


def _warn(warnings: list[str], message: str) -> None:
    log.info("%s", message)  # returned too: the caller shows it, so no second copy on stderr
    warnings.append(message)


def _terms(values: list[str], what: str, warnings: list[str]) -> list[str]:
    """Stripped, de-duplicated (case-insensitively) terms; blank ones reported."""
    out: list[str] = []
    seen: set[str] = set()
    for i, v in enumerate(values, 1):
        term = " ".join(v.split())
        if not term or term.strip("*") == "":
            _warn(warnings, f"profile.{what}: entry {i} is empty; ignored")
        elif term.lower() not in seen:
            seen.add(term.lower())
            out.append(term)
    return out


def load_profile(settings: ProfileSettings, store: Store) -> Profile:
    """Read every source the settings name; never raises for bad entries, only reports them."""
    warnings: list[str] = []
    profile = Profile(
        keywords=_terms(settings.keywords, "keywords", warnings),
        negative_keywords=_terms(settings.negative_keywords, "negative_keywords", warnings),
        authors=_terms(settings.authors, "authors", warnings),
        warnings=warnings,
    )
    profile.papers += _papers_by_id(settings.papers, store, warnings)
    for path in settings.bibtex:
        profile.papers += _from_file(Path(path).expanduser(), read_bibtex, warnings)
    for path in settings.zotero_csv:
        profile.papers += _from_file(Path(path).expanduser(), read_zotero_csv, warnings)
    _fill_abstracts(profile.papers, store)
    return profile


def _fill_abstracts(papers: list[ProfilePaper], store: Store) -> None:
    """A library entry without an abstract borrows the store's, when we know its arXiv id."""
    known = store.papers(p.arxiv_id for p in papers if p.arxiv_id and not p.abstract)
    for p in papers:
        if not p.abstract and p.arxiv_id in known:
            p.abstract = known[p.arxiv_id].abstract


def _valid_ids(ids: list[str], warnings: list[str] | None = None) -> list[str]:
    wanted: list[str] = []
    for i, raw in enumerate(ids, 1):
        try:
            pid, _ = split_version(raw)
        except ValueError:
            if warnings is not None:
                _warn(warnings, f"profile.papers: entry {i} {raw!r} is not an arXiv id; ignored")
            continue
        if pid not in wanted:
            wanted.append(pid)
    return wanted


def _papers_by_id(ids: list[str], store: Store, warnings: list[str]) -> list[ProfilePaper]:
    wanted = _valid_ids(ids, warnings)
    found = store.papers(wanted)
    out = []
    for pid in wanted:
        p = found.get(pid)
        if p is None:
            _warn(warnings, f"profile.papers: {pid} is not in the store and could not be fetched; ignored")
        else:
            out.append(ProfilePaper(p.title, p.abstract, pid, "arXiv id", from_store=True))
    return out


FETCH_RETRY_SECONDS = 10.0  # fetching profile papers is a nicety: never stall a run for long over it


def fetch_profile_papers(settings: Settings, store: Store) -> list[str]:
    """Store the profile's papers given by arXiv id that the store lacks, from the query API (one request
    per 100 ids; each paper is fetched once, ever). Returns problems; a failure never stops ranking."""
    wanted = _valid_ids(settings.profile.papers)
    missing = [pid for pid in wanted if pid not in store.papers(wanted)]
    if not missing:
        return []
    arxiv = settings.arxiv.model_copy(
        update={"max_retry_seconds": min(settings.arxiv.max_retry_seconds, FETCH_RETRY_SECONDS)}
    )
    try:  # the pace file keeps the spacing after the fetch of the same run (or of another process)
        with ArxivClient(arxiv, settings.contact, pace_file=pace_file(store)) as client:
            for i in range(0, len(missing), arxiv.batch_size):
                chunk = missing[i : i + arxiv.batch_size]
                params = {"id_list": ",".join(chunk), "max_results": str(len(chunk))}
                page = parse_api(client.get(arxiv.api_url, params, expect="xml", error_bodies=(400,)).content)
                with store.transaction():
                    for p in page.papers:
                        if p.id in chunk:
                            store.upsert_paper(p)
    except ArxivError as e:
        problem = f"profile.papers: could not fetch {', '.join(missing)} from arXiv: {e}"
        log.info("%s", problem)
        return [problem]
    return []


def _from_file(path: Path, reader: ReaderFn, warnings: list[str]) -> list[ProfilePaper]:
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        _warn(warnings, f"{path}: cannot read: {reason}; ignored")
        return []
    papers, problems = reader(text, str(path))
    for p in problems:
        _warn(warnings, p)
    return papers


# ---------------------------------------------------------------- BibTeX

_SKIP_TYPES = {"comment", "string", "preamble"}
_LATEX_CMD = re.compile(r"\\[a-zA-Z]+\*?\s*|\\.")


def _clean_tex(s: str) -> str:
    """'{G}raph {N}eural \\emph{Nets}' -> 'Graph Neural Nets' (enough for matching and display)."""
    s = _LATEX_CMD.sub(lambda m: "" if m.group(0)[1:2].isalpha() else m.group(0)[1:], s)
    return " ".join(s.replace("{", "").replace("}", "").split())


def _read_value(text: str, i: int) -> tuple[str, int]:
    """Read one field value at text[i]: {braced}, "quoted" (both may nest braces) or a bare word/number,
    joined by '#'. Returns (raw value, index after it); raises ValueError when it does not close."""
    parts: list[str] = []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            raise ValueError("value runs to the end of the file")
        if text[i] in "{\"":
            close = "}" if text[i] == "{" else '"'
            depth, j = 0, i + 1
            while j < len(text):
                c = text[j]
                if c == "\\":
                    j += 2
                    continue
                if c == "{":
                    depth += 1
                elif c == "}" and depth > 0:
                    depth -= 1
                elif c == close and depth == 0:
                    break
                j += 1
            else:
                raise ValueError("unbalanced braces or quotes")
            parts.append(text[i + 1 : j])
            i = j + 1
        else:
            m = re.match(r"[^\s,#}]+", text[i:])
            if not m:
                raise ValueError(f"unexpected {text[i]!r}")
            parts.append(m.group(0))
            i += m.end()
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text) and text[i] == "#":
            i += 1
            continue
        return "".join(parts), i


def _read_entry(text: str, i: int) -> tuple[dict[str, str], int]:
    """Fields of the entry whose body starts after '{' at text[i]; returns (fields, index after '}')."""
    m = re.compile(r"\s*([^\s,{}=]+)\s*,").match(text, i)  # the citation key
    if not m:
        raise ValueError("missing citation key")
    i = m.end()
    fields: dict[str, str] = {}
    field_re = re.compile(r"\s*(?:(\})|([A-Za-z][\w\-:.]*)\s*=)")
    while True:
        m = field_re.match(text, i)
        if not m:
            raise ValueError("expected 'name = value' or '}'")
        if m.group(1):
            return fields, m.end()
        value, i = _read_value(text, m.end())
        fields[m.group(2).lower()] = value
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text) and text[i] == ",":
            i += 1
        elif i < len(text) and text[i] != "}":
            raise ValueError(f"expected ',' or '}}' after field {m.group(2)!r}")


def _skip_body(text: str, i: int, close: str) -> int:
    """Index after the bracket closing a body that starts at text[i] (@comment{...} may hold anything)."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] in "{(":
            depth += 1
        elif text[j] in "})":
            if depth == 0 and text[j] == close:
                return j + 1
            depth = max(depth - 1, 0)
    return len(text)


def _arxiv_id(*texts: str | None) -> str | None:
    for t in texts:
        if not t:
            continue
        m = _ARXIV_IN_TEXT.search(t)
        candidate = m.group(1) if m else t.strip()
        try:
            return split_version(candidate)[0]
        except ValueError:
            continue
    return None


def read_bibtex(text: str, origin: str) -> tuple[list[ProfilePaper], list[str]]:
    """Parse BibTeX (Zotero, JabRef, arXiv's own export); returns papers and 'file:line: problem' lines."""
    papers: list[ProfilePaper] = []
    problems: list[str] = []
    i = 0
    for m in re.finditer(r"@\s*([A-Za-z]+)\s*[{(]", text):
        if m.start() < i:  # inside a previous entry (an '@' in a value)
            continue
        line = text.count("\n", 0, m.start()) + 1
        kind = m.group(1).lower()
        if kind in _SKIP_TYPES:
            i = _skip_body(text, m.end(), "}" if text[m.end() - 1] == "{" else ")")
            continue
        try:
            fields, i = _read_entry(text, m.end())
        except ValueError as e:
            problems.append(f"{origin}:{line}: @{kind} entry: {e}; skipped")
            i = m.end()
            continue
        title = _clean_tex(fields.get("title", ""))
        if not title:
            problems.append(f"{origin}:{line}: @{kind} entry has no title; skipped")
            continue
        arxiv = None
        if fields.get("archiveprefix", "").lower() == "arxiv" or "arxiv" in fields.get("journal", "").lower():
            arxiv = _arxiv_id(fields.get("eprint"))
        arxiv = arxiv or _arxiv_id(fields.get("url"), fields.get("journal"), fields.get("note"), fields.get("doi"))
        papers.append(ProfilePaper(title, _clean_tex(fields.get("abstract", "")), arxiv, f"{origin}:{line}"))
    return papers, problems


# ---------------------------------------------------------------- Zotero CSV


def read_zotero_csv(text: str, origin: str) -> tuple[list[ProfilePaper], list[str]]:
    """Zotero's CSV export: columns 'Title', 'Abstract Note', 'Url', 'Extra' (arXiv ids live in Url/Extra)."""
    reader = csv.DictReader(text.splitlines(keepends=True))
    if not reader.fieldnames or "Title" not in reader.fieldnames:
        return [], [f"{origin}:1: not a Zotero CSV export (no 'Title' column); file ignored"]
    papers: list[ProfilePaper] = []
    problems: list[str] = []
    end = reader.line_num
    for row in reader:
        line, end = end + 1, reader.line_num  # a quoted abstract may span several physical lines
        if None in row:
            problems.append(f"{origin}:{line}: more cells than columns; row skipped")
            continue
        title = " ".join((row.get("Title") or "").split())
        if not title:
            problems.append(f"{origin}:{line}: row has no title; skipped")
            continue
        arxiv = _arxiv_id(row.get("Url"), row.get("Extra"), row.get("Publication Title"), row.get("DOI"))
        abstract = " ".join((row.get("Abstract Note") or "").split())
        papers.append(ProfilePaper(title, abstract, arxiv, f"{origin}:{line}"))
    return papers, problems
