"""The day's digest as an e-mail: HTML with a plain-text alternative, sent over SMTP (SSL, STARTTLS or none).

The password is only ever handed to `smtplib.login`; every message we raise is scrubbed of it (and of the
base64 forms AUTH sends, which some servers echo), and no message names it or any other secret.
"""

from __future__ import annotations

import logging
import quopri
import smtplib
import ssl
import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..config import EmailSettings, Settings
from ..errors import ConfigError, EmailError, ProfileError
from ..models import DayDigest, DayEntry
from ..rank import rank_day, top_picks
from ..readers import load_day
from ..redact import Secrets
from ..render.markdown import language_key, pending_marker
from ..render.provenance import note, unverified
from ..render.sections import build_sections
from ..store import Store

log = logging.getLogger(__name__)

_HTML_LANG = {"chinese": "zh", "english": "en", "japanese": "ja", "korean": "ko", "french": "fr", "german": "de",
              "spanish": "es"}  # fmt: skip
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
TIMEOUT_SECONDS = 30.0
MAX_AUTHORS = 10  # more are shortened to "et al." in the mail
_TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class EmailReport:
    day: date
    sent: bool
    recipients: list[str] = field(default_factory=list)
    subject: str | None = None
    papers: int = 0
    picks: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # recipient -> the server's reason
    reason: str | None = None  # why nothing was sent
    notes: list[str] = field(default_factory=list)  # ranking notes and profile warnings


def _check(cfg: EmailSettings) -> tuple[str, str, list[str]]:
    """host, sender, recipients, or a ConfigError naming the setting and its environment variable."""
    missing = [f"email.{name} ({env})" for name, env, value in [
        ("host", "SMTP_HOST", cfg.host), ("sender", "SMTP_SENDER", cfg.sender),
        ("recipients", "SMTP_RECIPIENTS", cfg.recipients)] if not value]  # fmt: skip
    if missing:
        raise ConfigError(f"cannot send e-mail: set {', '.join(missing)}")
    if cfg.password is not None and not cfg.user:
        raise ConfigError("cannot send e-mail: email.password is set but email.user (SMTP_USER) is not")
    return cfg.host or "", cfg.sender or "", list(cfg.recipients)


def send_digest(
    settings: Settings, store: Store, day: date, send_empty: bool = False, ranked: bool | None = None
) -> EmailReport:
    """Send `day`'s digest to the configured recipients; "Top picks for you" first when a profile exists.

    A day with no announcement sends nothing unless `send_empty`. `ranked` says the caller has just ranked
    the day (True: use the stored scores; False: no picks); None ranks it here when a profile exists.
    Raises ConfigError for missing settings and EmailError when the SMTP server cannot be reached or
    refuses the message.
    """
    _, sender, recipients = _check(settings.email)
    report = EmailReport(day, sent=False, recipients=recipients)
    if not store.has_day(day):
        if not send_empty:
            report.reason = f"no announcement on {day.isoformat()} in the store; nothing sent"
            return report
        digest, picks = DayDigest(day, settings.categories, [], settings.language), []
    else:
        if ranked is None:
            ranked = rank_if_profiled(settings, store, day, report.notes)
        digest = load_day(store, settings, day)
        picks = top_picks(digest.entries, settings.profile.top_k) if ranked else []
    msg = build_message(digest, picks, sender, recipients)
    report.refused = send_message(settings.email, msg, Secrets.from_settings(settings))
    report.sent, report.subject = True, str(msg["Subject"])
    report.papers, report.picks = len(digest.entries), len(picks)
    return report


def rank_if_profiled(settings: Settings, store: Store, day: date, notes: list[str]) -> bool:
    """Rank the day when a profile is configured (scores then sit in the store); False: no top picks."""
    if not settings.profile.configured:
        return False
    try:
        ranked = rank_day(settings, store, day)
    except ProfileError as e:  # an unusable profile costs the top picks, not the e-mail
        notes.append(str(e))
        return False
    notes += ranked.warnings + ([ranked.note] if ranked.note else [])
    return True


def subject(digest: DayDigest) -> str:
    """'arXiv digest 2026-01-28 — 131 papers (eess.SP, cs.LG, stat.ML)'."""
    n = len(digest.entries)
    if n == 0:
        return f"arXiv digest {digest.date.isoformat()} — no new papers"
    cats = ", ".join(s.category for s in build_sections(digest))
    return f"arXiv digest {digest.date.isoformat()} — {n} paper{'s' if n != 1 else ''} ({cats})"


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["wrap"] = _wrap
    env.filters["authors"] = _authors
    return env


def _wrap(text: str, indent: str = "", width: int = 76, first: str | None = None) -> str:
    """Plain-text paragraphs at a readable width. Text with CJK characters is left whole (only indented):
    it has no spaces to break at and its characters are two columns wide; mail clients wrap it."""
    text = " ".join(str(text).split())
    start = indent if first is None else first
    if any(unicodedata.east_asian_width(c) in "WF" for c in text):
        return start + text
    return textwrap.fill(text, width=width, initial_indent=start, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)  # fmt: skip


def _authors(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_AUTHORS])
    return shown + (" et al." if len(names) > MAX_AUTHORS else "")


def build_message(digest: DayDigest, picks: list[DayEntry], sender: str, recipients: list[str]) -> EmailMessage:
    """The multipart/alternative message: plain text first, then HTML (clients show the last they can)."""
    ctx: dict[str, Any] = {"digest": digest, "sections": build_sections(digest), "picks": picks,
                           "subject": subject(digest)}  # fmt: skip
    numbers = {e.paper.id: n for s in ctx["sections"] for n, e in s.entries}
    ctx["numbers"] = numbers
    # a paper without a summary says so in the reader's language, with the same words as the digest
    ctx["pending"] = lambda e: pending_marker(e, digest.language)
    # per paper only what differs from the footer's "from each paper's abstract": full text, unverified numbers
    ctx["provenance"] = lambda s: note(s, digest.language) if s.source == "fulltext" else unverified(s, digest.language)
    ctx["lang"] = _HTML_LANG.get(language_key(digest.language), "en")
    return compose(ctx, "email", sender, recipients)


def compose(ctx: dict[str, Any], template: str, sender: str, recipients: list[str]) -> EmailMessage:
    """The message from `template`.txt.j2 and .html.j2 rendered with ctx (ctx["subject"] is the subject)."""
    env = _env()
    msg = EmailMessage()
    msg["Subject"] = ctx["subject"]
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid("arxiv-digest", domain=sender.rpartition("@")[2].strip("> ") or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: vacation responders should not answer
    text, html = env.get_template(f"{template}.txt.j2").render(ctx), env.get_template(f"{template}.html.j2").render(ctx)
    msg.set_content(text, subtype="plain", charset="utf-8", cte=_transfer_encoding(text))
    msg.add_alternative(html, subtype="html", charset="utf-8", cte=_transfer_encoding(html))
    return msg


def _transfer_encoding(text: str) -> str:
    """The smaller of quoted-printable and base64 for the whole part (the email package only samples the
    first lines, and quoted-printable triples Chinese summaries)."""
    raw = text.encode("utf-8")
    return "quoted-printable" if len(quopri.encodestring(raw)) <= len(raw) * 4 // 3 + 4 else "base64"


def send_message(cfg: EmailSettings, msg: EmailMessage, secrets: Secrets | None = None) -> dict[str, str]:
    """Deliver `msg` to the addresses in its headers; returns the recipients the server refused (others got it).

    Raises EmailError with the reason (never the password, nor another of `secrets`, by default the e-mail
    settings' own) when nobody could be sent to.
    """
    host = cfg.host or ""
    port = cfg.port or DEFAULT_PORTS[cfg.security]
    password = cfg.password.get_secret_value() if cfg.password else None
    where = f"SMTP server {host}:{port}"
    scrub = (secrets or Secrets.from_email(cfg)).scrub
    try:
        return {r: scrub(why) for r, why in _deliver(cfg, host, port, password, msg).items()}
    except smtplib.SMTPAuthenticationError as e:
        raise EmailError(scrub(f"{where} rejected the login as {cfg.user}: {_reply(e)}")) from None
    except smtplib.SMTPNotSupportedError:
        raise EmailError(f"{where} does not offer STARTTLS; set email.security to 'ssl' or 'none'") from None
    except smtplib.SMTPRecipientsRefused as e:
        refused = "; ".join(f"{r}: {_reply(v)}" for r, v in e.recipients.items())
        raise EmailError(scrub(f"{where} refused every recipient ({refused})")) from None
    except smtplib.SMTPResponseException as e:
        raise EmailError(scrub(f"{where} refused the message: {_reply(e)}")) from None
    except (smtplib.SMTPException, ssl.SSLError) as e:
        raise EmailError(scrub(f"sending through {where} failed: {e}")) from None
    except OSError as e:  # refused, unreachable, unknown host, timeout
        raise EmailError(scrub(f"cannot reach {where}: {e.strerror or e}")) from None


def _deliver(cfg: EmailSettings, host: str, port: int, password: str | None, msg: EmailMessage) -> dict[str, str]:
    tls = ssl.create_default_context()  # verifies the server's certificate and host name
    smtp: smtplib.SMTP
    if cfg.security == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=tls)
    else:
        smtp = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
    with smtp:
        if cfg.security == "starttls":
            smtp.starttls(context=tls)
        if cfg.user:
            smtp.ehlo_or_helo_if_needed()
            if not smtp.has_extn("auth"):  # smtplib would say "not supported", which reads like STARTTLS's error
                tls_hint = "set email.security to 'starttls' or 'ssl', or " if cfg.security == "none" else ""
                raise EmailError(f"SMTP server {host}:{port} does not offer AUTH; {tls_hint}leave email.user "
                                 "(SMTP_USER) unset for a relay that needs no login")  # fmt: skip
            if cfg.security == "none":
                log.warning("logging in to %s:%s without TLS: the password crosses the network in clear", host, port)
            smtp.login(cfg.user, password or "")
        refused = smtp.send_message(msg)
    return {r: _reply(v) for r, v in refused.items()}


def _reply(e: Any) -> str:
    """An SMTP reply (an exception or a (code, bytes) pair) as '535 5.7.8 Authentication failed'."""
    code, text = (e.smtp_code, e.smtp_error) if isinstance(e, smtplib.SMTPResponseException) else e
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}"
