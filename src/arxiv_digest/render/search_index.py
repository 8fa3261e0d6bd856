"""The site-wide search index, as small JavaScript files the browser loads with <script> tags, only the
few a query needs.

Why this shape: a year of digests is ~125,000 papers and ~100 MB of index. The search page must show
results within 150 ms, transfer under 2 MB and work from file://, where Chromium refuses fetch() and
XHR; script tags load from file:// and from any static host, but each costs a few milliseconds, so a
query must touch few files. Hence:

- Postings files `p<n>.js`: term -> postings, where a term's file is chosen by its *group*, its first
  three characters (first one for CJK; deeper for groups too big, listed in the manifest's `split`),
  hashed into the level's bucket count. A word being typed ("diffu") is completed from the one file
  that holds its whole group.
- Two levels, like a log-structured merge: `recent` holds the latest month and is rebuilt when a day
  is added; `base` holds every month before it and is rebuilt only when a month closes or one of its
  days changes. A query reads one file per term from each.
- Result files `m<n>.js`, per month: id, title, authors, category and TL;DR of DOCS_PER_META papers.

Postings are (doc, weight) pairs, doc numbers ascending and delta-coded, in a base-64 alphabet: each
number as 5-bit groups with a continuation bit, then the weight as one character. Documents are
numbered month by month, day by day, in the day page's order; the manifest lists the days, so a doc
number gives its day page and anchor without loading anything. The weight is BM25's term-frequency
part (title x3, authors x2, abstract and summary x1, length-normalized per day) in 6 bits; the browser
multiplies it by the IDF it computes from the postings it loaded.

Tokenizing is the slow part, so each day is tokenized once into a `Segment` (cached in the store);
months and levels are joins of segments, which touch only each piece's first gap.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ..models import DayDigest
from .sections import build_sections
from .tokens import Tokenizer

FORMAT = 2  # part of every cache key and file name: bump it when anything below changes
DOCS_PER_META = 64
GROUP_BYTES = 120_000  # a group bigger than this is split one character deeper
BUCKET_BYTES = 32_000  # a level's bucket count aims at files about this big
MAX_BUCKETS = 4096  # a year's base level: ~4,000 files of ~30 KB (fewer files: quicker builds)
MAX_TLDR = 240  # characters of TL;DR a result shows
MAX_AUTHORS = 4  # a result lists this many, then "et al."
# What the files' names depend on besides their content's sources: change one, and every directory is new.
LAYOUT = (FORMAT, DOCS_PER_META, GROUP_BYTES, BUCKET_BYTES, MAX_BUCKETS)
FIELD_WEIGHTS = (3, 2)  # title (with the arXiv id), authors; abstract and summary count once
K1, B = 1.2, 0.75
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over UTF-16 code units (every index term is in the BMP); search.js has the same."""
    h = 0x811C9DC5
    for ch in text:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def group_key(term: str, split: set[str] | frozenset[str]) -> str:
    """The group a term is filed under: 3 characters (1 for CJK), one more while that group is split."""
    key = term[: 1 if term[0] >= "\u3040" else 3]
    while key in split and len(key) < len(term):
        key = term[: len(key) + 1]
    return key


def encode_number(n: int) -> str:
    """A non-negative integer in 5-bit groups, most significant first; bit 6 marks 'more follows'."""
    digits = [n & 31]
    n >>= 5
    while n:
        digits.append((n & 31) | 32)
        n >>= 5
    return "".join(ALPHABET[d] for d in reversed(digits))


_NUMBERS = [encode_number(n) for n in range(32768)]  # a table lookup for nearly every gap


def encode_postings(postings: list[int]) -> str:
    """Postings as doc << 6 | weight (1..63), ascending doc: each doc as its gap to the previous one
    minus one, then its weight as one character."""
    out, prev, numbers, alpha = [], -1, _NUMBERS, ALPHABET
    for code in postings:
        gap = (code >> 6) - prev - 1
        out.append((numbers[gap] if gap < 32768 else encode_number(gap)) + alpha[code & 63])
        prev = code >> 6
    return "".join(out)


def _read_number(encoded: str, i: int = 0) -> tuple[int, int]:
    """The number starting at i, and where the next one starts."""
    x = 0
    while True:
        c = _VALUE[encoded[i]]
        i += 1
        x = (x << 5) | (c & 31)
        if not c & 32:
            return x, i


def decode_postings(encoded: str) -> list[tuple[int, int]]:
    """encode_postings backwards: [(doc, weight)] (for tests and tools)."""
    out, doc, i = [], -1, 0
    while i < len(encoded):
        gap, i = _read_number(encoded, i)
        doc += gap + 1
        out.append((doc, _VALUE[encoded[i]]))
        i += 1
    return out


def to_json(payload: object) -> str:
    """Compact JSON that is also safe inside a <script>: no '</' and no JS-only line separators."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def js_data(key: str, json_text: str) -> str:
    """A data file: one call the page's loader answers (a script, so it loads from file:// too)."""
    return f"digestData({json.dumps(key)},{json_text});\n"


def digest_of(*parts: object) -> str:
    return hashlib.sha256(json.dumps([FORMAT, *parts], ensure_ascii=False, default=str).encode()).hexdigest()[:12]


# ---------------------------------------------------------------- documents and segments


@dataclass
class IndexDoc:
    """One paper as announced on one day, as search sees it."""

    paper_id: str
    category: str  # the section it is listed under
    title: str
    authors: list[str]
    abstract: str
    summary: str  # every summary field joined, in the reader's language; "" when pending
    tldr: str


def day_docs(digest: DayDigest) -> list[IndexDoc]:
    """The day's papers in the day page's order (sections in the reader's order)."""
    docs = []
    for section in build_sections(digest):
        for _n, e in section.entries:
            s = e.summary.summary if e.summary else None
            text = " ".join([s.tldr, s.motivation, s.method, s.result, s.conclusion, *s.keywords]) if s else ""
            p = e.paper
            docs.append(IndexDoc(p.id, section.category, p.title, p.authors, p.abstract, text, s.tldr if s else ""))
    return docs


@dataclass
class Segment:
    """A day's, a month's or a level's index with doc numbers local to it."""

    key: str  # "2026-01-28", "2026-01", "base"...
    docs: int
    postings: dict[str, tuple[str, int, int]]  # term -> (encoded postings, last doc, documents)
    meta: list[list[str]]  # per doc, what a result shows
    parts: list[list[str]] = field(default_factory=list)  # [day, content digest] of each day it holds

    def dumps(self) -> bytes:
        data = [self.docs, self.postings, self.meta, self.parts]
        return zlib.compress(json.dumps(data, ensure_ascii=False).encode(), 1)

    @classmethod
    def loads(cls, key: str, blob: bytes) -> Segment | None:
        """The segment back, or None when the blob is not one (a cache written by another version)."""
        try:
            docs, postings, meta, parts = json.loads(zlib.decompress(blob))
        except (ValueError, TypeError, zlib.error):
            return None
        return cls(key, docs, postings, meta, parts)


def _meta(doc: IndexDoc) -> list[str]:
    authors = ", ".join(doc.authors[:MAX_AUTHORS]) + (" et al." if len(doc.authors) > MAX_AUTHORS else "")
    tldr = doc.tldr if len(doc.tldr) <= MAX_TLDR else doc.tldr[: MAX_TLDR - 1] + "…"
    return [doc.paper_id, doc.title, authors, doc.category, tldr]


def _term_frequencies(docs: list[IndexDoc]) -> list[Counter[str]]:
    """Per doc: term -> frequency, weighted by field."""
    tok = Tokenizer()
    counted: list[Counter[str]] = []
    for d in docs:
        tf: Counter[str] = Counter(tok.terms(d.abstract))
        tf.update(tok.terms(d.summary))
        for weight, text in zip(FIELD_WEIGHTS, (f"{d.title} {d.paper_id}", " ".join(d.authors)), strict=True):
            for t in tok.terms(text):
                tf[t] += weight
        counted.append(tf)
    return counted


def segment(day: date, docs: list[IndexDoc]) -> Segment:
    """Tokenize one day: per term, its postings (doc << 6 | quantized BM25 tf weight, normalized by the
    day's mean document length)."""
    counted = _term_frequencies(docs)
    lengths = [sum(tf.values()) for tf in counted]
    avg = sum(lengths) / max(len(lengths), 1) or 1.0
    postings: dict[str, list[int]] = {}
    get = postings.get
    for doc, tf in enumerate(counted):
        norm = K1 * (1 - B + B * lengths[doc] / avg)
        # BM25's tf part with (k1 + 1) divided out, 0..1 -> 1..63, for each frequency this doc has
        table = [doc << 6 | min(63, max(1, round(63 * f / (f + norm)))) for f in range(max(tf.values(), default=0) + 1)]
        for term, f in tf.items():
            lst = get(term)
            if lst is None:
                lst = postings[term] = []
            lst.append(table[f])
    encoded = {t: (encode_postings(p), p[-1] >> 6, len(p)) for t, p in postings.items()}
    return Segment(day.isoformat(), len(docs), encoded, [_meta(d) for d in docs])


def join(key: str, segments: Iterable[Segment]) -> Segment:
    """Segments in order -> one, their docs numbered after each other. Only a piece's first gap changes."""
    segs = list(segments)
    if not segs:
        return Segment(key, 0, {}, [])
    head = segs[0].postings  # taken as it is: its doc numbers do not move
    pieces: dict[str, list[str]] = {t: [p[0]] for t, p in head.items()}
    last: dict[str, int] = {t: p[1] for t, p in head.items()}
    df: Counter[str] = Counter({t: p[2] for t, p in head.items()})
    meta: list[list[str]] = list(segs[0].meta)
    offset = segs[0].docs
    for seg in segs[1:]:
        for term, (enc, end, n) in seg.postings.items():
            lst = pieces.get(term)
            gap, rest = _read_number(enc)
            gap += offset - last.get(term, -1) - 1
            enc = (_NUMBERS[gap] if gap < 32768 else encode_number(gap)) + enc[rest:]
            if lst is None:
                pieces[term] = [enc]
            else:
                lst.append(enc)
            last[term] = offset + end
            df[term] += n
        meta += seg.meta
        offset += seg.docs
    postings = {t: ("".join(p), last[t], df[t]) for t, p in pieces.items()}
    return Segment(key, offset, postings, meta, [p for seg in segs for p in seg.parts])


# ---------------------------------------------------------------- files


def splits(seg: Segment) -> set[str]:
    """The groups to split: any bigger than GROUP_BYTES that has longer terms to spread into."""
    split: set[str] = set()
    sizes = {t: len(t) + len(p[0]) + 6 for t, p in seg.postings.items()}
    pending = list(sizes)
    while pending:
        groups: dict[str, list[str]] = {}
        for t in pending:
            groups.setdefault(group_key(t, split), []).append(t)
        heavy = {k for k, ts in groups.items() if sum(sizes[t] for t in ts) > GROUP_BYTES
                 and any(len(t) > len(k) for t in ts)}  # fmt: skip
        split |= heavy
        pending = [t for k in heavy for t in groups[k]]
    return split


def _pow2(n: float, cap: int) -> int:
    size = 1
    while size < n and size < cap:
        size *= 2
    return size


@dataclass
class Files:
    """A directory of the index: its name (with a content hash) and its files."""

    name: str
    files: dict[str, str] = field(default_factory=dict)
    info: dict[str, object] = field(default_factory=dict)


def level_files(name: str, seg: Segment, split: set[str], months: list[str]) -> Files:
    """A level's postings files; `name` is its directory (named after its inputs by the caller)."""
    size = sum(len(t) + len(p[0]) + 6 for t, p in seg.postings.items())
    buckets = _pow2(size / BUCKET_BYTES, MAX_BUCKETS)
    payloads: list[dict[str, str]] = [{} for _ in range(buckets)]
    for term in sorted(seg.postings):
        payloads[fnv1a(group_key(term, split)) % buckets][term] = seg.postings[term][0]
    out = Files(name, {f"p{i}.js": js_data(f"search/{name}/p{i}", to_json(p)) for i, p in enumerate(payloads)})
    out.info = {"id": name, "months": months, "n": seg.docs, "p": buckets, "split": sorted(split)}
    return out


def meta_files(name: str, meta: list[list[str]]) -> Files:
    """A month's result files."""
    out = Files(name, info={"id": name, "n": len(meta), "m": DOCS_PER_META})
    for i in range(0, len(meta), DOCS_PER_META):
        k = i // DOCS_PER_META
        out.files[f"m{k}.js"] = js_data(f"search/{name}/m{k}", to_json(meta[i : i + DOCS_PER_META]))
    return out
