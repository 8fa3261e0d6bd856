"""E-mail delivery against a real SMTP server (aiosmtpd) on 127.0.0.1: plain, STARTTLS and SSL with a
self-signed certificate made here, login, failures, and what the message says."""

from __future__ import annotations

import email
import email.policy
import logging
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.config import Settings
from arxiv_digest.deliver import send_digest
from arxiv_digest.errors import ConfigError, EmailError
from arxiv_digest.models import Paper, StoredSummary, Summary
from arxiv_digest.store import AnnouncementRow, Store

DAY = date(2026, 1, 28)
USER, PASSWORD = "reader@example.org", "s3cret-Pa55word!"


@dataclass
class Inbox:
    """What the SMTP server received: (envelope sender, recipients, parsed message) per mail."""

    mails: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
        self.mails.append((envelope.mail_from or "", list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def authenticate(self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str,
                     auth_data: Any) -> AuthResult:  # fmt: skip
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
        ok = ok and auth_data.password.decode() == PASSWORD
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def start_server(inbox: Inbox, **kwargs: Any) -> Controller:
    kwargs.setdefault("auth_require_tls", False)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=inbox.authenticate,
                            **kwargs)  # fmt: skip
    controller.start()
    return controller


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    controller = start_server(box)
    yield box, controller.port
    controller.stop()


def paper(pid: str, title: str, category: str, authors: list[str] | None = None) -> Paper:
    return Paper(pid, 1, title, authors or ["Alice Smith", "Bob Jones"], f"Abstract of {title}.", [category])


PAPERS = [
    paper("2601.00001", "Cell-Free Massive MIMO Uplink", "eess.SP"),
    paper("2601.00002", "Diffusion Models Meet Graphs", "cs.LG", ["Yoshua Bengio"]),
    paper("2601.00003", "<script>alert('x')</script> & Friends", "cs.LG"),
    paper("2601.00004", "Kernel Tests", "stat.ML"),
]


def fill(store: Store) -> None:
    with store.transaction():
        for p in PAPERS:
            store.upsert_paper(p)
        store.add_announcements(DAY, [AnnouncementRow(p.id, p.categories[0], "new", i, False)
                                      for i, p in enumerate(PAPERS, 1)])  # fmt: skip
    for p in PAPERS[:3]:  # the last one has no summary: the mail shows its abstract
        s = Summary(tldr=f"本文研究 {p.title}。", motivation="动机。", method="方法。", result="结果。",
                    conclusion="结论。")  # fmt: skip
        store.save_summary(p.id, StoredSummary(s, "llm", "Chinese", "m", "v1"))


def make_settings(tmp_path: Path, port: int, **email_cfg: Any) -> Settings:
    cfg = {"host": "127.0.0.1", "port": port, "security": "none", "user": USER, "password": PASSWORD,
           "sender": "arxiv-digest <digest@example.org>", "recipients": ["me@example.org", "you@example.org"]}
    cfg.update(email_cfg)
    return Settings.model_validate({
        "data_dir": tmp_path / "data", "categories": ["eess.SP", "cs.LG", "stat.ML"], "email": cfg,
        "profile": {"keywords": ["diffusion"], "authors": ["Yoshua Bengio"], "embeddings": "none"},
    })  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data") as s:
        fill(s)
        yield s


def parts(msg: EmailMessage) -> tuple[str, str]:
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()  # type: ignore[attr-defined]


def test_digest_is_delivered_with_both_parts_and_top_picks(
    store: Store, tmp_path: Path, inbox: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    box, port = inbox
    with caplog.at_level(logging.DEBUG):
        report = send_digest(make_settings(tmp_path, port), store, DAY)
    assert PASSWORD not in caplog.text
    assert report.sent and report.papers == 4 and report.picks == 1 and report.refused == {}
    (mail_from, rcpts, msg), = box.mails
    assert box.logins == [USER]
    assert mail_from == "digest@example.org" and rcpts == ["me@example.org", "you@example.org"]
    assert msg["Subject"] == "arXiv digest 2026-01-28 — 4 papers (eess.SP, cs.LG, stat.ML)"
    assert msg["From"] == "arxiv-digest <digest@example.org>"
    assert msg["To"] == "me@example.org, you@example.org"
    assert msg["Message-ID"].endswith("@example.org>") and msg["Date"]
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    text, html = parts(msg)
    # top picks come first, with their reasons, in both parts
    assert text.index("TOP PICKS FOR YOU") < text.index("EESS.SP (1)")
    assert "Why: keyword: diffusion; author: Yoshua Bengio" in text
    assert html.index("Top picks for you") < html.index('id="eess.SP"')
    assert "Why: keyword: diffusion; author: Yoshua Bengio" in html
    # every paper, with its TL;DR or, lacking a summary, its abstract, and its links
    assert "TL;DR: 本文研究 Cell-Free Massive MIMO Uplink。" in text
    assert "Abstract: Abstract of Kernel Tests." in text
    # ...marked as pending in the reader's language (Chinese by default), never passed off as a summary
    pending = "摘要生成中（尚未完成），以下为原文摘要。"
    assert text.count(pending) == 1 and html.count(pending) == 1
    assert text.index(pending) > text.index("[4] Kernel Tests")
    assert '<html lang="zh">' in html
    assert '<a href="https://arxiv.org/abs/2601.00004"' in html and "https://arxiv.org/pdf/2601.00004" in html
    assert "[4] Kernel Tests" in text
    # titles are data, not markup
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Friends" in html
    assert "<script>alert('x')</script> & Friends" in text
    assert PASSWORD not in msg.as_string()


def test_no_profile_no_top_picks(store: Store, tmp_path: Path, inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    s = make_settings(tmp_path, port)
    s.profile.keywords, s.profile.authors = [], []
    report = send_digest(s, store, DAY)
    assert report.sent and report.picks == 0
    text, html = parts(box.mails[0][2])
    assert "TOP PICKS" not in text and "Top picks" not in html


def test_a_day_without_announcement_sends_nothing_unless_asked(
    store: Store, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    saturday = date(2026, 1, 31)
    report = send_digest(make_settings(tmp_path, port), store, saturday)
    assert not report.sent and report.reason == "no announcement on 2026-01-31 in the store; nothing sent"
    assert box.mails == []
    report = send_digest(make_settings(tmp_path, port), store, saturday, send_empty=True)
    assert report.sent
    msg = box.mails[0][2]
    assert msg["Subject"] == "arXiv digest 2026-01-31 — no new papers"
    assert "No new papers were announced for 2026-01-31 in eess.SP, cs.LG, stat.ML." in parts(msg)[0]


def test_wrong_password_is_a_clear_error_without_the_password(
    store: Store, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    _, port = inbox
    wrong = "wrong-Pa55word-42"
    with pytest.raises(EmailError) as e:
        send_digest(make_settings(tmp_path, port, password=wrong), store, DAY)
    assert str(e.value).startswith(f"SMTP server 127.0.0.1:{port} rejected the login as {USER}: 535")
    assert wrong not in str(e.value)


def test_connection_refused(store: Store, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(EmailError, match=rf"cannot reach SMTP server 127.0.0.1:{port}: Connection refused"):
        send_digest(make_settings(tmp_path, port), store, DAY)


def test_missing_settings_name_the_variables(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        send_digest(make_settings(tmp_path, 25, host=None, recipients=[]), store, DAY)
    assert str(e.value) == "cannot send e-mail: set email.host (SMTP_HOST), email.recipients (SMTP_RECIPIENTS)"


def test_starttls_required_but_not_offered(store: Store, tmp_path: Path, inbox: tuple[Inbox, int]) -> None:
    _, port = inbox
    with pytest.raises(EmailError, match=r"does not offer STARTTLS; set email\.security to 'ssl' or 'none'"):
        send_digest(make_settings(tmp_path, port, security="starttls"), store, DAY)


def test_login_on_a_server_without_auth_says_so(store: Store, tmp_path: Path) -> None:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())  # no authenticator: no AUTH offered
    controller.start()
    try:
        with pytest.raises(EmailError) as e:
            send_digest(make_settings(tmp_path, controller.port), store, DAY)
        assert str(e.value) == (
            f"SMTP server 127.0.0.1:{controller.port} does not offer AUTH; set email.security to 'starttls' or "
            "'ssl', or leave email.user (SMTP_USER) unset for a relay that needs no login"
        )
        assert box.mails == []
    finally:
        controller.stop()


def _server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*certificate)
    return ctx


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_a_verified_certificate(
    security: str, store: Store, tmp_path: Path, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    box = Inbox()
    tls = _server_tls(certificate)
    if security == "starttls":
        controller = start_server(box, tls_context=tls, require_starttls=True, auth_require_tls=True)
    else:
        controller = start_server(box, ssl_context=tls)
    try:
        # the client trusts our certificate the standard way OpenSSL reads trust anchors
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        report = send_digest(make_settings(tmp_path, controller.port, security=security), store, DAY)
        assert report.sent and box.logins == [USER] and len(box.mails) == 1
        monkeypatch.delenv("SSL_CERT_FILE")  # back to the system's trust anchors: our certificate is refused
        with pytest.raises(EmailError, match="CERTIFICATE_VERIFY_FAILED"):
            send_digest(make_settings(tmp_path, controller.port, security=security), store, DAY)
    finally:
        controller.stop()


# ---------------------------------------------------------------- the command


def _env(port: int, password: str = PASSWORD) -> dict[str, str]:
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_USER": USER, "SMTP_PASSWORD": password,
            "SMTP_SENDER": "digest@example.org", "SMTP_RECIPIENTS": "me@example.org"}  # fmt: skip


def test_email_command_sends_to_the_given_address(
    store: Store, tmp_path: Path, inbox: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    store.close()
    box, port = inbox
    Path("arxiv-digest.toml").write_text('categories = "eess.SP,cs.LG,stat.ML"\n[email]\nsecurity = "none"\n')
    for k, v in _env(port).items():
        monkeypatch.setenv(k, v)
    result = CliRunner().invoke(app, ["email", "--to", "other@example.org", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        'sent "arXiv digest 2026-01-28 — 4 papers (eess.SP, cs.LG, stat.ML)" to other@example.org'
    )
    assert box.mails[0][1] == ["other@example.org"]
    assert PASSWORD not in result.output


def test_email_command_failed_login_exits_1_without_the_password(
    store: Store, tmp_path: Path, inbox: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    store.close()
    _, port = inbox
    Path("arxiv-digest.toml").write_text('[email]\nsecurity = "none"\n')
    wrong = "hunter2-wrong"
    for k, v in _env(port, wrong).items():
        monkeypatch.setenv(k, v)
    result = CliRunner().invoke(app, ["email", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"error: SMTP server 127.0.0.1:{port} rejected the login as {USER}: 535")
    assert "without TLS: the password crosses the network in clear" in result.stderr  # a warning, once
    assert wrong not in result.output and result.stderr.count("\n") == 2


def test_email_command_weekend_day(store: Store, tmp_path: Path, inbox: tuple[Inbox, int],
                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    store.close()
    box, port = inbox
    Path("arxiv-digest.toml").write_text('[email]\nsecurity = "none"\n')
    for k, v in _env(port).items():
        monkeypatch.setenv(k, v)
    result = CliRunner().invoke(app, ["email", "--date", "2026-01-31", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0
    assert result.stdout.strip() == "no announcement on 2026-01-31 in the store; nothing sent"
    assert box.mails == []


def test_transfer_encoding_is_the_smaller_one() -> None:
    from arxiv_digest.deliver.email import _transfer_encoding

    assert _transfer_encoding("Diffusion models, graphs and bandits. " * 50) == "quoted-printable"
    assert _transfer_encoding("本文提出了一种基于变分量子电路的量子强化学习方案。" * 50) == "base64"
