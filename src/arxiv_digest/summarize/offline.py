"""The offline summarizer: deterministic and extractive, over the abstract alone, in English.

Sentences are split so that "e.g.", "et al.", "Fig. 3", "0.5" and LaTeX survive; each sentence gets
a score per rhetorical role (motivation, method, result, conclusion) from cue phrases and its
position; the abstract is then cut into four ordered segments, one per role, maximising the score
(abstracts run problem -> approach -> findings -> outlook). The TL;DR is the contribution sentence.
Every field is text from the abstract, never a placeholder; it is labelled "extractive" downstream.
"""

from __future__ import annotations

import re

from ..models import Paper, Summary, SummaryKind
from .base import AdaptiveLimiter, PaperFailed, SummaryResult, Usage

MODEL = "offline-extractive"
VERSION = "extractive-v1"
LANGUAGE = "English"
ROLES = ("motivation", "method", "result", "conclusion")
MAX_PER_FIELD = 2  # sentences per field: a summary, not the abstract again

# ---------------------------------------------------------------- sentence splitting

_PROTECT_RE = re.compile(
    r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]"  # LaTeX math
    r"|\b(?:e\.g|i\.e|et al|cf|vs|viz|approx|resp|w\.r\.t|incl|esp|Figs?|Eqs?|Secs?|Tabs?|Refs?|Thms?|"
    r"Lem|Def|Prop|Ch|No|Nos|Vol|Dr|Prof|St|ca)\."  # abbreviations
    r"|\b(?:[A-Z]\.){2,}"  # U.S., E.U.
    r"|\d\.\d",  # decimals (never followed by a space, but cheap to guard)
    re.IGNORECASE | re.DOTALL,
)
# A sentence ends at . ! or ? (maybe followed by a closing quote or bracket) and whitespace, before
# anything but a plain lower-case word ("pFedX" or "k-NN" may start a sentence).
# Also "confusion.To address" (a missing space) between a lower-case word and a capitalised one.
_SPLIT_RE = re.compile(r"(?<=[.!?])(?:[\"”’)\]]*)\s+(?=[^a-z]|[a-z]+[A-Z0-9-])|(?<=[a-z)][.!?])(?=[A-Z][a-z])")
# Code links and venue notes are not part of the argument; dropped when enough else is left.
_BOILER_RE = re.compile(
    r"https?://|github\.com|\b(?:code|data|implementation)s?\b[^.]{0,40}\b(?:available|released)\b"
    r"|\baccepted (?:at|to|by|for)\b",
    re.IGNORECASE,
)
_CLAUSE_RE = re.compile(
    r"(?:;\s+|,\s+(?=(?:achieving|thereby|enabling|yielding|resulting|leading|which|while|where|whereas|"
    r"and (?:we|it|this|the results?|experiments?)|but)\b))"
)


def split_sentences(text: str) -> list[str]:
    """Sentences of an abstract, whitespace normalised, LaTeX and abbreviations intact."""
    text = " ".join(text.split())
    kept: list[str] = []

    def protect(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return f"\x00{len(kept) - 1}\x01"

    masked = _PROTECT_RE.sub(protect, text)
    parts = _SPLIT_RE.split(masked)

    def restore(s: str) -> str:
        return re.sub(r"\x00(\d+)\x01", lambda m: kept[int(m.group(1))], s)

    return [restore(p).strip() for p in parts if p.strip()]


def split_clauses(sentence: str) -> list[str]:
    """A long sentence's clauses ("..., achieving ...", "...; ..."), for abstracts of one or two sentences;
    each starts with a capital and ends with a full stop so that it reads as a sentence."""
    parts = [p.strip() for p in _CLAUSE_RE.split(sentence) if p and p.strip()]
    parts = [p for p in parts if len(p.split()) >= 4]
    if len(parts) < 2:
        return [sentence]
    return [p[0].upper() + p[1:] + ("" if p[-1] in ".!?" else ".") for p in parts]


# ---------------------------------------------------------------- rhetorical roles

_CUES: dict[str, list[tuple[str, float]]] = {
    "motivation": [
        (r"\bhowever\b|\bdespite\b|\balthough\b|\byet\b", 1.5),
        (r"\bchalleng|\bremains?\b|\blimit(?:ed|ation)|\black\b|\bproblem\b|\bdifficult|\bbottleneck|\bgap\b", 1.2),
        (r"\bexisting\b|\bprior\b|\bprevious|\bconventional\b|\btraditional\b|\bcurrent\b|\btypically\b", 1.0),
        (r"\bsuffer|\bstruggle|\bfail|\bcostly\b|\bexpensive\b|\bunclear\b|\bunknown\b|\bunderexplored\b", 1.0),
        (r"\bis (?:a |an )?(?:crucial|critical|important|essential|fundamental|key|central)\b|\bpromising\b", 1.0),
        (r"\bhas been\b|\bhave been\b|\brecent(?:ly)?\b|\bincreasingly\b|\bemerg|\bwidely\b|\bgrowing\b", 0.7),
    ],
    "method": [
        (r"\bwe (?:propose|introduce|present|develop|design|devise|formulate|model|derive|construct|build)\b", 2.0),
        (r"\b(?:this|our) (?:paper|work|article|letter|study) (?:propose|introduce|present|develop)", 2.0),
        (r"\bin this (?:paper|work|article|letter|study)\b|\bhere,? we\b|\bwe (?:first|then|further)\b", 1.2),
        (r"\bour (?:approach|method|framework|model|algorithm|system)\b|\bbased on\b|\bleverag|\bconsists? of\b", 1.0),
        (r"\bframework\b|\balgorithm\b|\barchitecture\b|\bmodule\b|\bstrategy\b|\bby (?:using|\w+ing)\b", 0.6),
        (r"\bspecifically\b|\bto (?:address|tackle|overcome|resolve|bridge|this end)\b|\bwe (?:use|employ)\b", 1.0),
    ],
    "result": [
        (r"\bexperiments?\b|\bsimulations?\b|\bevaluations?\b|\bempirical(?:ly)?\b|\bbenchmarks?\b", 1.3),
        (r"\b(?:results?|we|numerical \w+) (?:show|demonstrate|reveal|indicate|confirm|validate)|\bwe find\b", 1.5),
        (r"\boutperform|\bsurpass|\bachiev|\bimprov|\breduc|\bspeed-?up|\bstate-of-the-art\b|\bsota\b", 1.2),
        (r"\d+(?:\.\d+)?\s?(?:%|×|x\b|times\b|dB\b)|\baccuracy\b|\bcompared (?:to|with)\b|\bcomparabl", 1.0),
        (r"\bwe (?:prove|establish|show)\b|\bguarantee|\bbound\b|\bregret\b|\bconverge", 0.8),
    ],
    "conclusion": [
        (r"\bthese (?:results|findings)\b|\bour (?:results|findings|work)\b|\boverall\b|\bin conclusion\b", 1.5),
        (r"\bsuggest|\bhighlight|\bunderscore|\bpave|\bimplication|\bshed light\b|\binsights?\b|\bopens?\b", 1.2),
        (r"\bfuture\b|\bpromising (?:direction|avenue)\b|\bpractical\b|\bbroad(?:er|ly)?\b|\bgenerali[sz]", 0.8),
        (r"\bcode\b.*\bavailable\b|\bgithub\b|\bpublicly\b|\bfinally\b|\bwe conclude\b", 1.0),
        (r"\benabl(?:e|es|ing)\b|\bprovides? (?:a|an)\b.*\bfoundation\b|\bcontribut", 0.6),
    ],
}
_CUE_RE = {role: [(re.compile(p, re.IGNORECASE), w) for p, w in cues] for role, cues in _CUES.items()}
_CONTRIB_RE = re.compile(
    r"\b(?:we|this (?:paper|work|article|letter|study|survey)|in this (?:paper|work|article|letter|study)"
    r"|here)\b[^.]{0,60}?\b(?:propose|introduce|present|develop|design|devise|put forward|offer"
    r"|investigate|study|address|tackle|explore|formulate|derive|provide|consider|establish|analy[sz]e|examine)",
    re.IGNORECASE,
)
_STRONG_CONTRIB = re.compile(r"propose|introduce|present|develop|design|devise|put forward", re.IGNORECASE)


def role_scores(sentence: str, index: int, count: int) -> dict[str, float]:
    """Cue-phrase score per role plus a position prior (first sentences set up, last ones conclude)."""
    rel = index / max(1, count - 1)
    prior = {"motivation": 1.0 - rel * 1.5, "method": 0.6 - abs(rel - 0.35), "result": 0.6 - abs(rel - 0.7),
             "conclusion": rel * 1.5 - 1.0}  # fmt: skip
    scores = {}
    for role in ROLES:
        cue = sum(w for rx, w in _CUE_RE[role] if rx.search(sentence))
        scores[role] = cue + prior[role]
    return scores


def segment(scores: list[dict[str, float]]) -> list[int]:
    """Role index per sentence, non-decreasing, every role used once there are four sentences:
    the best-scoring cut of the abstract into motivation | method | result | conclusion."""
    n, k = len(scores), len(ROLES)
    neg = float("-inf")
    # best[i][r]: best total for sentences[:i+1] with sentence i in role r
    best = [[neg] * k for _ in range(n)]
    back = [[0] * k for _ in range(n)]
    for r in range(k):
        if r == 0 or n < k:
            best[0][r] = scores[0][ROLES[r]]
    for i in range(1, n):
        for r in range(k):
            prev = range(r + 1) if n < k else range(max(0, r - 1), r + 1)  # enough sentences: no role skipped
            p = max(prev, key=lambda q: best[i - 1][q])
            best[i][r] = best[i - 1][p] + scores[i][ROLES[r]]
            back[i][r] = p
    r = max(range(k), key=lambda q: best[n - 1][q]) if n < k else k - 1
    out = [0] * n
    for i in range(n - 1, -1, -1):
        out[i] = r
        r = back[i][r]
    return out


# ---------------------------------------------------------------- the summary


def _pick(units: list[str], scores: list[dict[str, float]], idx: list[int], role: str) -> str:
    """The MAX_PER_FIELD best sentences among `idx` for `role`, in abstract order."""
    top = sorted(sorted(idx, key=lambda i: -scores[i][role])[:MAX_PER_FIELD])
    return " ".join(units[i] for i in top)


def _contribution(units: list[str]) -> int | None:
    """Index of the contribution sentence ("we propose ...", "this paper presents ...")."""
    hits = [i for i, s in enumerate(units) if _CONTRIB_RE.search(s)]
    strong = [i for i in hits if _STRONG_CONTRIB.search(units[i])]
    return (strong or hits)[0] if hits else None


def extractive_summary(abstract: str) -> Summary:
    """Five fields from the abstract's own sentences; fewer than four sentences share them."""
    units = split_sentences(abstract)
    argument = [u for u in units if not _BOILER_RE.search(u)]
    if len(argument) >= len(ROLES):
        units = argument
    if len(units) < len(ROLES):
        units = [c for s in units for c in split_clauses(s)]
    if not units:
        raise ValueError("empty abstract")
    scores = [role_scores(s, i, len(units)) for i, s in enumerate(units)]
    contrib = _contribution(units)
    if contrib is not None:  # what comes before the contribution sets it up; the method starts there
        for i in range(contrib):
            scores[i]["motivation"] += 1.0
        scores[contrib]["method"] += 1.0
    roles = segment(scores)
    fields: dict[str, str] = {}
    for r, role in enumerate(ROLES):
        idx = [i for i, x in enumerate(roles) if x == r]
        if not idx:  # short abstract: borrow the best-fitting unit for this role
            idx = [max(range(len(units)), key=lambda i: scores[i][role])]
        fields[role] = _pick(units, scores, idx, role)
    if contrib is None:  # no explicit contribution: the first method sentence says what was done
        contrib = roles.index(1) if 1 in roles else 0
    tldr = units[contrib]
    return Summary(tldr=tldr, motivation=fields["motivation"], method=fields["method"], result=fields["result"],
                   conclusion=fields["conclusion"])  # fmt: skip


class OfflineSummarizer:
    """The embedded backend: no network, no key, same protocol as the LLM backends."""

    kind: SummaryKind = "extractive"
    language = LANGUAGE
    model = MODEL
    prompt_version = VERSION
    label = "offline extractive summarizer (English)"

    async def summarize(self, paper: Paper, limiter: AdaptiveLimiter) -> SummaryResult:
        try:
            return SummaryResult(extractive_summary(paper.abstract), Usage())
        except ValueError as e:
            raise PaperFailed(f"cannot summarize offline: {e}") from None

    async def aclose(self) -> None:
        return None
