"""Every secret of the settings, and the one scrubber that keeps them out of what we store, show or publish.

Servers echo what they were sent: a proxy's error repeats "Authorization: Bearer sk-...", an SMTP server
repeats the AUTH line (the password in base64), a model copies text from its prompt. So text received from
any endpoint is scrubbed before it reaches the store (summaries, failure reasons, run details), and every
line the CLI prints is scrubbed again at the boundary.

Which values are secret is not listed here: every `SecretStr` in the settings is (a new one, such as a
notification URL, is covered by declaring it `SecretStr`). What a secret looks like on the wire besides
itself (base64 for SMTP AUTH, JSON or URL escaping, the parts of a URL) is derived below.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from pydantic import BaseModel, SecretStr

from .models import Summary

if TYPE_CHECKING:
    from .config import EmailSettings, Settings

MASK = "***"
# A shorter secret would match ordinary words ("pass" in "compass") and wreck the digest; real API keys and
# tokens are far longer.
MIN_LENGTH = 4
# a DNS name with a top-level domain, an IPv4 address, localhost: where a URL names its server, not a token
_HOST = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,63}|\d{1,3}(?:\.\d{1,3}){3}|localhost", re.IGNORECASE)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def wire_forms(secret: str) -> set[str]:
    """The secret as it may come back: itself, cut short, base64 (SMTP AUTH LOGIN), JSON- and URL-escaped, and
    for a URL (a notification endpoint) its password, path segments and query values."""
    forms = {secret, _b64(secret), json.dumps(secret)[1:-1], quote(secret, safe="")}
    # and a key cut short (a server's or our own shortening of a long message): its longer prefixes
    if len(secret) >= 16:
        forms.update(secret[:n] for n in range(max(12, len(secret) // 2), len(secret)))
    if "://" in secret:
        parts = urlsplit(secret)
        # Apprise URLs put tokens where a host would be (tgram://BOT_ID:TOKEN/CHAT, feishu://TOKEN): every piece
        # of the authority that is not a host name or an address counts
        authority = [p for p in re.split(r"[:@]", parts.netloc) if not _HOST.fullmatch(p)]
        pieces = [parts.password or "", *authority, *parts.path.split("/"), *(v for _, v in parse_qsl(parts.query))]
        forms.update(p for p in pieces if len(p) >= 8)  # short segments ("v1", "send") are not secrets
        forms.update(unquote(p) for p in pieces if len(p) >= 8)
    return forms


def smtp_auth_forms(user: str, password: str) -> set[str]:
    """What smtplib sends for AUTH PLAIN (base64 of authzid NUL user NUL password, with and without the
    authorization identity), which a careless server echoes in its error."""
    return {_b64(f"\0{user}\0{password}"), _b64(f"{user}\0{user}\0{password}")}


def _email_forms(cfg: EmailSettings) -> set[str]:
    if cfg.password is None or not cfg.user:
        return set()
    return smtp_auth_forms(cfg.user, cfg.password.get_secret_value())


def _secret_values(node: Any) -> Iterator[str]:
    """Every SecretStr anywhere in a settings tree (models, dicts, lists)."""
    if isinstance(node, SecretStr):
        yield node.get_secret_value()
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _secret_values(getattr(node, name))
    elif isinstance(node, dict):
        for v in node.values():
            yield from _secret_values(v)
    elif isinstance(node, list | tuple):
        for v in node:
            yield from _secret_values(v)


class Secrets:
    """A set of secrets and their wire forms; `scrub` replaces each with ***."""

    def __init__(self, values: Iterable[str] = (), extra_forms: Iterable[str] = ()) -> None:
        forms: set[str] = set(extra_forms)
        for v in values:
            if v and len(v) >= MIN_LENGTH:
                forms |= wire_forms(v)
        # longest first, so a secret that contains another is masked whole
        ordered = sorted((f for f in forms if len(f) >= MIN_LENGTH), key=len, reverse=True)
        self._re = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def from_settings(cls, settings: Settings) -> Secrets:
        return cls([v.strip() for v in _secret_values(settings)], _email_forms(settings.email))

    @classmethod
    def from_email(cls, cfg: EmailSettings) -> Secrets:
        return cls(_secret_values(cfg), _email_forms(cfg))

    def __bool__(self) -> bool:
        return self._re is not None

    def scrub(self, text: str) -> str:
        return self._re.sub(MASK, text) if self._re is not None and text else text

    def scrub_opt(self, text: str | None) -> str | None:
        return None if text is None else self.scrub(text)

    def scrub_json(self, obj: Any) -> Any:
        """The same structure with every string in it scrubbed (run details, score reasons)."""
        if self._re is None:
            return obj
        if isinstance(obj, str):
            return self.scrub(obj)
        if isinstance(obj, dict):
            return {self.scrub(str(k)): self.scrub_json(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.scrub_json(v) for v in obj]
        return obj

    def summary(self, s: Summary) -> Summary:
        """A summary with every field scrubbed (a model can copy a key from its input into its answer)."""
        if self._re is None:
            return s
        fields = {f: self.scrub(getattr(s, f)) for f in ("tldr", "motivation", "method", "result", "conclusion")}
        # verbatim: scrubbing must not also strip the text (an imported summary keeps its bytes)
        return Summary.model_validate({**fields, "keywords": [self.scrub(k) for k in s.keywords]},
                                      context={"verbatim": True})  # fmt: skip


NO_SECRETS = Secrets()
