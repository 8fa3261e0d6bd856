"""The interest profile: BibTeX and Zotero CSV exports, arXiv ids, and bad entries reported with file:line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from arxiv_digest.config import ProfileSettings
from arxiv_digest.models import Paper
from arxiv_digest.rank.profile import load_profile, read_bibtex, read_zotero_csv
from arxiv_digest.store import Store

BIB = r"""% A Zotero-style export, with the things real files contain.
@string{neurips = "Advances in Neural Information Processing Systems"}

@article{vaswani2017,
  title = {Attention Is {All} You Need},
  author = {Vaswani, Ashish and Shazeer, Noam},
  journal = {arXiv preprint arXiv:1706.03762},
  abstract = {The dominant sequence transduction models are based on {recurrent} networks.},
  year = 2017,
}

@comment{this is ignored @article{nope, title={Not a paper}}}

@misc{ho2020,
  title = "Denoising Diffusion Probabilistic {M}odels",
  eprint = {2006.11239v2},
  archivePrefix = {arXiv},
  booktitle = neurips # " 33",
}

@inproceedings{untitled,
  author = {Nobody, A.},
  year = {2020}
}

@article{broken,
  title = {An {unbalanced title,
  year = {2021}
}
"""


def test_bibtex_entries_titles_abstracts_and_arxiv_ids() -> None:
    papers, _ = read_bibtex(BIB, "refs.bib")
    by_title = {p.title: p for p in papers}
    assert "Attention Is All You Need" in by_title
    assert by_title["Attention Is All You Need"].arxiv_id == "1706.03762"
    assert by_title["Attention Is All You Need"].abstract.startswith("The dominant sequence transduction models")
    assert by_title["Attention Is All You Need"].origin == "refs.bib:4"
    ddpm = by_title["Denoising Diffusion Probabilistic Models"]
    assert ddpm.arxiv_id == "2006.11239" and ddpm.abstract == "" and ddpm.origin == "refs.bib:14"
    assert "Not a paper" not in by_title


def test_bibtex_bad_entries_are_reported_with_file_and_line() -> None:
    papers, problems = read_bibtex(BIB, "refs.bib")
    assert len(papers) == 2
    assert problems[0] == "refs.bib:21: @inproceedings entry has no title; skipped"
    assert problems[1].startswith("refs.bib:26: @article entry: ")
    assert len(problems) == 2


def test_bibtex_entry_after_a_broken_one_is_still_read() -> None:
    text = "@article{a,\n title = {Open {brace,\n}\n\n@article{b,\n title = {Second Paper},\n}\n"
    papers, problems = read_bibtex(text, "x.bib")
    assert [p.title for p in papers] == ["Second Paper"]
    assert len(problems) == 1 and problems[0].startswith("x.bib:1: ")


ZOTERO_CSV = (
    '"Key","Item Type","Publication Year","Author","Title","Publication Title","DOI","Url","Abstract Note","Extra"\n'
    '"K1","preprint","2026","Liu, Yuanwei","A Survey of Pinching-Antenna Systems (PASS)","","",'
    '"http://arxiv.org/abs/2601.18927v1","The pinching-antenna system (PASS)\nspans two lines.","arXiv:2601.18927"\n'
    '"K2","journalArticle","2020","Doe, Jane","","Nature","","","no title here",""\n'
    '"K3","journalArticle","2021","Roe, R.","Deep Learning for Channels","IEEE TWC","10.1109/x.1","","",""\n'
)


def test_zotero_csv_rows_and_bad_row_line() -> None:
    papers, problems = read_zotero_csv(ZOTERO_CSV, "lib.csv")
    assert [p.title for p in papers] == ["A Survey of Pinching-Antenna Systems (PASS)", "Deep Learning for Channels"]
    assert papers[0].arxiv_id == "2601.18927"
    assert papers[0].abstract == "The pinching-antenna system (PASS) spans two lines."
    assert papers[0].origin == "lib.csv:2"
    assert papers[1].arxiv_id is None and papers[1].origin == "lib.csv:5"  # row 2 spanned lines 2-3
    assert problems == ["lib.csv:4: row has no title; skipped"]


def test_csv_that_is_not_a_zotero_export() -> None:
    papers, problems = read_zotero_csv("a,b\n1,2\n", "other.csv")
    assert papers == [] and problems == ["other.csv:1: not a Zotero CSV export (no 'Title' column); file ignored"]


def _paper(pid: str, title: str, abstract: str = "An abstract.") -> Paper:
    return Paper(pid, 1, title, ["A. Author"], abstract, ["cs.LG"])


def test_load_profile_reports_every_problem_and_keeps_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, "utf-8")
    csv = tmp_path / "lib.csv"
    csv.write_text(ZOTERO_CSV, "utf-8")
    with Store.open(tmp_path / "data") as store:
        store.upsert_paper(_paper("2601.00001", "Stored Paper", "Stored abstract."))
        store.upsert_paper(_paper("2006.11239", "DDPM", "Diffusion abstract from the store."))
        settings = ProfileSettings.model_validate({
            "keywords": ["diffusion", "  ", "Diffusion", "graph   neural network"],
            "authors": ["Yoshua Bengio"],
            "papers": ["2601.00001v2", "not-an-id", "2601.99999"],
            "bibtex": [str(bib), str(tmp_path / "missing.bib")],
            "zotero_csv": [str(csv)],
        })
        with caplog.at_level(logging.INFO, logger="arxiv_digest.rank.profile"):
            profile = load_profile(settings, store)
    assert profile.keywords == ["diffusion", "graph neural network"]
    titles = [p.title for p in profile.papers]
    assert titles[0] == "Stored Paper" and profile.papers[0].from_store
    assert len(profile.papers) == 1 + 2 + 2
    ddpm = next(p for p in profile.papers if p.arxiv_id == "2006.11239")
    assert ddpm.abstract == "Diffusion abstract from the store."  # borrowed: the BibTeX entry has none
    w = profile.warnings
    assert "profile.keywords: entry 2 is empty; ignored" in w
    assert "profile.papers: entry 2 'not-an-id' is not an arXiv id; ignored" in w
    assert any(x.startswith("profile.papers: 2601.99999 is not in the store") for x in w)
    assert f"{bib}:21: @inproceedings entry has no title; skipped" in w
    assert f"{tmp_path / 'missing.bib'}: cannot read: No such file or directory; ignored" in w
    assert f"{csv}:4: row has no title; skipped" in w
    logged = [r.getMessage() for r in caplog.records]
    assert f"{csv}:4: row has no title; skipped" in logged
    assert profile.describe() == "2 keywords, 1 author, 5 papers"


def test_profile_fingerprint_changes_with_content() -> None:
    from arxiv_digest.rank.profile import Profile

    a = Profile(keywords=["diffusion"])
    assert a.fingerprint("m") == Profile(keywords=["diffusion"]).fingerprint("m")
    assert a.fingerprint("m") != Profile(keywords=["graphs"]).fingerprint("m")
    assert a.fingerprint("m") != a.fingerprint("other-model")
