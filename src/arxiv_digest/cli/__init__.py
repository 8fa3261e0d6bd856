"""Command-line interface: thin commands over the library, one module per stage."""

from __future__ import annotations

from . import archive, fetch, fulltext, personal, publish, reach, reader, summarize  # noqa: F401  (each registers its commands)
from .app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
