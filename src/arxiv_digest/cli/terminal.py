"""What reaches the reader's terminal: plain text only, never a secret.

Titles, summaries, server messages and error reasons are bytes from arXiv, an LLM, an import file or a
config; printed raw, an ANSI escape in a title can rewrite the screen, and Rich would read `:-1:` as an
emoji and `[red]` as markup. So our consoles have emoji, markup and highlighting off, every control
character is shown as a visible escape, and every secret of the settings is masked.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console

from ..redact import NO_SECRETS, Secrets

# C0 and C1 controls (ESC, CSI, BEL, backspace...), DEL, and the bidirectional overrides that make text
# read differently from its bytes.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = {"\t": " ", "\n": " ", "\r": " "}


def _visible(m: re.Match[str]) -> str:
    ch = m.group()
    return _SPACES.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def neutralise(text: str) -> str:
    """One printable line: tabs and line breaks become spaces, other control characters visible escapes."""
    return _CONTROL.sub(_visible, text)


class SafeConsole(Console):
    """A Rich console that prints strings as inert text, with the settings' secrets masked."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(highlight=False, soft_wrap=True, emoji=False, markup=False, **kwargs)
        self.secrets: Secrets = NO_SECRETS

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs.update(markup=False, emoji=False, highlight=False)
        super().print(*(neutralise(self.secrets.scrub(o)) if isinstance(o, str) else o for o in objects), **kwargs)


err = SafeConsole(stderr=True)
out = SafeConsole()


def protect(secrets: Secrets) -> None:
    """Mask these secrets in everything printed from now on (the CLI calls it once settings are loaded)."""
    out.secrets = err.secrets = secrets
