"""Push notifications through real Apprise to a local webhook receiver on 127.0.0.1 (json:// and form://):
what arrives, that it fits each service, links back to the site, and that URL tokens never leak."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import apprise
import pytest
from typer.testing import CliRunner, Result

from arxiv_digest.cli import app
from arxiv_digest.config import NotifySettings, OutputSettings, Settings
from arxiv_digest.deliver.notify import fit, message
from arxiv_digest.readers import load_day
from arxiv_digest.records import ordered
from arxiv_digest.redact import Secrets
from arxiv_digest.render.sections import top_picks
from arxiv_digest.store import Store
from seedstore import SEED_CATEGORIES, SEED_DAY, fill_seed

TOKEN = "tok-Sup3rS3cretWebhookT0ken"
SITE = "https://me.example.org/digest/"


class Receiver:
    """A webhook endpoint: records every POST; a path containing /fail/ answers 500."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                outer.requests.append((self.path, self.headers.get("content-type", ""), body))
                self.send_response(500 if "/fail/" in self.path else 200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def json(self, i: int = 0) -> dict[str, Any]:
        return dict(json.loads(self.requests[i][2]))

    def form(self, i: int) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.requests[i][2].decode()).items()}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def seeded(seed_papers: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> Path:
    data = Path(os.environ["ARXIV_DIGEST_DATA_DIR"])
    with Store.open(data) as s:
        fill_seed(s, seed_papers)
    monkeypatch.setenv("CATEGORIES", ",".join(SEED_CATEGORIES))
    monkeypatch.setenv("ARXIV_DIGEST_SITE_URL", SITE)
    return data


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _no_secret(result: Result, data: Path) -> None:
    assert TOKEN not in result.output and TOKEN not in (result.stderr or "")
    for f in data.iterdir():
        assert TOKEN.encode() not in f.read_bytes(), f.name


def test_top_picks_reach_json_and_form_webhooks(
    seeded: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("arxiv-digest.toml").write_text('[profile]\nkeywords = ["diffusion"]\n', "utf-8")
    base = f"127.0.0.1:{receiver.port}"
    monkeypatch.setenv("ARXIV_DIGEST_NOTIFY_URLS", f"json://{base}/hook/{TOKEN} form://{base}/form/{TOKEN}")
    r = cli("notify")
    assert r.exit_code == 0, r.output
    assert [(p, ct.split(";")[0]) for p, ct, _ in receiver.requests] == [
        (f"/hook/{TOKEN}", "application/json"), (f"/form/{TOKEN}", "application/x-www-form-urlencoded")]
    sent = receiver.json(0)
    assert sent["title"].startswith("arXiv digest 2026-01-28 — ") and " top picks of 131 papers" in sent["title"]
    body = sent["message"]
    assert body.startswith("1. ") and "why: keyword: diffusion" in body
    assert f"{SITE}2026-01-28.html#" in body  # each pick links to its card on the site
    assert body.rstrip().endswith(f"more papers: {SITE}2026-01-28.html")
    assert receiver.form(1)["message"] == body and receiver.form(1)["title"] == sent["title"]
    assert r.stdout.startswith("sent ") and "top picks to JSON #1, Form #2" in r.stdout
    _no_secret(r, seeded)


def test_without_a_profile_the_first_papers_go(
    seeded: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARXIV_DIGEST_NOTIFY_URLS", f"json://127.0.0.1:{receiver.port}/hook")
    r = cli("notify", "--date", "2026-01-28")
    assert r.exit_code == 0, r.output
    sent = receiver.json()
    assert sent["title"] == "arXiv digest 2026-01-28 — 131 papers (eess.SP, cs.LG, stat.ML)"
    assert sent["message"].count("\n1") >= 1 and "10. " in sent["message"] and "11. " not in sent["message"]
    assert sent["message"].endswith(f"… and 121 more papers: {SITE}2026-01-28.html")
    assert "sent 10 papers to JSON #1" in r.stdout


def test_a_failing_target_is_named_and_the_others_still_get_it(
    seeded: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = f"127.0.0.1:{receiver.port}"
    dead = f"json://user:{TOKEN}@127.0.0.1:1/x/{TOKEN}"  # nothing listens on port 1
    urls = f"form://{base}/fail/{TOKEN},json://{base}/ok/{TOKEN}, {dead}"  # commas separate URLs too
    monkeypatch.setenv("ARXIV_DIGEST_NOTIFY_URLS", urls)
    r = cli("-v", "notify")
    assert r.exit_code == 1
    assert [p.split("/")[1] for p, _, _ in receiver.requests] == ["fail", "ok"]
    assert "JSON #2" in r.stdout and "sent 10 papers to JSON #2" in r.stdout
    line = r.stderr.strip()
    assert line.startswith("error: could not notify Form #1: ") and "error=500" in line
    assert "JSON #3: " in line and "Connection error" in line and line.count("\n") == 0
    _no_secret(r, seeded)


def test_a_url_apprise_does_not_know_is_bad_input(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXIV_DIGEST_NOTIFY_URLS", f"json://127.0.0.1/a nope://{TOKEN}")
    r = cli("notify")
    assert (r.exit_code, r.stderr) == (2, "error: notify URL #2 is not one Apprise can use (scheme 'nope'); see "
                                          "https://github.com/caronc/apprise/wiki\n")  # fmt: skip
    monkeypatch.delenv("ARXIV_DIGEST_NOTIFY_URLS")
    r = cli("notify")
    assert r.exit_code == 2 and "set notify.urls (or ARXIV_DIGEST_NOTIFY_URLS)" in r.stderr
    _no_secret(r, seeded)


def test_urls_are_secrets_in_settings() -> None:
    s = Settings(notify=NotifySettings(urls=[f"tgram://{TOKEN}/123"]))  # type: ignore[list-item]
    assert TOKEN not in repr(s) and TOKEN not in str(s.model_dump()) and TOKEN not in s.model_dump_json()


def test_the_scrubber_knows_tokens_where_a_host_would_be() -> None:
    """Apprise URLs put tokens in the host position; the settings' scrubber masks them, not real hosts."""
    s = Settings(notify=NotifySettings(urls=[f"tgram://12345678:{TOKEN}/87654321?to=chat",  # type: ignore[list-item]
                                             "json://127.0.0.1:9/hook", "feishu://0123456789abcdef"]))
    line = (f"Failed to send to https://api.telegram.org/bot12345678:{TOKEN}/sendMessage chat 87654321; "
            "json 127.0.0.1 refused; feishu 0123456789abcdef")  # fmt: skip
    assert Secrets.from_settings(s).scrub(line) == ("Failed to send to https://api.telegram.org/bot***:***/"
                                                  "sendMessage chat ***; json 127.0.0.1 refused; feishu ***")


@pytest.mark.parametrize(("url", "limit"), [
    ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/12345", 4096),  # no title: it goes into the body
    ("discord://1234567890/abcdefghijklmnopqrstuvwxyz", 2000),
    ("ntfy://my-topic", 7800),
    ("dingtalk://abcdefghijklmnopqrstuvwxyz0123", 19985),
])  # fmt: skip
def test_messages_fit_each_services_limits(url: str, limit: int, tmp_path: Path, seed_papers: list[dict]) -> None:
    """Apprise's own limits for the service, many long picks: whole papers while they fit, then "N more"."""
    plugin = apprise.Apprise.instantiate(url)
    assert plugin is not None and plugin.body_maxlen == limit
    with Store.open(tmp_path) as store:
        fill_seed(store, seed_papers)
        store.save_scores(SEED_DAY, "p", [(p["id"], 1.0, ["keyword: x" * 20]) for p in seed_papers])
        s = Settings(categories=SEED_CATEGORIES, notify=NotifySettings(max_papers=50),
                     output=OutputSettings(site_url=SITE))  # fmt: skip
        entries = ordered(load_day(store, s, SEED_DAY))
    msg = message(s, SEED_DAY, entries, top_picks(entries, 50))
    title, body, shown = fit(msg, plugin.body_maxlen, plugin.title_maxlen)
    assert len(body) + len(title) <= limit and 0 < shown < 50
    in_body = plugin.title_maxlen == 0  # a service without titles gets it as the first paragraph
    assert body.count("\n\n") == shown + in_body
    assert body.endswith(f"… and {131 - shown} more papers: {SITE}2026-01-28.html")
    if plugin.title_maxlen == 0:
        assert title == "" and body.startswith(msg.title)
    # the next paper would not have fitted
    assert len(body) + len(msg.blocks[shown]) > limit - 40


def test_a_tiny_limit_still_sends_the_link(tmp_path: Path, seed_papers: list[dict]) -> None:
    with Store.open(tmp_path) as store:
        fill_seed(store, seed_papers)
        s = Settings(categories=SEED_CATEGORIES, output=OutputSettings(site_url=SITE))
        entries = ordered(load_day(store, s, SEED_DAY))
    msg = message(s, SEED_DAY, entries, [])
    _title, body, shown = fit(msg, 160, 0)  # an SMS
    assert shown == 0 and len(body) <= 160 and body.startswith("arXiv digest 2026-01-28")
