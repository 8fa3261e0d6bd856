"""`arxiv-digest mcp`: a Model Context Protocol server over the store, for AI assistants.

Built on the official `mcp` SDK (2.x, `MCPServer`): over stdio (an assistant launches it), or streamable
HTTP bound to 127.0.0.1. Read-only tools with typed arguments and results (pydantic models, so clients get
input and output schemas): search papers, a day's digest, one paper with its summary, the top picks with
their reasons, the themes of a day or week, the list of days. The store is opened read-only. Bad arguments
come back as MCP tool errors (one line the model can act on), never as tracebacks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import Field

from . import __version__
from .config import Settings
from .errors import DigestError, MissingExtra
from .query import Archive, DigestResult, SearchResult, ThemesResult, TopPicksResult
from .records import DaysRecord, PaperRecord
from .store import Store

T = TypeVar("T")
INSTRUCTIONS = (
    "An archive of daily arXiv digests: each announcement day's new papers in the followed categories, each "
    "with an LLM summary (TL;DR, motivation, method, result, conclusion) in the reader's language, and, when "
    "the reader has an interest profile, top picks with the reasons they were picked. Start with list_days "
    "or search_papers; get_paper gives one paper in full."
)


# The tools' argument types: their descriptions reach the model in the input schemas.
Query = Annotated[str, Field(max_length=200, description="words that must all appear (title, authors, abstract, "
                             "summary); any language; empty: every paper of the period")]  # fmt: skip
Since = Annotated[dt.date | None, Field(description="first announcement day, YYYY-MM-DD")]
Until = Annotated[dt.date | None, Field(description="last announcement day, YYYY-MM-DD")]
Categories = Annotated[list[str], Field(max_length=20, description="arXiv categories, e.g. cs.LG; an archive "
                                        "(astro-ph) takes its subcategories")]  # fmt: skip
Day = Annotated[dt.date | None, Field(description="announcement day, YYYY-MM-DD; default the latest")]
PaperId = Annotated[str, Field(max_length=40, description="arXiv id, e.g. 2601.19280 (a version is ignored)")]


def _mcp() -> Any:
    try:
        from mcp.server import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
        from mcp.types import ToolAnnotations
    except ImportError:
        raise MissingExtra("the MCP server needs the mcp SDK: pip install 'arxiv-digest[mcp]'") from None
    return MCPServer, ToolError, ToolAnnotations


def build_server(settings: Settings, store: Store) -> Any:
    """The MCPServer with its tools over `store` (opened read-only by the caller)."""
    mcp_server, tool_error, annotations = _mcp()
    archive = Archive(settings, store)
    server = mcp_server("arxiv-digest", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    read_only = annotations(read_only_hint=True, open_world_hint=False, idempotent_hint=True)

    def answer(fn: Callable[[], T]) -> T:
        try:
            return fn()
        except DigestError as e:  # bad input or nothing found: the model reads the line and tries again
            raise tool_error(str(e)) from None

    @server.tool(annotations=read_only)
    async def search_papers(query: Query = "", since: Since = None, until: Until = None,
                            categories: Categories = [],  # noqa: B006  (never mutated; the schema shows [])
                            limit: Annotated[int, Field(ge=1, le=100)] = 20) -> SearchResult:  # fmt: skip
        """Search the archive's papers: best match first (newest first without words)."""
        return answer(lambda: archive.search(query, since, until, categories, limit))

    @server.tool(annotations=read_only)
    async def get_digest(date: Day = None,
                         category: Annotated[str | None, Field(description="only this section, e.g. cs.LG")] = None,
                         offset: Annotated[int, Field(ge=0)] = 0,
                         limit: Annotated[int, Field(ge=1, le=500)] = 100) -> DigestResult:  # fmt: skip
        """A day's digest: its sections and papers (title, authors, TL;DR, score), in the digest's order."""
        return answer(lambda: archive.digest(date, category, offset, limit))

    @server.tool(annotations=read_only)
    async def get_paper(paper_id: PaperId) -> PaperRecord:
        """One paper in full: metadata, abstract, the whole summary, score and reasons."""
        return answer(lambda: archive.paper(paper_id))

    @server.tool(annotations=read_only)
    async def top_picks(date: Day = None, limit: Annotated[int, Field(ge=1, le=100)] = 10) -> TopPicksResult:
        """The day's top picks for the reader, best first, each with the reasons it was picked."""
        return answer(lambda: archive.top_picks(date, limit))

    @server.tool(annotations=read_only)
    async def themes(date: Day = None,
                     week: Annotated[bool, Field(description="the themes of the week (Monday to Sunday) holding "
                                                 "the day instead of the day's")] = False) -> ThemesResult:  # fmt: skip
        """The themes of a day or week: groups of its papers on one subject, each with its distinctive terms,
        an overview when an LLM wrote one, and its papers."""
        return answer(lambda: archive.themes(date, week))

    @server.tool(annotations=read_only)
    async def list_days(limit: Annotated[int, Field(ge=1, le=1000)] = 30) -> DaysRecord:
        """The announcement days in the archive, newest first, with their paper counts per category."""
        return answer(lambda: archive.days(limit))

    return server


def serve(settings: Settings, transport: Literal["stdio", "http"] = "stdio", host: str = "127.0.0.1",
          port: int = 8765) -> None:  # fmt: skip
    """Run the server until the client goes away (stdio) or Ctrl-C (http). Nothing but the protocol is
    written to stdout."""
    with Store.open_readonly(settings.data_dir) as store:
        server = build_server(settings, store)
        if transport == "stdio":
            server.run("stdio")
        else:
            server.run("streamable-http", host=host, port=port)
