"""Relevance of one day's papers to the profile, with the human-readable reasons behind each score.

Score = keyword hits (title weighs more than abstract or summary) + author hits - negative keyword hits
+ SEMANTIC_WEIGHT * z(embedding similarity) + LEXICAL_WEIGHT * z(TF-IDF similarity)
+ LEARNED_WEIGHT * z(the model learned from stars and dismissals) + the LLM's judgment when enabled.
Each z is the signal (rank/signals.py) standardized over the day: raw cosines say little (e5 puts almost
every pair of abstracts between 0.75 and 0.9); how far a paper stands out from the rest of the day says a lot.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass, field

from .profile import Profile, ProfilePaper

TITLE_WEIGHT = 1.0  # a profile keyword in the title
TEXT_WEIGHT = 0.6  # ... only in the abstract or the summary
AUTHOR_WEIGHT = 1.5
NEGATIVE_WEIGHT = 2.0  # subtracted per negative keyword found anywhere
# Per standard deviation of similarity above the day's mean: a paper standing out by 2.5 sd counts like a
# keyword in its abstract. Similarity refines keywords rather than overriding them: in rank_bench, 0.1-0.25
# keep keyword-level precision while 0.5 already lets look-alike papers push true keyword hits out.
SEMANTIC_WEIGHT = 0.25
LEXICAL_WEIGHT = 0.25  # rank_bench: embedding + TF-IDF at equal weight beat either alone and both baselines
LEARNED_WEIGHT = 0.25
SIMILAR_REASON_Z = 1.0  # name the closest profile paper as a reason from this z on


@dataclass
class Doc:
    """What scoring sees of one paper."""

    paper_id: str
    title: str
    abstract: str
    authors: list[str]
    summary: str = ""  # the stored summary's text (any language), matched like the abstract


@dataclass
class Scored:
    paper_id: str
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Similarity:
    """How close a paper is to the profile's papers (a cosine, or a mean of the best few), and the closest."""

    cosine: float
    paper: ProfilePaper
    shared: list[str] = field(default_factory=list)  # TF-IDF: the terms it shares with that paper


@dataclass
class Signals:
    """Everything beyond keywords and authors that scores a day's papers, by paper id."""

    similar: dict[str, Similarity] = field(default_factory=dict)  # embeddings
    lexical: dict[str, Similarity] = field(default_factory=dict)  # TF-IDF
    learned: dict[str, float] = field(default_factory=dict)  # the reader's model (needs stars)
    likes: dict[str, int] = field(default_factory=dict)  # how many saved papers each one is like
    llm: dict[str, tuple[float, str]] = field(default_factory=dict)  # the LLM's (points, reason)


def keyword_pattern(term: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive: 'ban' never matches 'bandit'. Words may be joined by spaces or hyphens
    ('graph neural network' matches 'graph-neural networks'), a plural s/es is allowed, and a trailing '*'
    asks for a prefix match ('reinforc*')."""
    prefix = term.endswith("*")
    words = term.rstrip("*").split()
    body = r"[\s\-]+".join(re.escape(w) for w in words)
    tail = r"\w*" if prefix else r"(?:e?s)?"
    return re.compile(rf"(?<!\w){body}{tail}(?!\w)", re.IGNORECASE)


def _name_key(name: str) -> tuple[list[str], str]:
    """'Bengio, Yoshua' / 'Yoshua Bengio' / 'Y. Bengio' -> (['yoshua'] or ['y'], 'bengio'); accents dropped."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    if "," in s:
        last, _, first = s.partition(",")
        s = f"{first} {last}"
    tokens = [t for t in re.split(r"[\s.]+", s) if t]
    if not tokens:
        return [], ""
    return tokens[:-1], tokens[-1]


def same_author(wanted: str, listed: str) -> bool:
    """Same family name, and given names agree word by word, where an initial agrees with a full name."""
    g1, l1 = _name_key(wanted)
    g2, l2 = _name_key(listed)
    if not l1 or l1 != l2:
        return False
    if not g1 or not g2:
        return not g1  # "Bengio" alone matches any Bengio; a listed bare "Bengio" does not match "Yoshua Bengio"
    for a, b in zip(g1, g2, strict=False):
        if a != b and not ((len(a) == 1 or len(b) == 1) and a[0] == b[0]):
            return False
    return True


class KeywordScorer:
    """Keyword, negative keyword and author matching, with patterns compiled once per profile."""

    def __init__(self, profile: Profile) -> None:
        self.keywords = [(k, keyword_pattern(k)) for k in profile.keywords]
        self.negative = [(k, keyword_pattern(k)) for k in profile.negative_keywords]
        self.authors = profile.authors

    def score(self, doc: Doc) -> tuple[float, list[str]]:
        score, reasons = 0.0, []
        text = f"{doc.abstract}\n{doc.summary}"
        for term, pat in self.keywords:
            if pat.search(doc.title):
                score += TITLE_WEIGHT
            elif pat.search(text):
                score += TEXT_WEIGHT
            else:
                continue
            reasons.append(f"keyword: {term}")
        for wanted in self.authors:
            hit = next((a for a in doc.authors if same_author(wanted, a)), None)
            if hit is not None:
                score += AUTHOR_WEIGHT
                reasons.append(f"author: {hit}")
        for term, pat in self.negative:
            if pat.search(doc.title) or pat.search(text):
                score -= NEGATIVE_WEIGHT
                reasons.append(f"negative keyword: {term}")
        return score, reasons


def score_docs(docs: list[Doc], profile: Profile, signals: Signals | None = None) -> list[Scored]:
    """Every doc's score and reasons, best first (ties keep the announcement order)."""
    kw = KeywordScorer(profile)
    sig = signals or Signals()
    z_sim = standardize({pid: s.cosine for pid, s in sig.similar.items()})
    z_lex = standardize({pid: s.cosine for pid, s in sig.lexical.items()})
    z_learn = standardize(sig.learned)
    out = []
    for doc in docs:
        pid = doc.paper_id
        score, reasons = kw.score(doc)
        score += SEMANTIC_WEIGHT * z_sim.get(pid, 0.0) + LEXICAL_WEIGHT * z_lex.get(pid, 0.0)
        score += LEARNED_WEIGHT * z_learn.get(pid, 0.0)
        if z_sim.get(pid, 0.0) >= SIMILAR_REASON_Z:
            reasons.append(f"similar to your paper: {sig.similar[pid].paper.label}")
        if z_lex.get(pid, 0.0) >= SIMILAR_REASON_Z and sig.lexical[pid].shared:
            reasons.append(f"shares terms with your papers: {', '.join(sig.lexical[pid].shared)}")
        if z_learn.get(pid, 0.0) >= SIMILAR_REASON_Z:
            n = sig.likes.get(pid, 0)
            reasons.append(f"like {n} paper{'s' if n != 1 else ''} you saved" if n else "like papers you saved")
        if pid in sig.llm:
            points, why = sig.llm[pid]
            score += points
            reasons.append(f"LLM: {why}")
        out.append(Scored(pid, round(score, 4), reasons))
    out.sort(key=lambda s: -s.score)
    return out


def standardize(values: dict[str, float]) -> dict[str, float]:
    """(x - mean) / population std over the day; all zeros when there is no spread to speak of."""
    if len(values) < 2:
        return dict.fromkeys(values, 0.0)
    mean = statistics.fmean(values.values())
    sd = statistics.pstdev(values.values(), mu=mean)
    if sd < 1e-6:
        return dict.fromkeys(values, 0.0)
    return {k: (v - mean) / sd for k, v in values.items()}
