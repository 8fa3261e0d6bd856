"""The offline extractive summarizer: splitting, roles, and complete summaries for the whole sample day."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.store import Store
from arxiv_digest.summarize.offline import MODEL, VERSION, extractive_summary, split_sentences
from fake_llm import SAMPLE_DAY, seed_store  # noqa: F401  (fixture)

FIELDS = ("tldr", "motivation", "method", "result", "conclusion")
PLACEHOLDERS = {"", "n/a", "na", "none", "not stated", "not available", "unknown", "-", "...", "tbd"}


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "Models, e.g. transformers, i.e. attention nets (Vaswani et al. 2017), work. See Fig. 3 and Eq. 2 for "
            "details. Accuracy rose by 0.5% to 93.2%.",
            ["Models, e.g. transformers, i.e. attention nets (Vaswani et al. 2017), work.",
             "See Fig. 3 and Eq. 2 for details.", "Accuracy rose by 0.5% to 93.2%."],
        ),
        (
            "The loss $L = \\sum_i x_i. y$ is convex. We bound it by $O(1/\\sqrt{T})$! pFedX then wins.",
            ["The loss $L = \\sum_i x_i. y$ is convex.", "We bound it by $O(1/\\sqrt{T})$!", "pFedX then wins."],
        ),
        ("Old work fails.We fix it in the U.S. market. Done.", ["Old work fails.", "We fix it in the U.S. market.",
                                                             "Done."]),
        ("Line one\n  wrapped here. Line two.", ["Line one wrapped here.", "Line two."]),
    ],
)  # fmt: skip
def test_sentence_splitting(text: str, want: list[str]) -> None:
    assert split_sentences(text) == want


def test_roles_follow_the_abstract() -> None:
    abstract = (
        "Large language models are increasingly used for code review. However, existing tools struggle with long "
        "diffs. In this paper, we propose DiffLens, a retrieval-augmented reviewer that chunks diffs by function. "
        "Experiments on 3 benchmarks show that DiffLens outperforms baselines by 12%. These results suggest that "
        "structure-aware retrieval is key for code review."
    )
    s = extractive_summary(abstract)
    assert s.tldr.startswith("In this paper, we propose DiffLens")
    assert "struggle" in s.motivation and "DiffLens, a retrieval" in s.method
    assert "outperforms baselines by 12%" in s.result and s.conclusion.startswith("These results suggest")


def test_one_sentence_abstract_still_fills_every_field() -> None:
    s = extractive_summary(
        "We propose a digital backpropagation method that employs joint optimization of step lengths, "
        "achieving improved accuracy at low computational complexity."
    )
    assert s.result == "Achieving improved accuracy at low computational complexity."
    assert all(getattr(s, f) for f in FIELDS)


def _normalised(text: str) -> str:
    return " ".join(text.split())


def test_every_sample_paper_gets_five_real_fields(seed_papers: list[dict[str, Any]]) -> None:
    assert len(seed_papers) == 131
    for p in seed_papers:
        s = extractive_summary(p["abstract"])
        abstract = _normalised(p["abstract"]).lower()
        for f in FIELDS:
            text = getattr(s, f)
            assert text.strip().lower() not in PLACEHOLDERS and len(text) >= 20, (p["id"], f, text)
            # extractive: the words come from the abstract (clauses of one-sentence abstracts are re-capitalised)
            head = text[:40].lower().rstrip(".")
            assert head in abstract, (p["id"], f, text)
        assert s == extractive_summary(p["abstract"])  # deterministic


def test_tldr_is_the_contribution_sentence(seed_papers: list[dict[str, Any]]) -> None:
    by_id = {p["id"]: p for p in seed_papers}
    assert extractive_summary(by_id["2601.19173"]["abstract"]).tldr == (
        "To resolve this geometric ambiguity, we introduce SynthRM, a scalable synthetic data platform."
    )
    verbs = ("propose", "introduce", "present", "develop", "design")
    with_contribution = [p for p in seed_papers if any(f"we {v}" in p["abstract"].lower() for v in verbs)]
    hits = sum(any(v in extractive_summary(p["abstract"]).tldr.lower() for v in verbs) for p in with_contribution)
    assert hits == len(with_contribution)


def test_cli_offline_on_the_sample_day(seed_store: Path) -> None:  # noqa: F811
    r = CliRunner().invoke(app, ["summarize", "--backend", "offline", "--data-dir", str(seed_store)])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("2026-01-28: 131 summarized, 0 already done, 0 failed of 131 (offline extractive")
    with Store.open(seed_store) as store:
        ids = [p.id for p in store.day_papers(SAMPLE_DAY)]
        assert store.summarized_ids(ids, "English", MODEL, VERSION) == set(ids)
        shown = store.best_summaries(ids, "Chinese")  # a Chinese reader still gets the English extractive ones
        assert {s.kind for s in shown.values()} == {"extractive"} and len(shown) == 131
    again = CliRunner().invoke(app, ["summarize", "--backend", "offline", "--data-dir", str(seed_store)])
    assert again.exit_code == 0 and "0 summarized, 131 already done" in again.stdout


def test_auto_backend_without_key_is_offline(seed_store: Path) -> None:  # noqa: F811
    r = CliRunner().invoke(app, ["summarize", "--data-dir", str(seed_store)])
    assert r.exit_code == 0, r.output
    assert "131 summarized" in r.stdout and "offline extractive" in r.stdout
