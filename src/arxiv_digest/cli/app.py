"""The Typer app, shared options, and the one place errors become one-line messages."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ..config import Settings, load_settings, parse_date
from ..errors import DigestError, StoreError
from ..readers import select
from ..redact import NO_SECRETS, Secrets
from ..store import Store
from .terminal import err, out, protect

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Each day's new arXiv papers in the categories you follow, summarized into a digest.",
    rich_markup_mode=None,
)
__all__ = ["app", "err", "open_store", "out", "reporting", "resolve_day", "settings"]

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML config file (default: ./arxiv-digest.toml if present).")
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the store lives (default ./arxiv-digest-data, env ARXIV_DIGEST_DATA_DIR)."),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="Announcement day, YYYY-MM-DD (default: the latest stored day).")
]
CategoriesOpt = Annotated[
    str | None, typer.Option("--categories", help="Categories to follow, e.g. 'cs.LG,stat.ML' (env CATEGORIES).")
]
LanguageOpt = Annotated[str | None, typer.Option("--language", help="Summary language (env LANGUAGE), e.g. Chinese.")]
ReaderOpt = Annotated[str | None, typer.Option("--reader", help="As this reader of the config's [[readers]] sees it.")]


def settings(config: Path | None, data_dir: Path | None, **overrides: Any) -> Settings:
    """Load settings with CLI flags on top; `overrides` keys are dotted settings paths."""
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    s = load_settings(config, overrides)  # categories are parsed and checked by Settings itself
    protect(Secrets.from_settings(s))  # from now on no printed line can show a key or password
    return s


def as_reader(s: Settings, reader: str | None) -> Settings:
    """The settings of the reader --reader names (of the config's [[readers]]); `s` itself without it."""
    return select(s, reader)[0] if reader is not None else s


def open_store(s: Settings, write: bool = False) -> Store:
    store = Store.open(s.data_dir, Secrets.from_settings(s))
    if write:
        try:
            store.acquire_lock()
        except DigestError:
            store.close()
            raise
    return store


def resolve_day(store: Store, value: str | None) -> date:
    """--date if given, else the latest day in the store."""
    if value is not None:
        return parse_date(value)
    last = store.last_announced()
    if last is None:
        raise DigestError(f"the store in {store.data_dir} has no announcement day yet; run `arxiv-digest fetch`")
    return last


@contextmanager
def reporting() -> Iterator[None]:
    """Turn a DigestError into one line on stderr and its exit code; a traceback only with --debug."""
    try:
        yield
    except DigestError as e:
        if os.environ.get("ARXIV_DIGEST_DEBUG"):
            raise
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(e.exit_code) from None
    except sqlite3.DatabaseError as e:  # a damaged store ("database disk image is malformed"), wherever read
        if os.environ.get("ARXIV_DIGEST_DEBUG"):
            raise
        err.print(f"error: {StoreError(f'the store cannot be read or written: {e}')}")
        raise typer.Exit(StoreError.exit_code) from None
    except KeyboardInterrupt:
        err.print("interrupted; everything finished so far is kept", markup=False)
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as e:  # a bug of ours: still one line for the reader, the traceback on request
        if os.environ.get("ARXIV_DIGEST_DEBUG"):
            raise
        err.print(f"error: unexpected {type(e).__name__}: {e} (this is a bug; rerun with --debug and report "
                  "the traceback)", markup=False)  # fmt: skip
        raise typer.Exit(1) from None


class _StderrLines(logging.Handler):
    """Library warnings (retries, fallbacks, skipped entries) as one plain line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(f"{record.levelname.lower()}: {record.getMessage()}", markup=False)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also show progress notes (retries...).")] = False,
) -> None:
    protect(NO_SECRETS)  # a new command (tests run several in one process): its own settings' secrets
    if debug:
        os.environ["ARXIV_DIGEST_DEBUG"] = "1"
    root = logging.getLogger("arxiv_digest")
    if not any(isinstance(h, _StderrLines) for h in root.handlers):
        root.addHandler(_StderrLines())
    root.setLevel(logging.INFO if verbose or debug else logging.WARNING)


