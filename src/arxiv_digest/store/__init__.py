"""The local store: one SQLite file, the single source of truth between the stages.

WAL mode, foreign keys, forward migrations recorded in `_migrations` (migrations.py), and a write lock (flock
on a file next to the database) so that two processes never interleave their writes. `Store` (core.py) gets
its methods per group of tables from mixins: summaries.py, derived.py, personal.py.
"""

from .core import LOCK_NAME, AnnouncementRow, Store, pid_alive
from .migrations import MIGRATIONS

__all__ = ["LOCK_NAME", "MIGRATIONS", "AnnouncementRow", "Store", "pid_alive"]
