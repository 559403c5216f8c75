"""The systems compared: each runs in its own process and prints one JSON report on its last line.

Every one is called as ``python -m benchmarks.systems.<name> '<workload json>' <sandbox url> <workdir>``
and reports ``seconds`` (from the first request to the last commit, imports excluded),
``rows_written`` (rows in its database afterwards) and ``import_seconds``.
"""

from __future__ import annotations
