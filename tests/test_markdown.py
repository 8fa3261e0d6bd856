"""The Markdown digest: byte-identical to the reference, honest about pending and extractive summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import Settings, load_settings
from arxiv_digest.render import render_day
from arxiv_digest.render.markdown import render_markdown
from arxiv_digest.store import Store
from seedstore import SEED_CATEGORIES, SEED_DAY, fill_seed, seed_summary

FIXTURES = Path(__file__).parent / "fixtures"


def settings_for(tmp_path: Path, **over: Any) -> Settings:
    base = {"categories": SEED_CATEGORIES, "language": "Chinese", "data_dir": tmp_path / "data"}
    return load_settings(None, {**base, **over}, environ={})


@pytest.fixture
def store(tmp_path: Path, seed_papers: list[dict[str, Any]]) -> Store:
    s = Store.open(tmp_path / "data")
    fill_seed(s, seed_papers)
    return s


def test_golden_digest_is_byte_identical(tmp_path: Path, store: Store) -> None:
    out = render_day(settings_for(tmp_path), store, SEED_DAY, "markdown", tmp_path / "out" / "d.md")
    assert out.read_bytes() == (FIXTURES / "seed-digest.md").read_bytes()


def test_followed_order_then_others_alphabetically(store: Store) -> None:
    md = render_markdown(store.load_day(SEED_DAY, ["stat.ML"], "Chinese"))
    toc = md.split("\n\n\n", 1)[0]
    assert toc.endswith("- [stat.ML](#stat.ML) [Total: 7]\n- [cs.LG](#cs.LG) [Total: 106]\n"
                        "- [eess.SP](#eess.SP) [Total: 18]")  # fmt: skip
    assert md.index("<div id='stat.ML'>") < md.index("<div id='cs.LG'>") < md.index("<div id='eess.SP'>")
    # the running index continues across sections
    assert "### [7] " in md and "### [8] [Analysis of Control Bellman Residual" in md and "### [131] " in md


def _block(md: str, n: int) -> str:
    start = md.index(f"### [{n}] ")
    end = md.find("### [", start + 1)
    return md[start : end if end != -1 else len(md)]


def test_pending_paper_is_listed_with_marker_and_abstract(tmp_path: Path, seed_papers: list[dict[str, Any]]) -> None:
    s = Store.open(tmp_path / "data")
    fill_seed(s, seed_papers, summarized=False)
    for p in seed_papers[1:]:
        s.save_summary(p["id"], seed_summary(p))
    first = seed_papers[0]
    s.record_failure(first["id"], "Chinese", "deepseek-chat", "v1", "HTTP 429: rate limited\ntraceback...")
    md = render_markdown(s.load_day(SEED_DAY, SEED_CATEGORIES, "Chinese"))
    block = _block(md, 1)
    assert block.startswith(f"### [1] [{first['title']}](https://arxiv.org/abs/{first['id']})\n*Yuanwei Liu,Hao Jiang,")
    assert "摘要生成中（尚未完成），以下为原文摘要。（上次失败：HTTP 429: rate limited）\n\n" in block
    assert f"Abstract: {first['abstract']}\n" in block
    assert "TL;DR" not in block and "<details>" not in block and "traceback" not in block
    assert "- [eess.SP](#eess.SP) [Total: 18]" in md  # still counted: it is listed
    assert md.count("### [") == 131
    # every other paper is exactly as in the reference
    ref = (FIXTURES / "seed-digest.md").read_text("utf-8")
    assert md[md.index("### [2] ") :] == ref[ref.index("### [2] ") :]


def test_pending_marker_in_english(tmp_path: Path, seed_papers: list[dict[str, Any]]) -> None:
    s = Store.open(tmp_path / "data")
    fill_seed(s, seed_papers[:3], summarized=False)
    md = render_markdown(s.load_day(SEED_DAY, SEED_CATEGORIES, "English"))
    assert md.count("Summary pending - showing the abstract.\n\nAbstract: ") == 3
    assert "TL;DR" not in md
    assert "- [eess.SP](#eess.SP) [Total: 3]\n" in md


def test_extractive_summary_is_labelled(tmp_path: Path, seed_papers: list[dict[str, Any]]) -> None:
    s = Store.open(tmp_path / "data")
    fill_seed(s, seed_papers[:2], summarized=False)
    s.save_summary(seed_papers[0]["id"], seed_summary(seed_papers[0], kind="extractive", language="English"))
    s.save_summary(seed_papers[1]["id"], seed_summary(seed_papers[1]))
    md = render_markdown(s.load_day(SEED_DAY, SEED_CATEGORIES, "Chinese"))
    first, second = _block(md, 1), _block(md, 2)
    assert "Main category: eess.SP\n\n*抽取式摘要（离线生成，摘自英文原文，非大模型总结）*\n\nTL;DR: " in first
    assert "抽取式" not in second and "<details>" in second
    md_en = render_markdown(s.load_day(SEED_DAY, SEED_CATEGORIES, "English"))
    label = "*Extractive summary (offline, English): sentences from the abstract, not an LLM summary.*"
    assert f"Main category: eess.SP\n\n{label}\n\nTL;DR: " in _block(md_en, 1)


def test_top_picks_only_when_enabled_and_scored(tmp_path: Path, store: Store, seed_papers: list[Any]) -> None:
    ref = (FIXTURES / "seed-digest.md").read_bytes()
    on = settings_for(tmp_path, **{"output.markdown_top_picks": True, "profile.top_k": 2})
    off = settings_for(tmp_path)
    # enabled but nothing scored: unchanged
    assert render_day(on, store, SEED_DAY, "markdown", tmp_path / "a.md").read_bytes() == ref
    ids = [p["id"] for p in seed_papers]
    store.save_scores(SEED_DAY, "p", [(ids[20], 0.9, ["keyword: diffusion"]), (ids[3], 0.5, ["author: A"]),
                                   (ids[5], 0.1, ["author: B"]), (ids[7], 0.95, [])])  # fmt: skip
    # scored but disabled: unchanged
    assert render_day(off, store, SEED_DAY, "markdown", tmp_path / "b.md").read_bytes() == ref
    md = render_day(on, store, SEED_DAY, "markdown", tmp_path / "c.md").read_text("utf-8")
    head, rest = md.split("<div id=toc></div>", 1)
    assert head.startswith("# 为你推荐\n\n- [21] [")
    assert " - keyword: diffusion\n- [4] [" in head
    assert "[6]" not in head  # top_k = 2
    assert "[8]" not in head  # a score without a reason is not a pick: we always say why
    assert "<div id=toc></div>" + rest == ref.decode("utf-8")


@pytest.mark.parametrize(
    ("language", "marker"),
    [("zh", "摘要生成中（尚未完成），以下为原文摘要。"), ("简体中文", "摘要生成中（尚未完成），以下为原文摘要。"),
     ("Japanese", "要約は準備中です。以下は原文のアブストラクトです。"),
     ("ja", "要約は準備中です。以下は原文のアブストラクトです。"),
     ("German", "Zusammenfassung ausstehend - hier das Abstract.")],
)  # fmt: skip
def test_pending_marker_in_the_readers_language_however_it_is_spelled(
    tmp_path: Path, seed_papers: list[dict[str, Any]], language: str, marker: str
) -> None:
    s = Store.open(tmp_path / "data")
    fill_seed(s, seed_papers[:2], summarized=False)
    md = render_markdown(s.load_day(SEED_DAY, SEED_CATEGORIES, language))
    assert md.count(f"{marker}\n\nAbstract: ") == 2


def test_markdown_and_site_use_the_same_words() -> None:
    from arxiv_digest.render.markdown import EXTRACTIVE, PENDING
    from arxiv_digest.render.ui import _TABLES, ui_text

    for language, words in _TABLES.items():
        assert PENDING[language] == words["pending"] and EXTRACTIVE[language] == f"*{words['extractive']}*"
    assert ui_text("zh-CN")["lang"] == "zh-Hans" and ui_text("ja")["pending"] == PENDING["japanese"]
