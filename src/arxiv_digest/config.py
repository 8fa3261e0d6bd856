"""Settings: defaults < TOML file < environment < CLI flags.

The environment variables of the best-known existing tool (CATEGORIES, LANGUAGE, MODEL_NAME,
OPENAI_API_KEY, OPENAI_BASE_URL) keep working, so its users can switch without rewriting CI.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
)

from .errors import ConfigError, InvalidCategory, InvalidDate

CONFIG_FILENAME = "arxiv-digest.toml"
DEFAULT_DATA_DIR = "arxiv-digest-data"


@cache
def taxonomy() -> dict[str, str]:
    """arXiv's category codes -> names, from the list shipped in the package."""
    text = resources.files("arxiv_digest").joinpath("data/categories.tsv").read_text("utf-8")
    return dict(line.split("\t", 1) for line in text.splitlines() if line.strip())


def check_category(code: str) -> str:
    """Return the canonical code or raise InvalidCategory naming it."""
    code = code.strip()
    tax = taxonomy()
    if code in tax:
        return code
    by_lower = {c.lower(): c for c in tax}
    if code.lower() in by_lower:
        return by_lower[code.lower()]
    raise InvalidCategory(f"unknown arXiv category {code!r} (see https://arxiv.org/category_taxonomy)")


def parse_categories(value: str | list[str]) -> list[str]:
    """'cs.CL, cs.CV' or ['cs.CL', 'cs.CV'] -> validated codes in the given order, no duplicates."""
    items = value.replace("+", ",").replace(" ", ",").split(",") if isinstance(value, str) else value
    out: list[str] = []
    for item in items:
        if item.strip():
            code = check_category(item)
            if code not in out:
                out.append(code)
    if not out:
        raise InvalidCategory("no categories given")
    return out


def parse_date(value: str) -> date:
    """'2026-01-28' -> date, or InvalidDate naming the bad value."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidDate(f"invalid date {value!r}: expected YYYY-MM-DD") from None


def _http_url(value: str) -> str:
    """A URL we can send a request to; anything else would only be retried in vain."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
    return value.strip()


HttpURL = Annotated[str, AfterValidator(_http_url)]


def _category_list(v: Any) -> list[str]:
    if not (isinstance(v, str) or (isinstance(v, list) and all(isinstance(c, str) for c in v))):
        raise ValueError('expected category codes, e.g. ["cs.LG", "stat.ML"] or "cs.LG, stat.ML"')
    return parse_categories(v)


def _path_text(value: str) -> str:
    """A path the OS can take: no NUL byte (every system call would fail on it)."""
    if "\0" in value:
        raise ValueError("must not contain a NUL character")
    return value


PathText = Annotated[str, AfterValidator(_path_text)]
# Seconds: finite and within reason (1e308 or inf would overflow every sleep and socket timeout).
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]


def _header_key(value: SecretStr | None) -> SecretStr | None:
    """An API key goes into an HTTP header: surrounding whitespace (a pasted newline) is dropped; inner
    whitespace, control characters or non-ASCII cannot be sent at all. The key is never shown."""
    if value is None:
        return None
    key = value.get_secret_value().strip()
    if not key:
        return None
    if not (key.isascii() and key.isprintable()) or any(c.isspace() for c in key):
        raise ValueError("is not a usable API key: it holds spaces, control characters or non-ASCII characters "
                         "(an HTTP header cannot carry them); the value is not shown")  # fmt: skip
    return SecretStr(key)


HeaderKey = Annotated[SecretStr | None, AfterValidator(_header_key)]

LANGUAGE_MAX = 40
_LANGUAGE_RE = re.compile(r"[^\W\d_][\w\- ()]*")


def check_language(value: str) -> str:
    """A language name: it becomes part of file names (YYYY-MM-DD_AI_enhanced_<Language>.jsonl) and prompts,
    so letters, digits, spaces, '-', '_' and parentheses only, starting with a letter, at most 40."""
    v = value.strip()
    if not v:
        raise ValueError("must name a language, e.g. Chinese or English")
    if len(v) > LANGUAGE_MAX or not _LANGUAGE_RE.fullmatch(v):
        raise ValueError(f"must be a language name such as Chinese, English or zh-CN (letters, digits, spaces, "
                         f"'-', '_' and parentheses; at most {LANGUAGE_MAX} characters)")  # fmt: skip
    return v


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArxivSettings(_Section):
    rss_url: HttpURL = "https://rss.arxiv.org/rss"
    listing_url: HttpURL = "https://arxiv.org/list"
    api_url: HttpURL = "https://export.arxiv.org/api/query"
    delay_seconds: Seconds = Field(3.0, le=600, description="Minimum spacing between requests to arXiv.")
    timeout_seconds: Seconds = Field(30.0, gt=0, le=3600, description="Deadline for one whole request.")
    max_retry_seconds: Seconds = Field(120.0, le=86_400, description="Give up retrying after this long.")
    source: Literal["rss", "listing"] = "rss"
    cross_lists: bool = False
    replacements: bool = False
    batch_size: int = Field(100, ge=1, le=100)


class LLMSettings(_Section):
    backend: Literal["auto", "openai", "offline"] = "auto"
    model: str = "deepseek-chat"
    base_url: HttpURL | None = None
    api_key: HeaderKey = None
    max_concurrency: int = Field(16, ge=1, le=256)
    max_attempts: int = Field(3, ge=1, le=10)
    timeout_seconds: Seconds = Field(120.0, gt=0, le=3600, description="Overall deadline of one request.")
    max_retry_seconds: Seconds = Field(300.0, le=86_400)
    # A summarize run stops after this long; what is not summarized by then stays pending.
    max_run_seconds: Seconds = Field(3600.0, gt=0, le=7 * 86400)
    max_tokens: int | None = Field(None, ge=16, le=1_000_000, description="Cap per answer; unset: the server's.")
    # Low: a summary should say what the abstract says. 0 makes a local server's answers reproducible.
    temperature: float = Field(0.2, ge=0, le=2, allow_inf_nan=False)
    # USD per million tokens, by model name: {"deepseek-chat" = {input = 0.27, output = 1.1}}
    prices: dict[str, dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]]] = Field(default_factory=dict)


class ProfileSettings(_Section):
    keywords: list[str] = Field(default_factory=list)
    negative_keywords: list[str] = Field(default_factory=list)
    authors: list[str] = Field(default_factory=list)
    papers: list[str] = Field(default_factory=list)  # arXiv ids
    bibtex: list[PathText] = Field(default_factory=list)  # paths to .bib files (Zotero BibTeX export too)
    zotero_csv: list[PathText] = Field(default_factory=list)
    embeddings: Literal["auto", "local", "openai", "none"] = "auto"
    embedding_model: str = "text-embedding-3-small"
    # An OpenAI-compatible /embeddings endpoint; unset = llm.base_url / llm.api_key when embeddings = "openai"
    embedding_base_url: HttpURL | None = None
    embedding_api_key: HeaderKey = None
    top_k: int = Field(10, ge=1, le=100)
    # Exported "saved papers" files of the site (format: rank/feedback.py, README "Stars and dismissals")
    feedback: list[str] = Field(default_factory=list)
    # What gets embedded: the title and the abstract's first N sentences (0: the title only, -1: all of it).
    # benchmarks/rank_bench.py measured the cost and the quality of each N (README "Performance").
    embed_sentences: int = Field(3, ge=-1, le=50)
    llm_relevance: bool = False  # let the LLM judge the top candidates against your interests (costs tokens)
    llm_relevance_k: int = Field(20, ge=1, le=200)  # how many candidates it judges

    @property
    def configured(self) -> bool:
        """Whether the reader named any interest at all (then the day is ranked)."""
        return bool(self.keywords or self.authors or self.papers or self.bibtex or self.zotero_csv or self.feedback)


class EmailSettings(_Section):
    host: str | None = None
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "starttls"
    user: str | None = None
    password: SecretStr | None = None  # ASCII: smtplib sends AUTH in ASCII (checked below, never shown)
    sender: str | None = None
    recipients: list[str] = Field(default_factory=list)

    @field_validator("password")
    @classmethod
    def _password(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not (v.get_secret_value().isascii() and v.get_secret_value().isprintable()):
            raise ValueError("must be printable ASCII (SMTP AUTH cannot carry other characters); the value is "
                             "not shown")  # fmt: skip
        return v


class FulltextSettings(_Section):
    """Summaries from the paper's HTML full text (arxiv.org/html, LaTeXML); see summarize/fulltext.py."""

    # off | top-picks (the day's picks when a profile exists) | all (slow: one page per robots.txt Crawl-delay)
    mode: Literal["off", "top-picks", "all"] = "top-picks"
    html_url: HttpURL = "https://arxiv.org/html"
    max_papers: int = Field(30, ge=0, le=5000, description="Pages fetched per run at most.")
    max_tokens: int = Field(6000, ge=500, le=200_000, description="Budget for the paper's text in one prompt.")
    retry_days: int = Field(30, ge=1, description="A paper without HTML is asked for again after this long.")


class OutputSettings(_Section):
    site_dir: PathText = "arxiv-digest-site"
    markdown_top_picks: bool = False
    themes: bool = True  # group the day's papers into themes (needs the embeddings extra)
    markdown_themes: bool = False  # keep the Markdown byte-identical to the reference format unless enabled
    # Also write data/YYYY-MM-DD.jsonl (that tool's plain format, without summaries): the AI file beside
    # it already holds every field of it, so by default a year of the site saves ~100 MB
    plain_jsonl: bool = False
    # The site's public base URL (https://you.github.io/digest/): feeds, notifications and data files link
    # back to it. Unset: links are relative to the site (feeds) or go to arXiv (notifications).
    site_url: HttpURL | None = None


class FeedSearch(_Section):
    """A saved search published as its own feed: `[[feeds.searches]] name = "...", query = "..."`."""

    name: str = Field(min_length=1, max_length=80)
    query: str = Field(min_length=1, max_length=200)


class FeedSettings(_Section):
    days: int = Field(7, ge=1, le=60, description="Announcement days a feed covers, newest first.")
    max_entries: int = Field(200, ge=1, le=2000, description="At most this many entries per feed.")
    searches: list[FeedSearch] = Field(default_factory=list)


class NotifySettings(_Section):
    # Apprise URLs (tgram://, slack://, discord://, feishu://, dingtalk://, matrix://, ntfy://, mailto://,
    # json://, form://...): they hold tokens, so they are secrets
    urls: list[SecretStr] = Field(default_factory=list)
    max_papers: int = Field(10, ge=1, le=50, description="Papers per message, before '... N more'.")


_READER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ReaderSettings(_Section):
    """One reader of a shared store (`[[readers]]`): their own categories, language, profile, deliveries."""

    name: str
    categories: list[str]
    language: str | None = None  # default: the top-level language
    profile: ProfileSettings = Field(default_factory=ProfileSettings)  # a reader's own; none by default
    email: list[str] = Field(default_factory=list)  # recipients (the SMTP server is the top-level [email])
    notify: list[SecretStr] = Field(default_factory=list)  # Apprise URLs
    site_dir: PathText | None = None  # default: <output.site_dir>/<name>
    site_url: HttpURL | None = None  # default: <output.site_url>/<name>/ with the default site_dir

    @field_validator("language")
    @classmethod
    def _language(cls, v: str | None) -> str | None:
        return None if v is None else check_language(v)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _READER_NAME.match(v):
            raise ValueError("must be letters, digits, '.', '_' or '-' (it names the reader's site directory)")
        return v

    @field_validator("categories", mode="before")
    @classmethod
    def _categories(cls, v: Any) -> list[str]:
        return _category_list(v)


class Settings(_Section):
    categories: list[str] = Field(default_factory=lambda: ["cs.LG"])
    language: str = "Chinese"
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    contact: str | None = None  # e-mail for arXiv's User-Agent
    arxiv: ArxivSettings = Field(default_factory=ArxivSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    profile: ProfileSettings = Field(default_factory=ProfileSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    fulltext: FulltextSettings = Field(default_factory=FulltextSettings)
    output: OutputSettings = Field(default_factory=OutputSettings)
    feeds: FeedSettings = Field(default_factory=FeedSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    readers: list[ReaderSettings] = Field(default_factory=list)
    # Which [[readers]] entry these settings were derived for (readers.py); never read from the config.
    _reader: str | None = PrivateAttr(None)

    @property
    def reader(self) -> str | None:
        return self._reader

    @field_validator("readers")
    @classmethod
    def _readers(cls, v: list[ReaderSettings]) -> list[ReaderSettings]:
        names = [r.name for r in v]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup is not None:
            raise ValueError(f"two readers are named {dup!r}")
        return v

    @field_validator("contact")
    @classmethod
    def _contact(cls, v: str | None) -> str | None:
        """It goes into the User-Agent header: a line break there would fail every request."""
        v = v.strip() if v is not None else None
        if v and not v.isprintable():
            raise ValueError("must be one line of printable text (an e-mail address for arXiv's User-Agent)")
        return v or None

    @field_validator("categories", mode="before")
    @classmethod
    def _categories(cls, v: Any) -> list[str]:
        return _category_list(v)

    @field_validator("language")
    @classmethod
    def _language(cls, v: str) -> str:
        return check_language(v)

    @field_validator("data_dir")
    @classmethod
    def _data_dir(cls, v: Path) -> Path:
        _path_text(str(v))
        return v


# Environment variable -> dotted settings path. Older tool's names first.
ENV_VARS: dict[str, str] = {
    "CATEGORIES": "categories",
    "LANGUAGE": "language",
    "MODEL_NAME": "llm.model",
    "OPENAI_API_KEY": "llm.api_key",
    "OPENAI_BASE_URL": "llm.base_url",
    "ARXIV_DIGEST_DATA_DIR": "data_dir",
    "ARXIV_DIGEST_CONTACT": "contact",
    "ARXIV_DIGEST_LLM_BACKEND": "llm.backend",
    "ARXIV_DIGEST_RSS_URL": "arxiv.rss_url",
    "ARXIV_DIGEST_LISTING_URL": "arxiv.listing_url",
    "ARXIV_DIGEST_API_URL": "arxiv.api_url",
    "ARXIV_DIGEST_DELAY": "arxiv.delay_seconds",
    "ARXIV_DIGEST_HTML_URL": "fulltext.html_url",
    "ARXIV_DIGEST_FULLTEXT": "fulltext.mode",
    "SMTP_HOST": "email.host",
    "SMTP_PORT": "email.port",
    "SMTP_USER": "email.user",
    "SMTP_PASSWORD": "email.password",
    "SMTP_SENDER": "email.sender",
    "SMTP_RECIPIENTS": "email.recipients",
    "ARXIV_DIGEST_EMBEDDING_BASE_URL": "profile.embedding_base_url",
    "ARXIV_DIGEST_EMBEDDING_API_KEY": "profile.embedding_api_key",
    "ARXIV_DIGEST_THEMES": "output.themes",
    "ARXIV_DIGEST_SITE_URL": "output.site_url",
    "ARXIV_DIGEST_NOTIFY_URLS": "notify.urls",
}
# Several notification URLs in one variable: separated by spaces, or by commas that start a new URL (an
# Apprise URL may itself hold commas, e.g. mailto://...?to=a@x.org,b@x.org).
_URL_LIST = re.compile(r"\s+|,\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)")


def _set(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for p in parents:
        tree = tree.setdefault(p, {})
    tree[leaf] = value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"malformed config {path}: {e}") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"malformed config {path}: not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise ConfigError(f"cannot read config {path}: {e.strerror}") from None


def _env_layer(environ: dict[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for var, dotted in ENV_VARS.items():
        value = environ.get(var)
        if value is None or value == "":
            continue
        if dotted == "email.recipients":
            _set(tree, dotted, [r.strip() for r in value.split(",") if r.strip()])
        elif dotted == "notify.urls":
            _set(tree, dotted, [u for u in _URL_LIST.split(value.strip()) if u])
        else:
            _set(tree, dotted, value)
    return tree


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_settings(
    config_path: Path | None = None,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build Settings from the file (explicit, or ./arxiv-digest.toml if present), env and flags.

    `overrides` maps dotted paths ("arxiv.cross_lists") to values; None values are ignored so
    CLI layers can pass every flag through.
    """
    environ = dict(os.environ) if environ is None else environ
    tree: dict[str, Any] = {}
    if config_path is None and Path(CONFIG_FILENAME).is_file():
        config_path = Path(CONFIG_FILENAME)
    if config_path is not None:
        if not config_path.is_file():
            raise ConfigError(f"config file not found: {config_path}")
        tree = _read_toml(config_path)
    env = _env_layer(environ)
    tree = _merge(tree, env)
    flags: dict[str, Any] = {}
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set(flags, dotted, value)
    tree = _merge(tree, flags)
    try:
        return Settings.model_validate(tree)
    except (InvalidCategory, InvalidDate):
        raise
    except ValidationError as e:
        err = e.errors()[0]
        loc = [str(p) for p in err["loc"]]
        where = ".".join(loc) or "config"
        msg = err["msg"].removeprefix("Value error, ")
        # pydantic wraps our own errors raised inside validators; surface their text
        ctx = err.get("ctx", {}).get("error")
        if isinstance(ctx, InvalidCategory):
            raise InvalidCategory(str(ctx)) from None
        raise ConfigError(f"invalid setting {where}{_origin(loc, env, flags, config_path)}: {msg}") from None


def _origin(loc: list[str], env: dict[str, Any], flags: dict[str, Any], config_path: Path | None) -> str:
    """Where the bad value came from, in the user's own terms: ' (from VAR)', ' in FILE', or '' (a flag)."""

    def given(tree: dict[str, Any]) -> bool:
        node: Any = tree
        for key in loc:
            if not isinstance(node, dict) or key not in node:
                return False
            node = node[key]
        return True

    if given(flags):
        return ""
    if given(env):
        dotted = ".".join(loc)
        var = next((v for v, d in ENV_VARS.items() if d == dotted or dotted.startswith(d + ".")), None)
        return f" (from {var})" if var else ""
    return f" in {config_path}" if config_path is not None else ""
