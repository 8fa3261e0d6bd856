"""The numeric signals behind a score, as plain functions over vectors and texts (rank_day and
benchmarks/rank_bench.py call the same code):

- `centered_similarity`: cosine to the reader's papers after removing what the whole day shares. e5 puts
  nearly every pair of abstracts at 0.75-0.9; subtracting the day's mean vector leaves what is particular
  to each paper (rank_bench: MRR 0.12 -> 0.15 on its own).
- `lexical_similarity`: TF-IDF cosine to the reader's papers. Authors keep their own vocabulary (method
  and dataset names, acronyms) that a small embedding model blurs; rank_bench found this the strongest
  single signal, and the two together beat either.
- `learned_scores`: a per-reader logistic regression over the embeddings, trained on saved papers (and
  the profile's) against dismissed ones and the day's other papers as unlabeled negatives.

scikit-learn (the `embeddings` extra) is needed for the last two; `sklearn_available()` says whether it is.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Sequence
from dataclasses import dataclass

from .embed import dot

# A paper's similarity = mean of its TOP best matches among the reader's papers. rank_bench (140 queries):
# the single closest paper gives MRR 0.181, the mean of the best 2 0.169, of the best 3 0.165: a new
# paper continues one line of work, not the average of a library.
TOP = 1
LIKE_Z = 1.65  # "like a saved paper": in the top ~5% of the day for that saved paper
_STOP_EXTRA = ["propose", "proposed", "paper", "method", "methods", "approach", "results", "based", "using",
               "show", "novel", "existing", "framework", "model", "models"]  # fmt: skip


def sklearn_available() -> bool:
    return importlib.util.find_spec("sklearn") is not None


@dataclass
class Match:
    score: float  # mean of the TOP best similarities
    best: int  # index of the closest reader paper


def centered_similarity(day: Sequence[Sequence[float]], mine: Sequence[Sequence[float]],
                        skip: Sequence[set[int]] | None = None) -> list[Match | None]:  # fmt: skip
    """For each day vector, its mean centered cosine to its TOP closest `mine` vectors (unit vectors
    both). `skip[i]` lists `mine` indexes day paper i must not be compared with (itself). Pure Python:
    the centered cosine follows from plain dot products, so no vector is copied."""
    n = len(day)
    if not n or not mine:
        return [None] * n
    mu = [sum(col) / n for col in zip(*day, strict=True)]
    mm = dot(mu, mu)
    dm = [dot(v, mu) for v in day]
    pm = [dot(w, mu) for w in mine]
    pn = [math.sqrt(max(1 - 2 * x + mm, 1e-9)) for x in pm]
    out: list[Match | None] = []
    for i, v in enumerate(day):
        vn = math.sqrt(max(1 - 2 * dm[i] + mm, 1e-9))
        banned = skip[i] if skip else set()
        cos = sorted(((dot(v, w) - dm[i] - pm[j] + mm) / (vn * pn[j]), j)
                     for j, w in enumerate(mine) if j not in banned)  # fmt: skip
        if not cos:
            out.append(None)
            continue
        top = cos[-TOP:]
        out.append(Match(sum(c for c, _ in top) / len(top), top[-1][1]))
    return out


@dataclass
class LexicalMatch:
    score: float  # mean TF-IDF cosine to the TOP closest reader papers
    best: int  # index of the closest reader paper
    shared: list[str]  # the terms that weigh most in common with it, best first


def lexical_similarity(day: Sequence[str], mine: Sequence[str], skip: Sequence[set[int]] | None = None,
                       background: Sequence[str] = ()) -> list[LexicalMatch | None]:  # fmt: skip
    """TF-IDF (words and word pairs) cosine of each day text to the reader's texts, with the shared terms
    that make it. Term weights come from the day, the reader's papers and `background` (earlier days:
    more papers tell a field's common words from an author's own)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    if not day or not mine:
        return [None] * len(day)
    vec = TfidfVectorizer(strip_accents="unicode", stop_words=[*ENGLISH_STOP_WORDS, *_STOP_EXTRA],
                          token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9_\-]+\b", ngram_range=(1, 2),
                          sublinear_tf=True, max_df=0.5)  # fmt: skip
    try:
        vec.fit([*day, *mine, *background])
    except ValueError:  # no usable word at all (empty texts)
        return [None] * len(day)
    x = vec.transform([*day, *mine])
    terms = vec.get_feature_names_out()
    d, m = x[: len(day)], x[len(day) :]
    sims = (d @ m.T).toarray()
    out: list[LexicalMatch | None] = []
    for i, row in enumerate(sims):
        order = [j for j in row.argsort()[::-1] if not skip or j not in skip[i]]
        if not order:
            out.append(None)
            continue
        top = order[:TOP]
        best = int(top[0])
        common = d[i].multiply(m[best]).tocoo()  # sparse: only the terms both use
        shared: list[str] = []
        for _, t in sorted(zip(common.data, common.col, strict=True), reverse=True):
            if len(shared) == 3:
                break
            if not any(set(str(terms[t]).split()) & set(c.split()) for c in shared):  # not "rl" after "deep rl"
                shared.append(str(terms[t]))
        out.append(LexicalMatch(float(row[top].mean()), best, shared))
    return out


def learned_scores(day: Sequence[Sequence[float]], saved: Sequence[Sequence[float]],
                   dismissed: Sequence[Sequence[float]]) -> list[float]:  # fmt: skip
    """A logistic regression per reader: saved papers against dismissed ones (weighted more: a dismissal
    is a real "no") and the day's papers as unlabeled negatives, as arxiv-sanity-lite trains its SVM on
    the tagged papers against all others. Returns each day paper's decision value. Vectors are centered on
    the day, like `centered_similarity`."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    if not day or not saved:
        return [0.0] * len(day)
    d = np.asarray(day, dtype=np.float32)
    mu = d.mean(axis=0)
    pos, neg = np.asarray(saved, dtype=np.float32) - mu, d - mu
    parts, labels, weights = [pos, neg], [np.ones(len(pos)), np.zeros(len(neg))], [np.ones(len(pos)), np.ones(len(neg))]
    if len(dismissed):
        dis = np.asarray(dismissed, dtype=np.float32) - mu
        parts.append(dis)
        labels.append(np.zeros(len(dis)))
        weights.append(np.full(len(dis), 3.0))
    x, y, w = np.vstack(parts), np.concatenate(labels), np.concatenate(weights)
    w[y == 1] *= w[y == 0].sum() / w[y == 1].sum()  # balanced: a handful of stars against a whole day
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(x, y, sample_weight=w)
    return [float(v) for v in model.decision_function(neg)]


def like_counts(day: Sequence[Sequence[float]], saved: Sequence[Sequence[float]]) -> list[int]:
    """For each day paper, how many saved papers it stands out as close to (z >= LIKE_Z among the day's
    cosines to that saved paper): the "like 3 papers you saved" of a reason."""
    if not day or not saved:
        return [0] * len(day)
    counts = [0] * len(day)
    for s in saved:
        cos = [dot(v, s) for v in day]
        mean = sum(cos) / len(cos)
        sd = math.sqrt(sum((c - mean) ** 2 for c in cos) / len(cos)) or 1.0
        for i, c in enumerate(cos):
            counts[i] += (c - mean) / sd >= LIKE_Z
    return counts
