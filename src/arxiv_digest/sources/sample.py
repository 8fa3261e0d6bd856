"""The bundled sample day, served from 127.0.0.1 so `fetch --sample` runs the real client and parsers.

`data/sample/` holds the day in arXiv's own formats (combined RSS feed, listing pages, query API answers)
and a `manifest.json` naming the day, the categories and which file answers which request.
`serve_sample()` starts a tiny ThreadingHTTPServer on an ephemeral port answering like arXiv would: the
files by the manifest, and for an `id_list` that no file answers exactly (some papers are already
stored, so fewer are asked for) an Atom answer cut from the files' entries. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

from ..config import Settings
from ..errors import DigestError
from ..models import split_version

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
TYPES = {".xml": "application/xml; charset=utf-8", ".html": "text/html; charset=utf-8"}


def sample_dir() -> Traversable:
    return resources.files("arxiv_digest").joinpath("data/sample")


@dataclass
class SampleDay:
    """The manifest, read: the day, the categories, and request -> file."""

    day: date
    categories: list[str]
    rss: dict[frozenset[str], str] = field(default_factory=dict)  # categories asked for -> file
    listings: dict[str, str] = field(default_factory=dict)  # category -> file
    api: dict[tuple[str, ...], str] = field(default_factory=dict)  # ids asked for, in order -> file


@cache
def load_manifest() -> SampleDay:
    try:
        raw: dict[str, Any] = json.loads(sample_dir().joinpath("manifest.json").read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise DigestError(f"the bundled sample day is missing or broken ({e}); reinstall arxiv-digest") from None
    sample = SampleDay(date.fromisoformat(raw["date"]), list(raw["categories"]))
    for request, name in raw["requests"].items():
        _route(sample, request, name)
    return sample


def _route(sample: SampleDay, request: str, name: str) -> None:
    """Index one manifest entry; requests are written as arXiv paths ('rss/A+B', 'list/A/new', 'api/query?...')."""
    parts = urlsplit(request if "://" in request else "http://arxiv.org/" + request.lstrip("/"))
    path = unquote(parts.path)
    if path.startswith("/rss/"):
        sample.rss[frozenset(path.removeprefix("/rss/").split("+"))] = name
    elif path.startswith("/list/"):
        sample.listings[path.split("/")[2]] = name
    else:
        ids = ",".join(parse_qs(parts.query).get("id_list", []))
        sample.api[tuple(_bare(i) for i in ids.split(",") if i)] = name


def _bare(raw: str) -> str:
    try:
        return split_version(raw)[0]
    except ValueError:
        return raw


@dataclass
class SampleServer:
    """Where the sample day is being served, and what it is."""

    base_url: str
    day: date
    categories: list[str]

    @property
    def rss_url(self) -> str:
        return f"{self.base_url}/rss"

    @property
    def listing_url(self) -> str:
        return f"{self.base_url}/list"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"


@contextmanager
def serve_sample() -> Iterator[SampleServer]:
    """Serve the sample day on 127.0.0.1 (ephemeral port) for the duration of the block."""
    sample = load_manifest()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.sample = sample  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="arxiv-digest-sample", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield SampleServer(f"http://{host!s}:{port}", sample.day, list(sample.categories))
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def sample_settings(settings: Settings, server: SampleServer) -> Settings:
    """The user's settings pointed at the sample server: its categories, no spacing (it is our own)."""
    arxiv = settings.arxiv.model_copy(
        update={"rss_url": server.rss_url, "listing_url": server.listing_url, "api_url": server.api_url,
                "delay_seconds": 0.0}
    )  # fmt: skip
    return settings.model_copy(update={"categories": list(server.categories), "arxiv": arxiv})


# ---------------------------------------------------------------- answering


def answer(sample: SampleDay, target: str) -> tuple[int, str, bytes]:
    """(status, content type, body) for one request path with query."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    name: str | None = None
    if path.startswith("/rss/"):
        name = sample.rss.get(frozenset(path.removeprefix("/rss/").split("+")))
    elif path.startswith("/list/") and path.endswith("/new"):
        name = sample.listings.get(path.split("/")[2])
    elif path == "/api/query":
        ids = tuple(_bare(i) for i in ",".join(parse_qs(parts.query).get("id_list", [])).split(",") if i)
        name = sample.api.get(ids)
        if name is None:
            return 200, "application/atom+xml; charset=utf-8", _api_subset(tuple(sample.api.values()), ids)
    if name is None:
        return 404, "text/html; charset=utf-8", b"<html><body><h1>Not Found</h1></body></html>"
    return 200, _content_type(name), sample_dir().joinpath(name).read_bytes()


def _content_type(name: str) -> str:
    if name.endswith(".xml"):
        return "application/rss+xml; charset=utf-8" if name.startswith("rss") else "application/atom+xml; charset=utf-8"
    return TYPES.get(name[name.rfind(".") :], "application/octet-stream")


@cache
def _entries(files: tuple[str, ...]) -> tuple[bytes, dict[str, etree._Element]]:
    """The first API file as a template, and every entry of every API file by bare id."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    template = b""
    entries: dict[str, etree._Element] = {}
    for name in files:
        data = sample_dir().joinpath(name).read_bytes()
        template = template or data
        for entry in etree.fromstring(data, parser).iterfind(f"{{{ATOM}}}entry"):
            entries[_bare(entry.findtext(f"{{{ATOM}}}id", "").strip())] = entry
    return template, entries


def _api_subset(files: tuple[str, ...], ids: tuple[str, ...]) -> bytes:
    """An id_list answer no file holds exactly: the requested entries, in the requested order."""
    template, entries = _entries(files)
    root = etree.fromstring(template, etree.XMLParser(resolve_entities=False, no_network=True))
    for old in root.findall(f"{{{ATOM}}}entry"):
        root.remove(old)
    found = [entries[i] for i in ids if i in entries]
    for entry in found:
        root.append(etree.fromstring(etree.tostring(entry)))
    for tag in ("totalResults", "itemsPerPage"):
        el = root.find(f"{{{OPENSEARCH}}}{tag}")
        if el is not None:
            el.text = str(len(found))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        status, ctype, body = answer(self.server.sample, self.path)  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
