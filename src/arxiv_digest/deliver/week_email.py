"""The weekly digest by e-mail: the same sending as the day's digest (email.send_message), its own message."""

from __future__ import annotations

from email.message import EmailMessage

from ..config import Settings
from ..render.markdown import language_key
from ..render.week import WeekDigest
from .email import _HTML_LANG, EmailReport, _check, compose, send_message


def week_subject(wd: WeekDigest) -> str:
    """'arXiv weekly digest 2026-W05 — 612 papers (cs.LG, stat.ML)'."""
    papers = f"{wd.papers} paper{'s' if wd.papers != 1 else ''}"
    return f"arXiv weekly digest {wd.week} — {papers} ({', '.join(wd.categories)})"


def build_week_message(wd: WeekDigest, sender: str, recipients: list[str]) -> EmailMessage:
    ctx = {"w": wd, "subject": week_subject(wd), "lang": _HTML_LANG.get(language_key(wd.language), "en")}
    return compose(ctx, "week", sender, recipients)


def send_week(settings: Settings, wd: WeekDigest) -> EmailReport:
    """Send the week's digest to the configured recipients (ConfigError / EmailError as send_digest)."""
    _, sender, recipients = _check(settings.email)
    msg = build_week_message(wd, sender, recipients)
    report = EmailReport(wd.end, sent=False, recipients=recipients)
    report.refused = send_message(settings.email, msg)
    report.sent, report.subject, report.papers, report.picks = True, str(msg["Subject"]), wd.papers, len(wd.picks)
    return report
