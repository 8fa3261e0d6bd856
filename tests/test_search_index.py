"""The search index's format and its incremental build, without a browser (the browser side is in
test_browser_archive.py)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import Settings
from arxiv_digest.render.search_build import SEARCH_DIR
from arxiv_digest.render.search_index import (
    GROUP_BYTES,
    IndexDoc,
    decode_postings,
    encode_number,
    encode_postings,
    group_key,
    join,
    segment,
    splits,
)
from arxiv_digest.render.tokens import stem, tokens
from arxiv_digest.store import Store

CATS = ["cs.LG", "stat.ML"]


def test_tokens_words_and_cjk() -> None:
    text = "The Graph-Neural Networks of Schrödinger: 聚类方法 和 k-means (2601.19755) ＡＢＣ ﬁne 类"
    assert tokens(text) == ["graph", "neural", "network", "schrodinger", "k", "mean", "2601", "19755", "abc", "fine",
                            "聚类", "类方", "方法", "和", "类"]  # fmt: skip


@pytest.mark.parametrize(("word", "expected"), [
    ("networks", "network"), ("studies", "study"), ("bias", "bia"), ("class", "class"), ("corpus", "corpus"),
    ("analyses", "analyse"), ("gas", "gas"), ("3ds", "3ds"), ("ties", "ty"), ("series", "sery"),
])  # fmt: skip
def test_plural_stemmer(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_postings_round_trip() -> None:
    postings = [(0, 1), (1, 63), (40, 7), (1100, 5), (40_000, 2), (1_500_000, 9)]
    enc = encode_postings([d << 6 | w for d, w in postings])
    assert decode_postings(enc) == postings
    assert re.fullmatch(r"[A-Za-z0-9_-]+", enc)
    assert [encode_number(n) for n in (0, 31, 32, 1023, 1024)] == ["A", "f", "hA", "_f", "hgA"]


def _doc(pid: str, title: str, abstract: str = "", summary: str = "") -> IndexDoc:
    return IndexDoc(pid, "cs.LG", title, ["Ada Lovelace"], abstract, summary, summary[:10])


def test_joined_segments_number_docs_after_each_other() -> None:
    a = segment(date(2026, 1, 5), [_doc("1", "diffusion models"), _doc("2", "graphs"), _doc("3", "diffusion 聚类")])
    b = segment(date(2026, 1, 6), [_doc("4", "graphs and diffusion"), _doc("5", "聚类 diffusion")])
    joined = join("2026-01", [a, b])
    assert joined.docs == 5
    docs = {t: [d for d, _ in decode_postings(p[0])] for t, p in joined.postings.items()}
    assert docs["diffusion"] == [0, 2, 3, 4]
    assert docs["graph"] == [1, 3]
    assert docs["聚类"] == [2, 4]
    assert joined.postings["diffusion"][1:] == (4, 4)  # last doc, documents
    assert [m[0] for m in joined.meta] == ["1", "2", "3", "4", "5"]
    # joining joins again the same way (months into a level)
    again = join("base", [joined, join("2026-02", [b])])
    assert [d for d, _ in decode_postings(again.postings["diffusion"][0])] == [0, 2, 3, 4, 5, 6]


def test_the_title_weighs_more_and_long_documents_less() -> None:
    seg = segment(date(2026, 1, 5), [
        _doc("1", "kernels"), _doc("2", "other", abstract="kernels"),
        _doc("3", "other", abstract="kernels " + "padding words here " * 40),
    ])  # fmt: skip
    weights = [w for _, w in decode_postings(seg.postings["kernel"][0])]
    assert weights[0] > weights[1] > weights[2] >= 1


def test_big_groups_are_split_so_a_prefix_finds_one_file() -> None:
    postings = {f"con{c}{i}": ("A" * 3000, 0, 1) for c in "vst" for i in range(30)}
    postings["cat"] = ("A", 0, 1)
    split = splits(type("S", (), {"postings": postings})())  # type: ignore[arg-type]
    assert split == {"con"}
    assert group_key("convex", split) == "conv" and group_key("con", split) == "con"
    assert group_key("catalysis", split) == "cat" and group_key("聚类", split) == "聚"
    assert sum(len(v[0]) for k, v in postings.items() if k.startswith("conv")) < GROUP_BYTES


# ---------------------------------------------------------------- incremental build


def _papers(day: date, n: int, word: str) -> list[dict[str, Any]]:
    return [{"index": i + 1, "id": f"{day:%y%m}.{day.day:02d}{i:03d}", "title": f"{word} paper {i}",
             "authors": ["Ada Lovelace"], "category": CATS[i % 2], "abstract": f"About {word}.",
             "tldr": "短摘要。", "motivation": "动机。", "method": "方法。", "result": "结果。", "conclusion": "聚类。"}
            for i in range(n)]  # fmt: skip


def _inodes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def test_adding_a_day_rewrites_only_the_latest_month(tmp_path: Path) -> None:
    from arxiv_digest.render.html import render_site
    from browser_util import add_papers

    settings = Settings(categories=CATS, data_dir=tmp_path / "data")
    days = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 2, 2), date(2026, 2, 3)]
    with Store.open(settings.data_dir) as store:
        for d in days[:3]:
            add_papers(store, d, _papers(d, 5, "alpha"))
        site = render_site(settings, store, tmp_path / "site")
        root = site / SEARCH_DIR
        before = _inodes(root)
        add_papers(store, days[3], _papers(days[3], 5, "beta"))
        render_site(settings, store, site, days=[days[3]])
        after = _inodes(root)
    kept = {k for k in before if after.get(k) == before[k]}
    untouched = {k.split("/")[0] for k in before if not k.startswith(("2026-02", "recent"))}
    assert {k.split("/")[0] for k in kept} == untouched
    assert any(k.startswith("base-") for k in kept)  # January's postings did not move
    assert not any(k.startswith("recent-") for k in kept)
    manifest = json.loads((site / "archive/index.js").read_text("utf-8").split(",", 1)[1].rsplit(")", 1)[0])
    search = manifest["search"]
    assert [m["month"] for m in search["months"]] == ["2026-01", "2026-02"]
    assert [lv["months"] for lv in search["levels"]] == [["2026-01"], ["2026-02"]]
    assert search["months"][1]["days"] == [["2026-02-02", 5], ["2026-02-03", 5]]
    assert sorted(p.name.split("-")[0] for p in root.iterdir()) == ["2026", "2026", "base", "recent"]


def test_an_incremental_build_gives_the_index_of_a_full_one(tmp_path: Path) -> None:
    from arxiv_digest.render.html import render_site
    from browser_util import add_papers

    days = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 2, 2), date(2026, 2, 3), date(2026, 3, 2)]
    settings = Settings(categories=CATS, data_dir=tmp_path / "data")
    with Store.open(settings.data_dir) as store:
        for i, d in enumerate(days):
            add_papers(store, d, _papers(d, 4 + i, ["alpha", "beta", "gamma"][i % 3]))
            render_site(settings, store, tmp_path / "site", days=[d])  # one day at a time: joins cached prefixes
        store.db.execute("DELETE FROM search_segments")
        render_site(settings, store, tmp_path / "full")  # everything from scratch

    def files(site: Path) -> dict[str, str]:
        return {str(p.relative_to(site)): p.read_text("utf-8") for p in (site / SEARCH_DIR).rglob("*.js")}

    assert files(tmp_path / "site") == files(tmp_path / "full")
    manifest = "archive/index.js"
    assert (tmp_path / "site" / manifest).read_text("utf-8") == (tmp_path / "full" / manifest).read_text("utf-8")
