"""The number check: every number a summary states must occur in the text it was written from."""

from __future__ import annotations

from typing import Any

import pytest

from arxiv_digest.models import Summary
from arxiv_digest.summarize.faithfulness import correction, unverified_numbers


def summary(result: str, **other: str) -> Summary:
    fields = {"tldr": "本文提出一种方法。", "motivation": "问题重要。", "method": "一种新方法。",
              "conclusion": "有用。", **other}  # fmt: skip
    return Summary(result=result, **fields)


@pytest.mark.parametrize(("written", "source"), [
    ("准确率提升 12.5%。", "accuracy improves by 12.5 %"),
    ("improves by 12.5 %", "a gain of 12.5% on"),
    ("使用 1000 个样本", "we use 1,000 samples"),
    ("10,000 steps", "trained for 10\\,000 steps"),
    ("1,000 图像", "$1{,}000$ images"),
    ("达到 93.2%", "reaches $93.2\\%$ accuracy"),
    ("误差 0.5", "an error of 0.50"),
    ("在10个任务上", "across ten diverse tasks"),
    ("在12个数据集和20个场景中", "On a dozen datasets and Twenty scenes"),  # any case, any of the words
    ("在1800多万条流量上", "more than 18 million flows"),
    ("参数量 7B", "a 7 billion parameter model"),
    ("约 93%", "93.2% of the cases"),  # rounded from a more precise number
    ("F1 为 0.91，优于 GPT-4", "an F1 of 0.91 against GPT-4"),
    ("提升 １２％", "improves by 12%"),  # full-width digits
    ("用了 3 个数据集和 2 个阶段", "several datasets"),  # single digits are counts, not checked
    ("论文2601.10000的结果", "arXiv id: 2601.10000"),
])  # fmt: skip
def test_numbers_the_source_states_pass_however_written(written: str, source: str) -> None:
    assert unverified_numbers(summary(written), source) == []


@pytest.mark.parametrize(("written", "source", "missing"), [
    ("准确率达到 97.3%。", "accuracy of 93.2%", ["97.3%"]),
    ("gains of 12% and 4.5 points", "gains of 11%", ["12%", "4.5"]),
    ("在 20 个数据集上", "on 12 datasets", ["20"]),
    ("1800万条", "18 thousand flows", ["1800万"]),
    ("5%", "no numbers at all", ["5%"]),  # a single-digit percentage is checked
    ("10 层注意力", "often, attention is shortened", ["10"]),  # "ten" only as a word of its own
])  # fmt: skip
def test_invented_numbers_are_named_as_written(written: str, source: str, missing: list[str]) -> None:
    assert unverified_numbers(summary(written), source) == missing


def test_every_field_is_checked_and_each_number_named_once() -> None:
    s = summary("结果 97.3%。", tldr="达到 97.3%。", motivation="已有方法只有 50%。")
    assert unverified_numbers(s, "nothing") == ["97.3%", "50%"]


def test_the_reference_digests_summaries_pass_against_their_abstracts(seed_papers: list[dict[str, Any]]) -> None:
    """The recorded summaries of all 131 papers of the reference digest (Chinese, written by an LLM from the
    abstracts): none may be flagged, or every run would pay for futile corrections."""
    for p in seed_papers:
        s = Summary(**{f: p[f] for f in ("tldr", "motivation", "method", "result", "conclusion")})
        assert unverified_numbers(s, f"arXiv id: {p['id']}\n{p['title']}\n{p['abstract']}") == [], p["id"]


def test_the_correction_names_the_numbers() -> None:
    text = correction(["97.3%", "12"])
    assert "97.3%, 12" in text and "do not occur" in text and "JSON" in text
    assert "does not occur" in correction(["97.3%"])
