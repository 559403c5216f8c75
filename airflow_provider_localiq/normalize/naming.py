"""SQL-safe column names that stay the same for the same source path.

A source path is the tuple of JSON keys from the row down to a value, e.g.
``("device_breakdowns", "clicks", "mobile")``, which becomes ``device_breakdowns__clicks__mobile``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_IDENTIFIER_LENGTH = 63
"""PostgreSQL's limit; longer names are cut and end in a hash of the full path."""

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_HASH_LENGTH = 8


def sanitize_key(key: str) -> str:
    """Return one JSON key as lowercase letters, digits and single underscores (``leadgen.other`` -> ``leadgen_other``)."""
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("_", ascii_key.lower()).strip("_") or "blank"


def path_hash(path: tuple[str, ...]) -> str:
    """Return a short, stable hash of the original (unsanitised) path."""
    return hashlib.sha1("\x1f".join(path).encode("utf-8")).hexdigest()[:_HASH_LENGTH]


def base_name(path: tuple[str, ...]) -> str:
    """Return the column name a path gets when nothing else claims it."""
    name = "__".join(sanitize_key(key) for key in path)
    if name[0].isdigit():
        name = f"n_{name}"
    if len(name) > MAX_IDENTIFIER_LENGTH:
        name = _with_hash(name, path)
    return name


def _with_hash(name: str, path: tuple[str, ...]) -> str:
    keep = MAX_IDENTIFIER_LENGTH - _HASH_LENGTH - 1
    return f"{name[:keep].rstrip('_')}_{path_hash(path)}"


class ColumnNamer:
    """Give each source path of one table a column name, and keep giving it the same one.

    Two different paths that sanitise to the same name (``eCPM`` and ``ecpm``) cannot share a
    column: the first one seen keeps the plain name, later ones get a suffix made from a hash of
    their original path, so the result depends only on the paths, not on the values.
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._reserved = set(reserved)
        self._by_path: dict[tuple[str, ...], str] = {}
        self._taken: set[str] = set(self._reserved)

    def name(self, path: tuple[str, ...]) -> str:
        """Return the column for a path, assigning one on first sight."""
        known = self._by_path.get(path)
        if known is not None:
            return known

        name = base_name(path)
        if name in self._taken:
            name = _with_hash(name, path)
        if name in self._taken:
            raise ValueError(
                f"Source path {path!r} maps to column {name!r}, which another path already holds."
            )

        self._by_path[path] = name
        self._taken.add(name)
        return name

    @property
    def mapping(self) -> dict[tuple[str, ...], str]:
        """Return a copy of every path -> column assignment made so far."""
        return dict(self._by_path)
