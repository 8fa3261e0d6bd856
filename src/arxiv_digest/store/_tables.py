"""What the mixins of `Store` share: the connection, the secrets, the transaction and chunked queries."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..redact import Secrets


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Tables:
    """The base of `Store`'s mixins: core.py's `Store` defines these."""

    db: sqlite3.Connection
    secrets: Secrets

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _rows_for(self, query: str, ids: Iterable[str], *params: Any) -> list[sqlite3.Row]: ...

        def _index(self, paper_id: str) -> None: ...
