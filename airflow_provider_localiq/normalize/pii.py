"""Keep, hash or drop the personal-data columns of normalised frames, as the registry lists them."""

from __future__ import annotations

import hashlib
import re
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.normalize.registry import EndpointSpec, get_endpoint

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    import pandas as pd

    from airflow_provider_localiq.normalize.schema import PiiPolicy

_POLICIES = ("keep", "hash", "drop")
_COLLISION_SUFFIX = re.compile(r"_[0-9a-f]{8}$")


def matches_pii(column: str, patterns: Sequence[str]) -> bool:
    """Whether a column is personal data; a name that got a collision suffix still matches."""
    unsuffixed = _COLLISION_SUFFIX.sub("", column)
    return any(fnmatchcase(column, pattern) or fnmatchcase(unsuffixed, pattern) for pattern in patterns)


def pii_columns(columns: Iterable[str], patterns: Sequence[str]) -> list[str]:
    """Return the columns, in order, that hold personal data under ``patterns``."""
    return [column for column in columns if matches_pii(column, patterns)]


def apply_pii_policy(
    frames: Mapping[str, pd.DataFrame],
    endpoint: str | EndpointSpec,
    policy: PiiPolicy,
    salt: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Return the frames with their personal-data columns kept, hashed or dropped.

    ``hash`` replaces each value by the hex SHA-256 of ``salt + value`` (nulls stay null, the
    column keeps its name and text type), so equal values still join; ``drop`` removes the
    columns; ``keep`` returns the frames unchanged. Input frames are not modified.

    :param frames: output of a `Normalizer`, keyed by table name.
    :param endpoint: the endpoint the frames came from.
    :param policy: ``keep``, ``hash`` or ``drop``.
    :param salt: secret prefix for ``hash``; required, and never logged.
    :raises ValueError: for an unknown policy, a missing salt with ``hash``, or a table name that
        does not belong to ``endpoint``.
    """
    if policy not in _POLICIES:
        raise ValueError(f"apply_pii_policy got policy={policy!r}; expected one of {', '.join(_POLICIES)}.")
    if policy == "hash" and not salt:
        raise ValueError(
            "apply_pii_policy(policy='hash') needs a non-empty `salt`; pass one from a secret store."
        )
    spec = endpoint if isinstance(endpoint, EndpointSpec) else get_endpoint(endpoint)
    patterns = {table.name: table.pii_columns for table in spec.tables}

    result: dict[str, pd.DataFrame] = {}
    for name, frame in frames.items():
        if name not in patterns:
            raise ValueError(
                f"Table {name!r} does not belong to endpoint {spec.name!r}; expected one of {list(patterns)}."
            )
        columns = pii_columns(frame.columns, patterns[name])
        if policy == "keep" or not columns:
            result[name] = frame
        elif policy == "drop":
            result[name] = frame.drop(columns=columns)
        else:
            assert salt is not None
            result[name] = frame.assign(**{column: _hashed(frame[column], salt) for column in columns})
    return result


def _hashed(series: pd.Series[Any], salt: str) -> pd.Series[Any]:
    """Hash each distinct value once; lead tables repeat the same names and emails a lot."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    salted = hashlib.sha256(salt.encode("utf-8"))
    digests: list[str | None] = []
    for value in uniques:
        digest = salted.copy()
        digest.update(str(value).encode("utf-8"))
        digests.append(digest.hexdigest())
    # Nulls have code -1, which picks this trailing None.
    digests.append(None)
    values = np.array(digests, dtype=object)[codes]
    return pd.Series(values, dtype=pd.ArrowDtype(pa.string()), index=series.index, name=series.name)
