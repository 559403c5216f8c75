"""Time how long executing a DAG file takes in a fresh process where Airflow is already imported.

Airflow's DAG processor has ``airflow.sdk`` loaded before it reads a file, so that import is
done first and left out; what is timed is running the file, as parsing does.
"""

from __future__ import annotations

import runpy
import sys
import time

from benchmarks.systems.common import report


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.systems.dag_parse <dag file>``."""
    path = (sys.argv[1:] if argv is None else argv)[0]
    import airflow.sdk  # noqa: F401

    started = time.perf_counter()
    runpy.run_path(path, run_name="dag_file")
    report(seconds=time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
