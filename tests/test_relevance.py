"""LLM relevance, bounded: off by default, K and the estimated cost announced before any call, the real
cost after, one sentence of reason per paper in the reader's language, cached per paper."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from arxiv_digest.config import Settings
from arxiv_digest.models import Paper
from arxiv_digest.rank import rank_day
from arxiv_digest.store import AnnouncementRow, Store
from fake_llm import FakeLLM, fake_llm  # noqa: F401  (the fixture)

DAY = date(2026, 1, 28)
PAPERS = [Paper(f"2601.0000{i}", 1, title, ["Ann Other"], "We study it. It works.", ["cs.LG"]) for i, title in
          enumerate(["Diffusion models for audio", "Graph neural networks at scale", "Diffusion for graphs",
                     "A study of fluids", "Bandits with diffusion priors", "Protein folding"], 1)]  # fmt: skip


def setup(tmp_path: Path, llm: FakeLLM, **profile: Any) -> tuple[Settings, Store]:
    store = Store.open(tmp_path / "data")
    with store.transaction():
        for p in PAPERS:
            store.upsert_paper(p)
        store.add_announcements(DAY, [AnnouncementRow(p.id, "cs.LG", "new", i, False) for i, p in enumerate(PAPERS, 1)])
    s = Settings.model_validate({
        "data_dir": tmp_path / "data", "language": "Chinese",
        "llm": {"base_url": llm.url, "api_key": "sk-test", "prices": {"deepseek-chat": {"input": 0.27, "output": 1.1}}},
        "profile": {"keywords": ["diffusion", "graph"], "embeddings": "none", **profile},
    })  # fmt: skip
    return s, store


def test_off_by_default_no_call(tmp_path: Path, fake_llm: FakeLLM) -> None:  # noqa: F811
    s, store = setup(tmp_path, fake_llm)
    with store:
        report = rank_day(s, store, DAY)
    assert report.llm is None and fake_llm.calls == 0


def test_the_top_k_are_judged_with_cost_before_and_after_and_cached(tmp_path: Path, fake_llm: FakeLLM) -> None:  # noqa: F811
    s, store = setup(tmp_path, fake_llm, llm_relevance=True, llm_relevance_k=4)
    said: list[tuple[str, int]] = []
    with store:
        report = rank_day(s, store, DAY, notify=lambda line: said.append((line, fake_llm.calls)))
        assert len(said) == 1 and said[0][1] == 0  # announced before any request
        assert "judging the top 4" in said[0][0] and "estimated $" in said[0][0]
        llm = report.llm
        assert llm is not None and llm.k == 4 and llm.calls == 1 == fake_llm.calls and llm.problem is None
        assert llm.estimated_usd > 0 and llm.cost_usd > 0
        assert len(llm.points) == 4
        scores = store.get_scores(DAY)
        judged = [pid for pid, (_, reasons) in scores.items() if any(r.startswith("LLM: ") for r in reasons)]
        assert len(judged) == 4
        why = next(r for r in scores["2601.00003"][1] if r.startswith("LLM: "))
        assert why == "LLM: 标题涉及diffusion、graph。"  # one sentence, in the reader's language
        assert "2601.00006" not in judged  # beyond K: not sent
        prompt = fake_llm.log[0].messages[1]["content"]
        assert "Keywords: diffusion; graph" in prompt and "Protein folding" not in prompt
        again = rank_day(s, store, DAY, notify=lambda line: said.append((line, fake_llm.calls)))
        assert fake_llm.calls == 1 and again.llm is not None and again.llm.cached == 4 and again.llm.calls == 0
        assert "0 to ask" in said[1][0]
        assert store.get_scores(DAY) == scores


def test_an_unusable_llm_is_a_problem_not_a_failure(tmp_path: Path, fake_llm: FakeLLM) -> None:  # noqa: F811
    s, store = setup(tmp_path, fake_llm, llm_relevance=True)
    fake_llm.script("apology")
    with store:
        report = rank_day(s, store, DAY)
    assert report.llm is not None and report.llm.problem is not None and "not a JSON object" in report.llm.problem
    assert report.picks  # ranked anyway, by keywords
