"""Errors the SQL table writer raises for conditions outside the caller's code.

Programming mistakes (a batch that contradicts its own scope, an unknown column type) raise
``ValueError``; what is left is raised from here::

    TimeoutError
    └── DatabaseLockedError    another process kept the DuckDB file locked; retry the task later
"""

from __future__ import annotations


class DatabaseLockedError(TimeoutError):
    """Another process held the database file locked for longer than the writer waits."""
