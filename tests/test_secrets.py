"""Secrets never come back through what servers answer: not in error lines, the store, or any output."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from arxiv_digest.cli import app
from arxiv_digest.config import OutputSettings, Settings, load_settings
from arxiv_digest.redact import Secrets
from arxiv_digest.store import Store
from fake_llm import SAMPLE_DAY, SEED, FakeLLM, fill_store, seed_paper
from test_email import free_port

KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c"
PASSWORD, USER = "hunter2-Sm7p-pass", "reader@example.org"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def everything_written(*roots: Path) -> bytes:
    """Every byte under these directories: the store's database and journals, every output."""
    return b"".join(p.read_bytes() for root in roots for p in sorted(root.rglob("*")) if p.is_file())


# ---------------------------------------------------------------- the mechanism


def test_every_secret_of_the_settings_and_its_wire_forms_are_scrubbed() -> None:
    s = load_settings(environ={
        "OPENAI_API_KEY": KEY, "ARXIV_DIGEST_EMBEDDING_API_KEY": "emb-key-0123456789",
        "SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD,
    })  # fmt: skip
    secrets = Secrets.from_settings(s)
    leaks = [
        f"Authorization: Bearer {KEY}", "embedding key emb-key-0123456789 refused", f"pw={PASSWORD}",
        f"535 AUTH PLAIN {b64(chr(0) + USER + chr(0) + PASSWORD)}",
        f"AUTH PLAIN {b64(USER + chr(0) + USER + chr(0) + PASSWORD)}", f"535 bad password {b64(PASSWORD)}",
        '{"error": "' + KEY + '"}', f"url ?key={KEY}", f"...Bearer {KEY[:18]}",  # the last: cut short
    ]  # fmt: skip
    for text in leaks:
        clean = secrets.scrub(text)
        assert "***" in clean, text
        for secret in (KEY[:14], "emb-key-0123456789", PASSWORD, b64(PASSWORD)):
            assert secret not in clean
    assert secrets.scrub("nothing secret here") == "nothing secret here"


def test_a_new_secret_setting_needs_nothing_but_its_type() -> None:
    """Any SecretStr in the settings counts, wherever it sits (a notification URL later, for one)."""

    class Notify(OutputSettings):
        url: SecretStr | None = None

    class Future(Settings):
        output: Notify = Notify()

    hook = "https://hooks.example.org/services/T0123/B0456/XyZsecretTokenValue99"
    scrub = Secrets.from_settings(Future.model_validate({"output": {"url": hook}})).scrub
    assert scrub(f"POST {hook} failed") == "POST *** failed"
    assert scrub("token XyZsecretTokenValue99 rejected") == "token *** rejected"  # a URL's parts too


# ---------------------------------------------------------------- through the CLI


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    fake = FakeLLM(api_key=KEY).start()
    yield fake
    fake.stop()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    fill_store(d, [seed_paper(p) for p in SEED[:3]])
    return d


def test_a_key_echoed_by_the_endpoint_is_nowhere(llm: FakeLLM, data: Path, tmp_path: Path) -> None:
    echo, in_summary, _ = (p["id"] for p in SEED[:3])
    llm.for_paper(echo, "echo-key", "echo-key", "echo-key")  # not JSON, three tries: a failure with its reason
    llm.for_paper(in_summary, "key-in-summary")  # a valid summary that repeats the key
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": llm.url, "ARXIV_DIGEST_DATA_DIR": str(data)}
    site = tmp_path / "site"
    results = [run("summarize", env=env)]
    assert results[0].exit_code == 1 and "1 of 3 papers could not be summarized" in results[0].stderr
    for fmt in ("markdown", "atom", "jsonl", "html"):
        results.append(run("render", "-f", fmt, "--out", str(site / fmt), env=env))
        assert results[-1].exit_code == 0, results[-1].output
    results.append(run("status", env=env))
    printed = "".join(r.stdout + r.stderr for r in results)
    assert "Authorization: Bearer ***" in printed  # the failure reason says what happened, without the key
    assert KEY not in printed
    written = everything_written(data, site)
    assert KEY.encode() not in written
    assert b"Authorization: Bearer ***" in written  # the reason and the summary, both scrubbed
    with Store.open(data) as store:
        digest = store.load_day(SAMPLE_DAY, ["cs.LG"], "Chinese")
        method = next(e.summary.summary.method for e in digest.entries if e.paper.id == in_summary and e.summary)
        assert method.endswith("（请求头 Authorization: Bearer ***）")


def test_a_key_with_a_trailing_newline_is_used_without_it(llm: FakeLLM, data: Path) -> None:
    env = {"OPENAI_API_KEY": f" {KEY}\n", "OPENAI_BASE_URL": llm.url, "ARXIV_DIGEST_DATA_DIR": str(data)}
    r = run("summarize", env=env)
    assert r.exit_code == 0, r.output
    assert "3 summarized" in r.stdout


@pytest.mark.parametrize("bad", ["sk-ключ-0123456789", "sk-abc def-0123", "sk-abc\x1b[31m-0123"])
def test_a_key_that_cannot_be_sent_stops_at_once(llm: FakeLLM, data: Path, bad: str) -> None:
    env = {"OPENAI_API_KEY": bad, "OPENAI_BASE_URL": llm.url, "ARXIV_DIGEST_DATA_DIR": str(data)}
    r = run("summarize", env=env)
    assert r.exit_code == 2
    assert r.stderr == ("error: invalid setting llm.api_key (from OPENAI_API_KEY): is not a usable API key: it "
                        "holds spaces, control characters or non-ASCII characters (an HTTP header cannot carry "
                        "them); the value is not shown\n")  # fmt: skip
    assert llm.calls == 0


# ---------------------------------------------------------------- SMTP servers that echo AUTH


class EchoingInbox:
    """An SMTP server that refuses every login and repeats, in its refusal, what the client sent."""

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        return "250 OK"

    def authenticate(self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str,
                     auth_data: Any) -> AuthResult:  # fmt: skip
        assert isinstance(auth_data, LoginPassword)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        sent = b64(f"\0{user}\0{password}") if mechanism == "PLAIN" else b64(password)
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 AUTH {mechanism} {sent} rejected")


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_an_smtp_server_echoing_auth_shows_no_password(data: Path, mechanism: str) -> None:
    other = "LOGIN" if mechanism == "PLAIN" else "PLAIN"
    box = EchoingInbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), authenticator=box.authenticate,
                            auth_require_tls=False, auth_exclude_mechanism=[other])  # fmt: skip
    controller.start()
    try:
        env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port), "SMTP_USER": USER,
               "SMTP_PASSWORD": PASSWORD, "SMTP_SENDER": "d@example.org", "SMTP_RECIPIENTS": "me@example.org",
               "ARXIV_DIGEST_DATA_DIR": str(data)}  # fmt: skip
        with open(data / "arxiv-digest.toml", "w") as f:
            f.write('[email]\nsecurity = "none"\n')
        r = run("email", "--date", SAMPLE_DAY.isoformat(), "--config", str(data / "arxiv-digest.toml"), env=env)
    finally:
        controller.stop()
    assert r.exit_code == 1
    assert r.stderr.splitlines(keepends=True)[-1] == (
        f"error: SMTP server 127.0.0.1:{controller.port} rejected the login as {USER}: 535 5.7.8 AUTH {mechanism} "
        "*** rejected\n"
    )
    for form in (PASSWORD, b64(PASSWORD), b64(f"\0{USER}\0{PASSWORD}")):
        assert form not in r.stderr
