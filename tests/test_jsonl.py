"""JSONL in daily-arXiv-ai-enhanced's format: export, import, and the round trip back to the reference."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.errors import BadInput, JSONLImportError
from arxiv_digest.models import Paper
from arxiv_digest.render.jsonl import export_day, import_file, import_files
from arxiv_digest.render.markdown import render_markdown
from arxiv_digest.store import AnnouncementRow, Store
from seedstore import SEED_CATEGORIES, SEED_DAY, fill_seed, seed_summary

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def exported(tmp_path: Path, seed_papers: list[dict[str, Any]]) -> tuple[Path, Path]:
    with Store.open(tmp_path / "src") as s:
        fill_seed(s, seed_papers)
        plain, ai = export_day(s.load_day(SEED_DAY, SEED_CATEGORIES, "Chinese"), tmp_path / "data", plain=True)[::-1]
        return plain, ai


def _counts(s: Store) -> tuple[int, int, int]:
    return tuple(s.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # type: ignore[return-value]
                 for t in ("papers", "announcements", "summaries"))  # fmt: skip


def test_export_writes_both_files_in_the_tools_format(exported: tuple[Path, Path]) -> None:
    plain, ai = exported
    assert (plain.name, ai.name) == ("2026-01-28.jsonl", "2026-01-28_AI_enhanced_Chinese.jsonl")
    rows = [json.loads(line) for line in plain.read_text("utf-8").splitlines()]
    assert len(rows) == 131
    assert list(rows[0]) == ["id", "categories", "pdf", "abs", "authors", "title", "comment", "summary"]
    assert rows[0]["id"] == "2601.18927" and rows[0]["categories"] == ["eess.SP"]
    assert rows[0]["abs"] == "https://arxiv.org/abs/2601.18927" and rows[0]["pdf"] == "https://arxiv.org/pdf/2601.18927"
    assert rows[0]["authors"][:2] == ["Yuanwei Liu", "Hao Jiang"] and rows[0]["comment"] is None
    assert rows[0]["summary"].startswith("The pinching-antenna system (PASS)")
    enhanced = [json.loads(line) for line in ai.read_text("utf-8").splitlines()]
    assert len(enhanced) == 131
    assert list(enhanced[0]["AI"]) == ["tldr", "motivation", "method", "result", "conclusion"]
    assert enhanced[0]["AI"]["tldr"].startswith("本文全面综述了捏合天线系统")
    assert "本文" in ai.read_text("utf-8")  # UTF-8 as is, not \\u escapes


def test_round_trip_reproduces_the_reference(tmp_path: Path, exported: tuple[Path, Path]) -> None:
    with Store.open(tmp_path / "fresh") as s:
        results = list(import_files(s, [exported[1]]))
        assert [(r.day, r.papers, r.new_papers, r.summaries) for r in results] == [(SEED_DAY, 131, 131, 131)]
        md = render_markdown(s.load_day(SEED_DAY, SEED_CATEGORIES, "Chinese"))
        kinds = {r[0] for r in s.db.execute("SELECT kind FROM summaries")}
    assert md == (FIXTURES / "seed-digest.md").read_text("utf-8")
    assert kinds == {"imported"}


def test_import_is_idempotent(tmp_path: Path, exported: tuple[Path, Path]) -> None:
    with Store.open(tmp_path / "fresh") as s:
        list(import_files(s, [exported[0], exported[1]]))
        first = _counts(s)
        again = list(import_files(s, [exported[1], exported[0]]))
        assert _counts(s) == first == (131, 131, 131)
        assert [r.new_papers for r in again] == [0, 0]
        md = render_markdown(s.load_day(SEED_DAY, SEED_CATEGORIES, "Chinese"))
    assert md == (FIXTURES / "seed-digest.md").read_text("utf-8")


def test_plain_file_imports_papers_without_summaries(tmp_path: Path, exported: tuple[Path, Path]) -> None:
    with Store.open(tmp_path / "fresh") as s:
        (r,) = import_files(s, [exported[0]])
        assert (r.papers, r.summaries) == (131, 0)
        md = render_markdown(s.load_day(SEED_DAY, SEED_CATEGORIES, "Chinese"))
    assert md.count("摘要生成中（尚未完成），以下为原文摘要。") == 131 and "TL;DR" not in md


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), "utf-8")
    return path


def test_malformed_line_names_file_and_line_and_imports_nothing(tmp_path: Path, exported: tuple[Path, Path]) -> None:
    good = exported[1].read_text("utf-8").splitlines()
    bad = _write(tmp_path / "2026-01-28_AI_enhanced_Chinese.jsonl", [*good[:4], '{"id": "2601.1", oops', *good[4:]])
    with Store.open(tmp_path / "fresh") as s:
        with pytest.raises(JSONLImportError) as e:
            import_file(s, bad)
        assert str(e.value).startswith(f"{bad}:5: not valid JSON")
        assert e.value.exit_code == 2
        assert _counts(s) == (0, 0, 0)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("[1, 2]", "not a JSON object"),
        ('{"id": "nope", "categories": ["cs.LG"], "authors": [], "title": "t", "summary": "a"}', "not an arXiv id"),
        ('{"id": "2601.00001", "categories": [], "authors": [], "title": "t", "summary": "a"}',
         "'categories' is empty"),
        ('{"id": "2601.00001", "categories": ["cs.LG"], "authors": "A, B", "title": "t", "summary": "a"}',
         "'authors' must be a list of strings"),
        ('{"id": "2601.00001", "categories": ["cs.LG"], "authors": [], "title": "t"}', "missing 'summary'"),
    ],
)  # fmt: skip
def test_malformed_records(tmp_path: Path, line: str, why: str) -> None:
    path = _write(tmp_path / "2026-01-28.jsonl", [line])
    with (
        Store.open(tmp_path / "s") as s,
        pytest.raises(JSONLImportError, match=f"^{re.escape(str(path))}:1: .*{re.escape(why)}"),
    ):
        import_file(s, path)


def test_ai_file_line_without_ai_is_malformed(tmp_path: Path) -> None:
    line = '{"id": "2601.00001", "categories": ["cs.LG"], "authors": [], "title": "t", "summary": "a"}'
    path = _write(tmp_path / "2026-01-28_AI_enhanced_English.jsonl", [line])
    with Store.open(tmp_path / "s") as s, pytest.raises(JSONLImportError, match=":1: missing 'AI'"):
        import_file(s, path)


def test_bad_names_are_refused_before_anything_is_imported(tmp_path: Path, exported: tuple[Path, Path]) -> None:
    with Store.open(tmp_path / "fresh") as s:
        with pytest.raises(BadInput, match="cannot tell the day from the file name"):
            list(import_files(s, [exported[0], tmp_path / "papers.jsonl"]))
        with pytest.raises(BadInput, match="no such file"):
            list(import_files(s, [exported[0], tmp_path / "2026-01-29.jsonl"]))
        with pytest.raises(BadInput, match="not a real day"):
            list(import_files(s, [tmp_path / "2026-02-30.jsonl"]))
        assert _counts(s) == (0, 0, 0)


def test_import_keeps_papers_the_store_already_has(tmp_path: Path, exported: tuple[Path, Path]) -> None:
    with Store.open(tmp_path / "fresh") as s:
        s.upsert_paper(Paper(id="2601.18927", version=3, title="From the API", authors=["X"], abstract="abs",
                             categories=["eess.SP", "cs.IT"]))  # fmt: skip
        (r,) = import_files(s, [exported[1]])
        assert r.new_papers == 130
        kept = s.get_paper("2601.18927")
        assert kept is not None and (kept.title, kept.version) == ("From the API", 3)


def test_extractive_summaries_stay_out_of_the_ai_field(tmp_path: Path, seed_papers: list[dict[str, Any]]) -> None:
    with Store.open(tmp_path / "src") as s:
        fill_seed(s, seed_papers[:3], summarized=False)
        s.save_summary(seed_papers[0]["id"], seed_summary(seed_papers[0]))
        s.save_summary(seed_papers[1]["id"], seed_summary(seed_papers[1], kind="extractive", language="English"))
        s.record_failure(seed_papers[2]["id"], "Chinese", "m", "v1", "timeout")
        ai, plain = export_day(s.load_day(SEED_DAY, SEED_CATEGORIES, "Chinese"), tmp_path / "out", plain=True)
        assert export_day(s.load_day(SEED_DAY, SEED_CATEGORIES, "Chinese"), tmp_path / "only") == [
            tmp_path / "only" / ai.name]  # the plain file only when asked for (output.plain_jsonl)
    assert len(plain.read_text("utf-8").splitlines()) == 3
    lines = [json.loads(x) for x in ai.read_text("utf-8").splitlines()]
    assert [x["id"] for x in lines] == [p["id"] for p in seed_papers[:3]]  # every paper of the day
    assert [sorted(set(x) & {"AI", "extractive", "pending"}) for x in lines] == [["AI"], ["extractive"], ["pending"]]
    assert lines[0]["AI_model"] == "deepseek-chat" and lines[2]["pending"] == "timeout"
    assert lines[1]["extractive"]["tldr"] == seed_papers[1]["tldr"]


def test_sections_follow_first_category_and_line_order(tmp_path: Path) -> None:
    def rec(pid: str, cats: list[str]) -> str:
        ai = dict.fromkeys(("tldr", "motivation", "method", "result", "conclusion"), "x")
        return json.dumps({"id": pid, "categories": cats, "authors": ["A"], "title": pid, "summary": "s", "AI": ai})

    path = _write(tmp_path / "2026-02-02_AI_enhanced_English.jsonl",
                  [rec("2602.00003", ["stat.ML", "cs.LG"]), rec("2602.00001", ["cs.LG"]),
                   rec("2602.00002", ["cs.CV", "cs.LG"])])  # fmt: skip
    with Store.open(tmp_path / "s") as s:
        import_file(s, path)
        md = render_markdown(s.load_day(date(2026, 2, 2), ["cs.LG", "stat.ML"], "English"))
    toc = "- [cs.LG](#cs.LG) [Total: 1]\n- [stat.ML](#stat.ML) [Total: 1]\n- [cs.CV](#cs.CV) [Total: 1]\n"
    assert toc in md
    assert md.index("[1] [2602.00001]") < md.index("[2] [2602.00003]") < md.index("[3] [2602.00002]")


# What daily-arXiv-ai-enhanced writes into `AI` when its LLM call fails (its enhance.py, several versions).
TOOL_PLACEHOLDERS = [
    {"tldr": "Summary generation failed", "motivation": "Motivation analysis unavailable",
     "method": "Method extraction failed", "result": "Result analysis unavailable",
     "conclusion": "Conclusion extraction failed"},
    dict.fromkeys(("tldr", "motivation", "method", "result", "conclusion"), "Error"),
    dict.fromkeys(("tldr", "motivation", "method", "result", "conclusion"), "Processing failed"),
]  # fmt: skip


def test_the_tools_failure_placeholders_are_not_imported_as_summaries(
    tmp_path: Path, exported: tuple[Path, Path]
) -> None:
    lines = [json.loads(x) for x in exported[1].read_text("utf-8").splitlines()]
    for rec, ai in zip(lines, TOOL_PLACEHOLDERS, strict=False):
        rec["AI"] = ai
    lines[3]["AI"]["method"] = "Method extraction failed"  # a partial answer merged with the defaults
    path = _write(tmp_path / exported[1].name, [json.dumps(rec, ensure_ascii=False) for rec in lines])
    with Store.open(tmp_path / "fresh") as s:
        (r,) = import_files(s, [path])
        assert (r.papers, r.summaries, r.placeholders) == (131, 127, 4)
        md = render_markdown(s.load_day(SEED_DAY, SEED_CATEGORIES, "Chinese"))
    assert md.count("摘要生成中（尚未完成），以下为原文摘要。") == 4
    for text in ("Summary generation failed", "extraction failed", "Processing failed", "TL;DR: Error"):
        assert text not in md


# ---------------------------------------------------------------- text kept as it was, hostile text refused


def _record(pid: str, title: str, ai: dict[str, str] | None = None, cats: list[str] | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": pid, "categories": cats or ["cs.LG"], "pdf": f"https://arxiv.org/pdf/{pid}",
        "abs": f"https://arxiv.org/abs/{pid}", "authors": ["Ann Lee", "Bo Chen"], "title": title,
        "comment": None, "summary": f"The abstract of {pid}.",
    }  # fmt: skip
    if ai is not None:
        rec["AI"] = ai
    return rec


# What the other tool's LLM wrote on 6 of 175 real days: a field with a leading space, a TL;DR ending in
# blank lines, a conclusion with trailing spaces.
SPACED = {"tldr": "本文提出一种新方法。\n\n", "motivation": "动机。", "method": "方法。",
          "result": " outperforms the baselines by 3%.", "conclusion": "结论。  "}  # fmt: skip


def test_import_keeps_every_byte_and_the_markdown_shows_it_as_the_tool_did(tmp_path: Path) -> None:
    line = json.dumps(_record("2601.00001", "Spaced", SPACED), ensure_ascii=False)
    path = _write(tmp_path / "2026-01-28_AI_enhanced_Chinese.jsonl", [line])
    with Store.open(tmp_path / "s") as s:
        import_file(s, path)
        digest = s.load_day(date(2026, 1, 28), ["cs.LG"], "Chinese")
        stored = digest.entries[0].summary
        assert stored is not None and stored.summary.model_dump(exclude={"keywords"}) == SPACED
        md = render_markdown(digest)
        (ai,) = export_day(digest, tmp_path / "out")
    assert "TL;DR: 本文提出一种新方法。\n\n\n\n\n<details>" in md  # the tool's converter: f"TL;DR: {tldr}\n\n\n"
    assert "\nResult:  outperforms the baselines by 3%.\n\nConclusion: 结论。  \n\nAbstract:" in md
    back, came = json.loads(ai.read_text("utf-8")), json.loads(line)
    assert back["AI"] == SPACED and {k: back[k] for k in came if k != "AI"} == {
        k: v for k, v in came.items() if k != "AI"}  # and back out as it came in, our fields after  # fmt: skip
    assert list(back)[: len(came)] == list(came)


def test_a_blank_field_is_still_not_a_summary(tmp_path: Path) -> None:
    line = json.dumps(_record("2601.00001", "Blank", {**SPACED, "method": " \n "}), ensure_ascii=False)
    path = _write(tmp_path / "2026-01-28_AI_enhanced_Chinese.jsonl", [line])
    with Store.open(tmp_path / "s") as s:
        assert import_file(s, path).summaries == 0


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\u0085"])
def test_line_separators_inside_text_survive_export_and_import(tmp_path: Path, sep: str) -> None:
    title = f"Part one{sep}part two"
    with Store.open(tmp_path / "a") as a:
        a.upsert_paper(Paper("2601.00001", 1, title, ["A"], f"Abstract{sep}more.", ["cs.LG"]))
        a.add_announcements(date(2026, 1, 28), [AnnouncementRow("2601.00001", "cs.LG", "new", 1, False)])
        _, plain = export_day(a.load_day(date(2026, 1, 28), ["cs.LG"], "Chinese"), tmp_path / "out", plain=True)
    assert sep not in plain.read_text("utf-8")  # written as an escape, for readers that split lines at it
    (tmp_path / "raw").mkdir()
    raw = _write(tmp_path / "raw" / "2026-01-28.jsonl", [json.dumps(_record("2601.00002", title), ensure_ascii=False)])
    assert sep in raw.read_text("utf-8")  # the other tool writes it raw
    with Store.open(tmp_path / "b") as b:
        assert import_file(b, plain).papers == 1 and import_file(b, raw).papers == 1
        assert {p.title for p in b.day_papers(date(2026, 1, 28))} == {title}
        assert b.papers(["2601.00001"])["2601.00001"].abstract == f"Abstract{sep}more."


@pytest.mark.parametrize("cat", ["cs.LG'><script>alert(1)</script>", "cs.FOO", "cs LG"])
def test_categories_outside_the_taxonomy_are_refused(tmp_path: Path, cat: str) -> None:
    good = json.dumps(_record("2601.00001", "Fine"))
    bad = json.dumps(_record("2601.00002", "Hostile", cats=[cat]))
    path = _write(tmp_path / "2026-01-28.jsonl", [good, bad])
    with Store.open(tmp_path / "s") as s:
        with pytest.raises(JSONLImportError, match=rf"^{re.escape(str(path))}:2: unknown arXiv category"):
            import_file(s, path)
        assert _counts(s) == (0, 0, 0)


def test_a_category_is_taken_in_its_canonical_spelling(tmp_path: Path) -> None:
    path = _write(tmp_path / "2026-01-28.jsonl", [json.dumps(_record("2601.00001", "t", cats=["CS.lg", "stat.ml"]))])
    with Store.open(tmp_path / "s") as s:
        import_file(s, path)
        assert s.papers(["2601.00001"])["2601.00001"].categories == ["cs.LG", "stat.ML"]


@pytest.mark.parametrize("lang", ["..", "x" * 300, "Chinese."])
def test_a_language_in_the_file_name_must_be_a_language(tmp_path: Path, lang: str) -> None:
    path = tmp_path / f"2026-01-28_AI_enhanced_{lang}.jsonl"
    with Store.open(tmp_path / "s") as s, pytest.raises(BadInput, match="the language in the file name must be"):
        list(import_files(s, [path]))
