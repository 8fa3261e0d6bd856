"""One exception hierarchy, caught once at the CLI boundary and printed as one line."""

from __future__ import annotations


class DigestError(Exception):
    """Base of every error arxiv-digest reports to the user."""

    exit_code = 1


class BadInput(DigestError):
    """The user gave a value we cannot use (exit code 2)."""

    exit_code = 2


class ConfigError(BadInput):
    """The configuration file, an environment variable or a flag is malformed."""


class InvalidCategory(BadInput):
    """A category is not in arXiv's taxonomy."""


class InvalidDate(BadInput):
    """A date is not YYYY-MM-DD or not a real day."""


class StoreError(DigestError):
    """The local store cannot be opened or written."""


class StoreLocked(StoreError):
    """Another arxiv-digest process holds the store's write lock."""


class ArxivError(DigestError):
    """Talking to arXiv failed; carries the URL and how often we retried."""

    def __init__(self, message: str, url: str = "", retries: int = 0) -> None:
        super().__init__(message)
        self.url = url
        self.retries = retries


class ArxivHTTPError(ArxivError):
    """arXiv answered with an HTTP error status we do not retry, or kept failing."""

    def __init__(self, message: str, url: str = "", retries: int = 0, status: int = 0) -> None:
        super().__init__(message, url, retries)
        self.status = status


class ArxivParseError(ArxivError):
    """arXiv's answer was not the XML/HTML we expected (truncated, an error page...)."""


class ArxivAPIError(ArxivError):
    """The query API answered with its error feed (one entry titled "Error")."""


class SummarizeError(DigestError):
    """Summarization cannot go on (bad key, unknown model, unreachable endpoint)."""


class RenderError(DigestError):
    """A digest cannot be rendered (no such day in the store, bad output path)."""


class BadOutputPath(BadInput, RenderError):
    """An output path we must not write to: a device, a FIFO, the store's own files (exit code 2)."""


class JSONLImportError(DigestError):
    """A JSONL file to import is malformed."""

    exit_code = 2  # bad input: the message names the file and line


class ProfileError(DigestError):
    """The interest profile cannot be used at all."""


class EmailError(DigestError):
    """The digest could not be sent."""


class NotifyError(DigestError):
    """A push notification could not be delivered to a target."""


class MissingExtra(DigestError):
    """A feature needs an optional dependency that is not installed (pip install 'arxiv-digest[extra]')."""
