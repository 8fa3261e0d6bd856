"""`arxiv-digest mcp`, met by the official MCP SDK's own client: the real command launched as a subprocess
over stdio (as an assistant launches it), and once over streamable HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.errors import StoreError
from arxiv_digest.models import Theme
from arxiv_digest.store import Store
from seedstore import SEED_DAY, fill_seed

COMMAND = str(Path(sys.executable).parent / "arxiv-digest")  # the installed console script
TOOLS = {"search_papers", "get_digest", "get_paper", "top_picks", "themes", "list_days"}


@pytest.fixture
def data(tmp_path: Path, seed_papers: list[dict[str, Any]]) -> Path:
    with Store.open(tmp_path / "data") as s:
        fill_seed(s, seed_papers)
        s.save_scores(SEED_DAY, "kw", [("2601.19853", 2.5, ["keyword: diffusion"]), ("2601.19312", 1.0, ["x"])])
        s.save_themes("day", SEED_DAY, "fp", [Theme(1, "diffusion · sampling", ["diffusion", "sampling"],
                                                    ["2601.19853", "2601.19312"], "扩散模型 [3] ...")])
        s.save_themes("day", SEED_DAY, "fp", [Theme(1, "another reader's", [], ["2601.19853"])], reader="bob")
    (tmp_path / "arxiv-digest.toml").write_text('categories = ["eess.SP", "cs.LG", "stat.ML"]\n[profile]\n'
                                                'keywords = ["diffusion"]\n', "utf-8")  # fmt: skip
    return tmp_path


def _stdio(data: Path) -> StdioServerParameters:
    args = ["mcp", "--data-dir", str(data / "data"), "--config", str(data / "arxiv-digest.toml")]
    return StdioServerParameters(command=COMMAND, args=args, cwd=str(data))


def session(server: Any, body: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Client(server, read_timeout_seconds=30) as client:
            await body(client)

    asyncio.run(main())


def _error(result: Any) -> str:
    assert result.is_error
    text = "".join(c.text for c in result.content)
    assert "Traceback" not in text and "File \"" not in text
    return text


def test_tools_over_stdio(data: Path, seed_papers: list[dict[str, Any]]) -> None:
    fields = ("tldr", "motivation", "method", "result", "conclusion")
    expected = {p["id"] for p in seed_papers if p["category"] == "cs.LG" and any("扩散" in p[f] for f in fields)}
    db = data / "data" / "arxiv-digest.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    async def body(c: Client) -> None:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        assert set(tools) == TOOLS
        for t in tools.values():  # typed: input and output schemas, read-only
            assert t.output_schema and t.annotations and t.annotations.read_only_hint
        assert tools["search_papers"].input_schema["properties"]["since"]["anyOf"][0]["format"] == "date"

        r = await c.call_tool("search_papers", {"query": "扩散", "since": "2026-01-28", "categories": ["cs.LG"]})
        hits = r.structured_content["papers"]
        assert not r.is_error and {h["id"] for h in hits} == expected and len(expected) == 7
        assert hits[0]["page_url"] == f"2026-01-28.html#{hits[0]['id']}" and hits[0]["date"] == "2026-01-28"

        r = await c.call_tool("get_digest", {"category": "stat.ML", "limit": 2})
        d = r.structured_content
        assert d["categories"] == {"eess.SP": 18, "cs.LG": 106, "stat.ML": 7} and d["total"] == 7
        assert len(d["papers"]) == 2 and d["announced_at"] == "2026-01-27T20:00:00-05:00"
        assert d["top_picks"] == ["2601.19853", "2601.19312"]

        r = await c.call_tool("get_paper", {"paper_id": "2601.19853v2"})
        p = r.structured_content
        assert p["id"] == "2601.19853" and p["summary"]["language"] == "Chinese" and p["abstract"]
        assert p["score"] == 2.5 and p["reasons"] == ["keyword: diffusion"]

        r = await c.call_tool("top_picks", {"limit": 1})
        assert r.structured_content["ranked"] and [x["id"] for x in r.structured_content["picks"]] == ["2601.19853"]
        r = await c.call_tool("list_days", {})
        assert [(x["date"], x["papers"]) for x in r.structured_content["days"]] == [("2026-01-28", 131)]

        r = await c.call_tool("themes", {})  # the single reader's themes of the latest day, not bob's
        (theme,) = r.structured_content["themes"]
        assert theme["label"] == "diffusion · sampling" and theme["overview"] == "扩散模型 [3] ..."
        assert [x["id"] for x in theme["papers"]] == ["2601.19853", "2601.19312"] and theme["papers"][0]["title"]
        r = await c.call_tool("themes", {"date": "2026-01-28", "week": True})  # never computed: said, not made up
        assert r.structured_content["start"] == "2026-01-26" and r.structured_content["themes"] == []
        assert "themes --date 2026-01-28 --week" in r.structured_content["note"]

    session(_stdio(data), body)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # nothing written


def test_bad_arguments_are_tool_errors_not_tracebacks(data: Path) -> None:
    async def body(c: Client) -> None:
        assert "month value is outside" in _error(await c.call_tool("search_papers", {"since": "2026-13-01"}))
        assert "unknown arXiv category 'cs.XX'" in _error(await c.call_tool("search_papers", {"categories": ["cs.XX"]}))
        assert "is after until" in _error(await c.call_tool("search_papers", {"since": "2026-02-01",
                                                                               "until": "2026-01-01"}))  # fmt: skip
        assert "not an arXiv id: 'nope'" in _error(await c.call_tool("get_paper", {"paper_id": "nope"}))
        missing = await c.call_tool("get_paper", {"paper_id": "2601.00001"})
        assert "paper 2601.00001 is not in the archive" in _error(missing)
        no_day = await c.call_tool("get_digest", {"date": "2026-01-30"})
        assert "no announcement stored for 2026-01-30" in _error(no_day)
        assert "limit" in _error(await c.call_tool("list_days", {"limit": 0}))
        assert "no announcement stored for 2026-01-30" in _error(await c.call_tool("themes", {"date": "2026-01-30"}))
        assert "limit" in _error(await c.call_tool("top_picks", {"limit": "many"}))
        # the server is still there after every refusal
        assert not (await c.call_tool("list_days", {})).is_error

    session(_stdio(data), body)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_streamable_http_on_localhost(data: Path) -> None:
    port = _free_port()
    args = [COMMAND, "mcp", "--http", "--port", str(port), "--data-dir", str(data / "data")]
    proc = subprocess.Popen(args, cwd=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:  # ready when it accepts a connection
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the HTTP server did not come up"
                time.sleep(0.05)

        async def body(c: Client) -> None:
            r = await c.call_tool("search_papers", {"query": "diffusion", "limit": 3})
            assert not r.is_error and len(r.structured_content["papers"]) == 3

        session(f"http://127.0.0.1:{port}/mcp", body)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_missing_store_is_one_line(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["mcp", "--data-dir", str(tmp_path / "none")])
    assert r.exit_code == 1
    assert r.stderr == f"error: no store in {tmp_path / 'none'}: run `arxiv-digest fetch` (or `run`) first\n"
    assert not (tmp_path / "none").exists()


def test_the_server_store_cannot_write(data: Path) -> None:
    with Store.open_readonly(data / "data") as s:
        assert s.last_announced() == SEED_DAY
        with pytest.raises(StoreError, match=r"readonly|read-only"):
            s.save_scores(SEED_DAY, "x", [])
