"""Several readers on one store, end to end: `run --email --notify` against the fake arXiv, the fake LLM,
a local SMTP server and a local webhook receiver. One fetch for the union of their categories, one summary
per paper and language, ranking, site and delivery per reader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from arxiv_digest.cli import app
from arxiv_digest.config import load_settings
from arxiv_digest.errors import BadInput, ConfigError
from arxiv_digest.query import Archive, NotFound
from arxiv_digest.readers import reader_settings, select, union_settings
from arxiv_digest.store import Store
from fake_arxiv import FakeArxiv
from fake_llm import FakeLLM
from site_pages import page_doc
from test_email import Inbox, start_server
from test_notify import Receiver
from test_pipeline import servers  # noqa: F401  (the fixture: fake arXiv + fake LLM through the environment)

SITE = Path("arxiv-digest-site")



def _lines(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]

def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def config(hook: str, smtp_port: int, bob_cats: str = '["eess.SP", "stat.ML"]') -> str:
    return f"""
[email]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "digest@example.org"

[output]
site_url = "https://me.example.org/d/"

[[readers]]
name = "alice"
categories = ["cs.LG"]
profile = {{ keywords = ["diffusion"] }}
notify = ["{hook}"]

[[readers]]
name = "bob"
categories = {bob_cats}
language = "English"
email = ["bob@example.org"]
"""


@pytest.fixture
def world(
    servers: tuple[FakeArxiv, FakeLLM], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> Iterator[tuple[FakeArxiv, FakeLLM, Receiver, Inbox, int]]:
    """The fake arXiv (its HTML pages too: the picks' full text) and LLM, a webhook receiver, an SMTP server."""
    arxiv, llm = servers
    monkeypatch.setenv("ARXIV_DIGEST_HTML_URL", arxiv.html_url)
    hook, box = Receiver(), Inbox()
    smtp = start_server(box)
    yield arxiv, llm, hook, box, smtp.port
    smtp.stop()
    hook.server.shutdown()


def _cards(page: Path) -> int:
    return len(page_doc(page).xpath("//article[contains(@class, 'card')]"))


def test_two_readers_share_one_fetch_and_one_summary_per_paper_and_language(
    world: tuple[FakeArxiv, FakeLLM, Receiver, Inbox, int], seed_papers: list[dict[str, Any]]
) -> None:
    arxiv, llm, hook, box, smtp_port = world
    for p in seed_papers:  # bob reads English: the fake LLM answers his papers in English
        if p["category"] != "cs.LG":
            llm.for_paper(p["id"], "english")
    url = f"json://127.0.0.1:{hook.port}/alice/tok-alice-Secret123"
    Path("arxiv-digest.toml").write_text(config(url, smtp_port), "utf-8")
    r = cli("run", "--email", "--notify")
    assert r.exit_code == 0, r.output
    assert arxiv.counts["rss"] == 1 and llm.calls == 131  # every paper once, in its reader's language

    alice, bob = SITE / "alice", SITE / "bob"
    assert _cards(alice / "2026-01-28.html") == 106 and _cards(bob / "2026-01-28.html") == 25
    md = (alice / "2026-01-28.md").read_text("utf-8")
    assert "- [cs.LG](#cs.LG) [Total: 106]" in md and "eess.SP" not in md and "stat.ML](#" not in md
    a_day = _lines(alice / "data" / "2026-01-28_AI_enhanced_Chinese.jsonl")  # each in its reader's language
    b_day = _lines(bob / "data" / "2026-01-28_AI_enhanced_English.jsonl")
    assert all("AI" in p for p in a_day + b_day) and (len(a_day), len(b_day)) == (106, 25)
    assert any("pick" in p for p in a_day) and not any("pick" in p for p in b_day)
    a_info = json.loads((alice / "data" / "days.json").read_text("utf-8"))["days"][0]
    assert a_info["page_url"] == "https://me.example.org/d/alice/2026-01-28.html"
    assert arxiv.counts["html"] == len([p for p in a_day if "pick" in p]) > 0  # only alice has picks to read in full
    assert sorted(p.name for p in (alice / "feeds").iterdir()) == ["cs.LG.atom", "picks.atom"]
    assert sorted(p.name for p in (bob / "feeds").iterdir()) == ["eess.SP.atom", "stat.ML.atom"]

    # deliveries: alice's picks pushed, bob's digest mailed, nobody gets the other's
    assert [req[0] for req in hook.requests] == ["/alice/tok-alice-Secret123"]
    pushed = hook.json()
    assert "top picks of 106 papers" in pushed["title"] and "https://me.example.org/d/alice/2026-01-28.html#" in \
        pushed["message"]  # fmt: skip
    ((_sender, rcpts, mail),) = box.mails
    assert rcpts == ["bob@example.org"] and "25 papers (eess.SP, stat.ML)" in mail["Subject"]
    assert "reader alice:" in r.stdout and "reader bob:" in r.stdout and "tok-alice" not in r.output

    # the other commands as one reader sees it
    (bob / "2026-01-28.md").unlink()
    r = cli("render", "--reader", "bob")
    assert (r.exit_code, r.stdout) == (0, "arxiv-digest-site/bob/2026-01-28.md\n")
    assert "- [eess.SP](#eess.SP) [Total: 18]" in (bob / "2026-01-28.md").read_text("utf-8")
    r = cli("render", "--reader", "carol")
    assert (r.exit_code, r.stderr) == (2, "error: no reader named 'carol' (readers: alice, bob)\n")
    settings = load_settings(Path("arxiv-digest.toml"))
    with Store.open_readonly(settings.data_dir) as store:
        archive = Archive(select(settings, "bob")[0], store)
        assert archive.digest(None, None, 0, 500).total == 25
        with pytest.raises(NotFound, match="not in this reader's digests"):
            archive.paper(next(p["id"] for p in seed_papers if p["category"] == "cs.LG"))
        assert Archive(select(settings, "alice")[0], store).top_picks(None, 3).ranked

    # the next run: nothing new, nothing paid
    arxiv.next_run()
    llm.reset_counts()
    assert cli("run").exit_code == 0 and llm.calls == 0


def test_a_paper_two_languages_follow_is_summarized_once_per_language(
    world: tuple[FakeArxiv, FakeLLM, Receiver, Inbox, int], seed_papers: list[dict[str, Any]]
) -> None:
    _, llm, hook, _, smtp_port = world
    cfg = config(f"json://127.0.0.1:{hook.port}/a", smtp_port, bob_cats='["cs.LG"]')
    Path("arxiv-digest.toml").write_text(cfg.replace('email = ["bob@example.org"]', ""), "utf-8")
    for p in seed_papers:
        if p["category"] == "cs.LG":
            llm.for_paper(p["id"], "ok", "english")  # first call Chinese (alice), second English (bob)
    r = cli("run")
    assert r.exit_code == 0, r.output
    assert llm.calls == 2 * 106  # eess.SP and stat.ML are nobody's: not summarized at all
    bob_day = _lines(SITE / "bob" / "data" / "2026-01-28_AI_enhanced_English.jsonl")
    assert len(bob_day) == 106 and all("AI" in p for p in bob_day)


def test_reader_settings() -> None:
    s = load_settings(environ={}, overrides={"readers": [
        {"name": "a", "categories": "cs.LG, stat.ML", "language": "English"},
        {"name": "b", "categories": ["cs.CL", "cs.LG"], "notify": ["ntfy://topic"]},
    ], "output.site_url": "https://x.org/site"})  # fmt: skip
    a, b = reader_settings(s)
    assert union_settings(s).categories == ["cs.LG", "stat.ML", "cs.CL"]
    assert (a.reader, a.categories, a.language, a.output.site_dir) == ("a", ["cs.LG", "stat.ML"], "English",
                                                                        "arxiv-digest-site/a")  # fmt: skip
    assert b.language == "Chinese" and b.output.site_url == "https://x.org/site/b/" and not b.profile.configured
    assert [u.get_secret_value() for u in b.notify.urls] == ["ntfy://topic"] and not a.notify.urls
    assert select(s, "b")[0].reader == "b"
    with pytest.raises(BadInput, match="no reader named 'c' \\(readers: a, b\\)"):
        select(s, "c")
    plain = load_settings(environ={})
    assert reader_settings(plain) == [plain] and union_settings(plain) is plain and plain.reader is None


@pytest.mark.parametrize(("readers", "message"), [
    ([{"name": "a", "categories": ["cs.LG"]}, {"name": "a", "categories": ["cs.CL"]}], "two readers are named 'a'"),
    ([{"name": "../x", "categories": ["cs.LG"]}], "readers.0.name"),
    ([{"name": "a"}], "readers.0.categories"),
    ([{"name": "a", "categories": ["cs.LG"], "reader": "b"}], "readers.0.reader"),
])  # fmt: skip
def test_bad_readers_are_named(readers: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", "\\(").replace(")", "\\)")):
        load_settings(environ={}, overrides={"readers": readers})
