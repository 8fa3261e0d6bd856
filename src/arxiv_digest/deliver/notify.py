"""Push the day's top picks (or its first papers, without a profile) to the chats a reader already reads,
through Apprise: one URL per target (tgram://, slack://, discord://, feishu://, dingtalk://, matrix://,
ntfy://, mailto://, json://, form://, ...; https://github.com/caronc/apprise/wiki).

Each message fits its service: Apprise knows each one's body and title limits, and the message takes as
many papers as fit, then "... N more" with a link to the day's page (`output.site_url`).

The URLs hold tokens. They are only ever handed to Apprise: targets are named by service and position
("Telegram #1"), Apprise's own log lines are caught while it sends and reach the reader as one line
scrubbed of the URLs' secret parts (redact.py, which knows every SecretStr of the settings, these URLs
included), and nothing about them is stored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..config import Settings
from ..errors import ConfigError, MissingExtra
from ..models import DayDigest, DayEntry
from ..rank import top_picks
from ..readers import load_day, select
from ..records import ordered, page_url
from ..redact import Secrets
from ..store import Store
from .email import rank_if_profiled, subject

log = logging.getLogger(__name__)

TLDR_CHARS = 280  # a TL;DR longer than this is cut in a chat message (the site has it whole)
MARGIN = 16  # characters kept free under a service's limit, for its own framing


@dataclass
class NotifyReport:
    day: date
    reader: str | None = None
    sent: list[str] = field(default_factory=list)  # targets reached, as "Telegram #1"
    failed: dict[str, str] = field(default_factory=dict)  # target -> why (scrubbed)
    papers: int = 0  # papers in the day's digest
    shown: int = 0  # papers named in the longest message
    picks: bool = False  # the papers shown are top picks (else the day's first papers)
    reason: str | None = None  # why nothing was sent
    notes: list[str] = field(default_factory=list)  # ranking notes


def _apprise() -> Any:
    try:
        import apprise
    except ImportError:
        raise MissingExtra("push notifications need Apprise: pip install 'arxiv-digest[notify]'") from None
    return apprise


def targets(apprise: Any, urls: list[str]) -> list[tuple[str, Any]]:
    """(label, Apprise plugin) per URL; a URL Apprise cannot use is bad input, named by its position only."""
    out = []
    with _captured(apprise, Secrets(urls)):
        for i, url in enumerate(urls, 1):
            plugin = apprise.Apprise.instantiate(url)
            if plugin is None:
                scheme = url.partition("://")[0] if "://" in url else ""
                what = f"scheme {scheme!r}" if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,20}", scheme) else "no scheme"
                raise ConfigError(f"notify URL #{i} is not one Apprise can use ({what}); "
                                  "see https://github.com/caronc/apprise/wiki")  # fmt: skip
            out.append((f"{plugin.service_name} #{i}", plugin))
    return out


class _Catch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def _captured(apprise: Any, secrets: Secrets) -> Iterator[_Catch]:
    """Apprise's log lines go to a catcher instead of the root logger (whose last-resort handler would
    print them raw on stderr); the caller reports them, scrubbed."""
    logger = logging.getLogger("apprise")
    catch, propagate = _Catch(), logger.propagate
    logger.addHandler(catch)
    logger.propagate = False
    try:
        yield catch
    finally:
        logger.removeHandler(catch)
        logger.propagate = propagate
        catch.lines = [secrets.scrub(line) for line in catch.lines]


@dataclass
class Message:
    """What to say, before it is fitted to a service."""

    title: str
    blocks: list[str]  # one per paper, best first
    compact: list[str]  # the same papers, title and link only
    total: int  # papers in the digest
    more_url: str | None  # the day's page

    def more(self, shown: int) -> str:
        rest = self.total - shown
        if rest <= 0:
            return ""
        where = f": {self.more_url}" if self.more_url else " in the digest"
        return f"… and {rest} more paper{'s' if rest != 1 else ''}{where}"


def message(settings: Settings, day: date, entries: list[DayEntry], picks: list[DayEntry]) -> Message:
    """The day's top picks, or its first papers when there are none, with links back to the site."""
    base = settings.output.site_url
    shown = picks or entries[: settings.notify.max_papers]
    blocks, compact = [], []
    for i, e in enumerate(shown[: settings.notify.max_papers], 1):
        link = page_url(base, day, e.paper.id) if base else e.paper.abs_url
        lines = [f"{i}. {e.paper.title}"]
        if e.summary is not None:
            tldr = e.summary.summary.tldr
            lines.append(tldr if len(tldr) <= TLDR_CHARS else tldr[: TLDR_CHARS - 1].rstrip() + "…")
        if e.reasons and picks:
            lines.append("why: " + "; ".join(e.reasons))
        blocks.append("\n".join([*lines, link]))
        compact.append(f"{i}. {e.paper.title}\n{link}")
    n = len(entries)
    what = f"{len(picks)} top pick{'s' if len(picks) != 1 else ''} of {n} papers" if picks else None
    title = f"arXiv digest {day.isoformat()} — {what}" if what else _subject(settings, day, entries)
    return Message(title, blocks, compact, n, page_url(base, day) if base else None)


def _subject(settings: Settings, day: date, entries: list[DayEntry]) -> str:
    return subject(DayDigest(day, settings.categories, entries, settings.language))


def fit(msg: Message, body_max: int, title_max: int) -> tuple[str, str, int]:
    """(title, body, papers shown) within a service's limits: as many whole papers as fit, then the "N more"
    line; title and link only when not even one fits whole. A service without titles gets it in the body."""
    title, head = (msg.title[:title_max], "") if title_max > 0 else ("", msg.title + "\n\n")
    budget = body_max - len(head) - len(title) - MARGIN
    for blocks in (msg.blocks, msg.compact):
        body, shown = "", 0
        for block in blocks:
            candidate = f"{body}\n\n{block}" if body else block
            if len(candidate) + 2 + len(msg.more(shown + 1)) > budget:
                break
            body, shown = candidate, shown + 1
        if shown or not blocks:
            break
    more = msg.more(shown)
    body = f"{body}\n\n{more}" if body and more else body or more
    return title, (head + body)[: max(body_max - MARGIN, 0)], shown


def send(settings: Settings, msg: Message, report: NotifyReport) -> None:
    """One message per target, fitted to it; a target that fails does not stop the others."""
    apprise = _apprise()
    urls = [u.get_secret_value() for u in settings.notify.urls]
    secrets = Secrets(urls)  # the URLs and their wire forms, host-position tokens included (redact.py)
    for label, plugin in targets(apprise, urls):
        title, body, shown = fit(msg, int(plugin.body_maxlen), int(plugin.title_maxlen))
        with _captured(apprise, secrets) as caught:
            try:
                ok = plugin.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
            except Exception as e:  # a plugin bug must not cost the other targets; its text may hold a token
                ok, caught.lines = False, [*caught.lines, f"{type(e).__name__}: {e}"]
        report.shown = max(report.shown, shown)
        if ok:
            report.sent.append(label)
        else:
            why = "; ".join(dict.fromkeys(secrets.scrub(line) for line in caught.lines)) or "the service refused it"
            report.failed[label] = " ".join(why.split())[:300]


def notify_day(settings: Settings, store: Store, day: date, ranked: bool | None = None) -> NotifyReport:
    """Send `day`'s top picks to the reader's notification URLs. `ranked`: as for e-mail (True: the caller
    has just ranked the day; False: no picks; None: rank here when a profile exists).

    Raises ConfigError without URLs or for a URL Apprise cannot use, MissingExtra without Apprise. Targets
    that fail are in the report (`failed`), each with its reason."""
    if not settings.notify.urls:
        raise ConfigError("no notification URL: set notify.urls (or ARXIV_DIGEST_NOTIFY_URLS) to Apprise URLs")
    _apprise()
    report = NotifyReport(day, settings.reader)
    if not store.has_day(day):
        report.reason = f"no announcement on {day.isoformat()} in the store; nothing sent"
        return report
    if ranked is None:
        ranked = rank_if_profiled(settings, store, day, report.notes)
    digest = load_day(store, settings, day)
    entries = ordered(digest)
    picks = top_picks(entries, settings.profile.top_k) if ranked else []
    report.papers, report.picks = len(entries), bool(picks)
    if not entries:
        report.reason = f"no papers for this reader on {day.isoformat()}; nothing sent"
        return report
    send(settings, message(settings, day, entries, picks), report)
    return report


def notify_readers(settings: Settings, store: Store, day: date, name: str | None = None) -> list[NotifyReport]:
    """`notify_day` for the named reader, or for every reader that has notification URLs."""
    chosen = select(settings, name)
    if name is None and settings.readers:
        chosen = [r for r in chosen if r.notify.urls]
        if not chosen:
            raise ConfigError("no reader has notification URLs: set notify = [...] under [[readers]]")
    return [notify_day(r, store, day) for r in chosen]
