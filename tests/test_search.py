"""Full-text search over the store: kept in sync on every write, Chinese found by 2 characters, filters."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import arxiv_digest.store.migrations as store_mod
from arxiv_digest.models import Paper, StoredSummary, Summary
from arxiv_digest.search import fts_query, index_text, search
from arxiv_digest.store import AnnouncementRow, Store
from seedstore import SEED_DAY, fill_seed

D1, D2 = date(2026, 1, 27), date(2026, 1, 28)


def _paper(pid: str, title: str, cats: list[str], abstract: str = "An abstract.") -> Paper:
    return Paper(id=pid, version=1, title=title, authors=["Ada Lovelace"], abstract=abstract, categories=cats)


def _summary(text: str, language: str = "Chinese") -> StoredSummary:
    s = Summary(tldr=text, motivation="动机。", method="方法。", result="结果。", conclusion="结论。")
    return StoredSummary(s, "llm", language, "m", "v1")


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store.open(tmp_path) as s:
        with s.transaction():
            for pid, title, cats, day in [
                ("2601.00001", "Diffusion models for channel estimation", ["eess.SP", "cs.LG"], D1),
                ("2601.00002", "Bandits with knapsacks", ["cs.LG"], D2),
                ("2601.00003", "Dark matter halos", ["astro-ph.CO"], D2),
            ]:
                s.upsert_paper(_paper(pid, title, cats))
                s.add_announcements(day, [AnnouncementRow(pid, cats[0], "new", 1, False)])
        s.save_summary("2601.00001", _summary("本文提出一种基于扩散模型的信道估计方法。"))
        s.save_summary("2601.00002", _summary("研究带背包约束的多臂老虎机。"))
        yield s


def ids(store: Store, words: str, **kw: Any) -> list[str]:
    return [h.paper_id for h in search(store.db, words, **kw)]


def test_cjk_is_indexed_as_bigrams() -> None:
    assert index_text("基于扩散模型 of $x$") == " 基于 于扩 扩散 散模 模型  of $x$"
    assert fts_query('扩散模型 in-context "NEAR(') == '"扩散 散模 模型"* AND "in context"* AND "NEAR"*'
    assert fts_query(' " * ( ') is None  # nothing searchable: a query of punctuation is no query


def test_two_chinese_characters_find_a_summary(store: Store) -> None:
    assert ids(store, "扩散") == ["2601.00001"]
    assert ids(store, "扩散模型") == ["2601.00001"]
    assert ids(store, "模型扩散") == []  # the characters in that order, not anywhere
    assert ids(store, "背包") == ["2601.00002"]
    assert ids(store, "信道") == ["2601.00001"]
    assert set(ids(store, "动机")) == {"2601.00001", "2601.00002"}  # the motivation field counts too


def test_words_are_anded_prefixes_case_folded(store: Store) -> None:
    assert ids(store, "DIFFUS channel") == ["2601.00001"]
    assert ids(store, "diffusion bandits") == []
    assert set(ids(store, "lovelace")) == {"2601.00001", "2601.00002", "2601.00003"}
    assert ids(store, 'title:bandits OR "') == []  # FTS5 syntax is text: no column filter, no OR


def test_title_matches_rank_first(store: Store) -> None:
    store.upsert_paper(_paper("2601.00004", "Something else", ["cs.LG"], abstract="We study knapsacks."))
    store.add_announcements(D2, [AnnouncementRow("2601.00004", "cs.LG", "new", 2, False)])
    assert ids(store, "knapsacks") == ["2601.00002", "2601.00004"]


def test_filters(store: Store) -> None:
    assert ids(store, "", since=D2) == ["2601.00002", "2601.00003"]  # no words: the period, newest first
    assert ids(store, "") == ["2601.00002", "2601.00003", "2601.00001"]
    assert ids(store, "", until=D1) == ["2601.00001"]
    assert set(ids(store, "lovelace", categories=["cs.LG"])) == {"2601.00001", "2601.00002"}
    assert ids(store, "lovelace", categories=["cs.LG"], since=D2) == ["2601.00002"]
    assert ids(store, "", categories=["astro-ph"]) == ["2601.00003"]  # an archive takes its subcategories
    assert ids(store, "", categories=["eess.SP"]) == ["2601.00001"]  # any of a paper's categories
    assert len(ids(store, "lovelace", limit=1)) == 1


def test_index_follows_every_write(store: Store) -> None:
    store.upsert_paper(Paper(id="2601.00002", version=2, title="Contextual bandits revisited", authors=["B"],
                             abstract="x", categories=["cs.LG"]))  # fmt: skip
    assert ids(store, "knapsacks") == [] and ids(store, "revisited") == ["2601.00002"]
    store.save_summary("2601.00002", _summary("新的总结：强化学习。"))  # replaces the Chinese summary
    assert ids(store, "背包") == [] and ids(store, "强化") == ["2601.00002"]
    store.save_summary("2601.00002", _summary("An English summary about regret.", language="English"))
    assert ids(store, "regret") == ids(store, "强化") == ["2601.00002"]  # every language's summary counts
    with store.transaction():
        store.put_summary("2601.00003", _summary("暗物质晕。"))  # the import path
    assert ids(store, "物质") == ["2601.00003"]


def test_an_older_store_is_indexed_when_it_is_upgraded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_papers: list[dict[str, Any]]
) -> None:
    before = [m for m in store_mod.MIGRATIONS if m is not store_mod.m013_search_and_readers]
    monkeypatch.setattr(store_mod, "MIGRATIONS", before)
    monkeypatch.setattr(store_mod.search, "reindex", lambda db, ids: None)  # as a version before the index wrote
    with Store.open(tmp_path) as old:
        fill_seed(old, seed_papers)
    monkeypatch.undo()
    with Store.open(tmp_path) as s:
        hits = search(s.db, "扩散", since=SEED_DAY, until=SEED_DAY, limit=100)
        assert len(hits) == 8 and all(h.day == SEED_DAY for h in hits)
        s.db.execute("VACUUM")  # may renumber the papers' rowids: the index has ids of its own
        assert len(search(s.db, "扩散", limit=100)) == 8


def test_a_rolled_back_write_leaves_the_index_as_it_was(store: Store) -> None:
    with pytest.raises(ZeroDivisionError), store.transaction():
        store.upsert_paper(_paper("2601.00009", "Quantum walkers", ["quant-ph"]))
        store.add_announcements(D2, [AnnouncementRow("2601.00009", "quant-ph", "new", 9, False)])
        _ = 1 / 0
    assert ids(store, "walkers") == []
    assert store.db.execute("SELECT COUNT(*) FROM search_docs WHERE paper_id='2601.00009'").fetchone()[0] == 0
    with store.transaction():  # the next transaction indexes only what it wrote, and all of it
        store.upsert_paper(_paper("2601.00009", "Quantum walkers", ["quant-ph"]))
        store.add_announcements(D2, [AnnouncementRow("2601.00009", "quant-ph", "new", 9, False)])
    assert ids(store, "walkers") == ["2601.00009"]
