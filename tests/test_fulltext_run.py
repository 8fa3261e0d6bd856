"""Full text end to end: `run` with a profile reads the top picks in full (the fake arXiv serves real HTML
captures), summarizes them from it, checks their numbers, says so in every output, never publishes the text,
and a re-run pays nothing. With full text off the Markdown is the reference, byte for byte."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import feedparser
import pytest
from typer.testing import CliRunner, Result

from arxiv_digest.cli import app
from arxiv_digest.config import load_settings
from arxiv_digest.deliver.email import build_message
from arxiv_digest.store import Store
from fake_arxiv import FakeArxiv, day_from_seed
from fake_llm import INVENTED, FakeLLM
from site_pages import page_text

HTML = Path(__file__).parent / "fixtures" / "arxiv-html"
REFERENCE = Path(__file__).parent / "fixtures" / "seed-digest.md"
SITE = Path("arxiv-digest-site")
DAY = "2026-01-28"
PICKS = ["2601.19672", "2601.19745", "2601.19788"]  # the three papers about "federated" learning
# Sentences of the pages served: the paper's text must never reach an output.
PAGE_TEXT = ("Speech signals captured in real-world environments", "represent a field")


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch, seed_papers: list[dict[str, Any]]) -> Iterator[tuple[FakeArxiv, FakeLLM]]:
    llm = FakeLLM().start()
    with FakeArxiv(min_spacing=0.02, crawl_delay=0.05) as arxiv:
        arxiv.set_day(day_from_seed(seed_papers))
        arxiv.serve_html(PICKS[0], 1, (HTML / "arxiv-html_2508.08468v6_2026.html").read_bytes())
        arxiv.serve_html(PICKS[1], 1, (HTML / "arxiv-html_2609.03768v1_2026.excerpt.html").read_bytes())
        # PICKS[2] has no HTML version: arXiv's 404 page
        for var, url in (("RSS", arxiv.rss_url), ("LISTING", arxiv.listing_url), ("API", arxiv.api_url),
                         ("HTML", arxiv.html_url)):  # fmt: skip
            monkeypatch.setenv(f"ARXIV_DIGEST_{var}_URL", url)
        monkeypatch.setenv("ARXIV_DIGEST_DELAY", "0.02")
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("CATEGORIES", "eess.SP,cs.LG,stat.ML")
        Path("arxiv-digest.toml").write_text('[profile]\nkeywords = ["federated"]\nembeddings = "none"\n', "utf-8")
        yield arxiv, llm
    llm.stop()


def blocks(md: str) -> dict[str, str]:
    """Markdown paper blocks by arXiv id."""
    out = {}
    for block in md.split("\n### [")[1:]:
        out[block.split("](https://arxiv.org/abs/", 1)[1].split(")", 1)[0]] = block
    return out


def test_the_picks_are_summarized_from_their_full_text(servers: tuple[FakeArxiv, FakeLLM]) -> None:
    arxiv, llm = servers
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "full text: 2 of 3 papers (top-picks); 1 without a usable HTML version (abstract used)" in result.stdout
    assert "tokens per paper:" in result.stdout and "(2 papers)" in result.stdout
    assert "2 pages fetched in" in result.stdout
    assert arxiv.counts["robots"] == 1 and arxiv.counts["html"] == 3
    assert llm.calls == 131  # one request per paper: 2 from full text, 129 from their abstracts
    prompt = llm.calls_for(PICKS[0])[0].messages[1]["content"]
    assert "<fulltext>\n## Introduction\n\nSpeech signals" in prompt and "<abstract>" in prompt
    assert "</fulltext>" not in llm.calls_for(PICKS[2])[0].messages[1]["content"]  # no HTML: the abstract prompt

    md = (SITE / f"{DAY}.md").read_text("utf-8")
    ours, ref = blocks(md), blocks(REFERENCE.read_text("utf-8"))
    assert [pid for pid in ref if ours[pid] != ref[pid]] == PICKS[:2]  # every other paper as in the reference
    assert ours[PICKS[0]].count("*据全文总结。*") == 1 and "全文报告的关键结果为" in ours[PICKS[0]]
    assert md.count("据全文总结") == 2 and "据摘要总结" not in md  # Markdown names only full-text summaries

    feeds = [feedparser.parse(f.read_bytes()) for f in sorted((SITE / "feeds").glob("*.atom"))]
    by_id = {e.id.rsplit("/", 1)[1]: e.content[0].value for f in feeds for e in f.entries}
    assert "据全文总结" in by_id[PICKS[0]] and "据摘要总结" in by_id[PICKS[2]]
    ai = [json.loads(line) for line in (SITE / "data" / f"{DAY}_AI_enhanced_Chinese.jsonl").read_text().splitlines()]
    sources = {r["id"]: r.get("AI_source", "abstract") for r in ai}  # absent: the default, the abstract
    assert sum("AI_source" in r for r in ai) == 2
    assert [pid for pid, src in sources.items() if src == "fulltext"] == PICKS[:2] and len(sources) == 131
    page = page_text(SITE / f"{DAY}.html")
    card = page[page.index(f'id="{PICKS[1]}"') :].split("</article>", 1)[0]
    assert "据全文总结。" in card
    other = page[page.index(f'id="{PICKS[2]}"') :].split("</article>", 1)[0]
    assert '<p class="note provenance" lang="zh-Hans">据摘要总结。</p>' in other
    for path in SITE.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".html", ".atom", ".jsonl", ".json"):
            text = path.read_text("utf-8")
            assert not any(sentence in text for sentence in PAGE_TEXT), path  # never re-served

    # a re-run of the day: nothing fetched, nothing paid
    arxiv.next_run()
    llm.reset_counts()
    again = cli("run", "--date", DAY)
    assert again.exit_code == 0, again.output
    assert arxiv.counts["html"] == 3 and arxiv.counts["robots"] == 1 and llm.calls == 0
    assert (SITE / f"{DAY}.md").read_text("utf-8") == md
    # the stage on its own
    alone = cli("fulltext", "--date", DAY)
    assert alone.exit_code == 0, alone.output
    assert alone.stdout.startswith("full text: 2 of 3 papers (top-picks); 1 without a usable HTML version")
    assert cli("fulltext", "--date", DAY, "--mode", "off").stdout == "full text: off (fulltext.mode)\n"
    assert arxiv.counts["html"] == 3 and llm.calls == 0


def test_with_full_text_off_the_markdown_is_the_reference(
    servers: tuple[FakeArxiv, FakeLLM], monkeypatch: pytest.MonkeyPatch
) -> None:
    arxiv, _ = servers
    monkeypatch.setenv("ARXIV_DIGEST_FULLTEXT", "off")
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert (SITE / f"{DAY}.md").read_bytes() == REFERENCE.read_bytes()
    assert arxiv.counts["html"] == 0 and arxiv.counts["robots"] == 0 and "full text:" not in result.stdout


def test_an_invented_number_is_sent_back_once_then_marked(servers: tuple[FakeArxiv, FakeLLM]) -> None:
    _, llm = servers
    llm.for_paper(PICKS[0], "invent", "invent")  # invents on the correction too
    llm.for_paper(PICKS[1], "invent")  # corrected by the second answer
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert len(llm.calls_for(PICKS[0])) == 2 and len(llm.calls_for(PICKS[1])) == 2
    fix = llm.calls_for(PICKS[1])[1].messages
    assert fix[-2]["role"] == "assistant" and INVENTED in fix[-2]["content"]
    assert fix[-1]["role"] == "user" and "97.3%" in fix[-1]["content"] and "does not occur" in fix[-1]["content"]
    assert "<fulltext>" in fix[1]["content"]  # the correction is a turn of the same conversation

    md = blocks((SITE / f"{DAY}.md").read_text("utf-8"))
    assert "*据全文总结。 未经核实的数字（原文中未找到）：97.3%*" in md[PICKS[0]] and INVENTED in md[PICKS[0]]
    assert "未经核实" not in md[PICKS[1]] and INVENTED not in md[PICKS[1]]
    page = page_text(SITE / f"{DAY}.html")
    card = page[page.index(f'id="{PICKS[0]}"') :].split("</article>", 1)[0]
    assert '<span class="unverified">未经核实的数字（原文中未找到）：97.3%</span>' in card
    settings = load_settings()
    with Store.open(settings.data_dir) as store:
        digest = store.load_day(date.fromisoformat(DAY), settings.categories, settings.language)
    message = build_message(digest, [], "digest@example.org", ["me@example.org"])
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "(据全文总结。 未经核实的数字（原文中未找到）：97.3%)" in plain and "据摘要总结" not in plain
    assert "from each paper's abstract, or\nfrom its full text where marked" in plain


def test_a_failing_full_text_summary_falls_back_to_the_abstract_in_the_same_run(
    servers: tuple[FakeArxiv, FakeLLM],
) -> None:
    _, llm = servers
    llm.for_paper(PICKS[0], "apology", "apology", "apology")  # every try with the full text is refused
    result = cli("run")
    assert result.exit_code == 0, result.output
    calls = llm.calls_for(PICKS[0])
    assert len(calls) == 4 and "<fulltext>" not in calls[-1].messages[1]["content"]
    md = blocks((SITE / f"{DAY}.md").read_text("utf-8"))
    assert md[PICKS[0]] == blocks(REFERENCE.read_text("utf-8"))[PICKS[0]]  # from the abstract, not pending
