"""Importing the package stays cheap enough for DAG files."""

from __future__ import annotations

import subprocess
import sys


def test_importing_normalize_does_not_load_pandas_or_pyarrow() -> None:
    code = (
        "import sys\n"
        "import airflow_provider_localiq.normalize as normalize\n"
        "normalize.get_report('lead_detail')\n"
        "print(sorted(name for name in ('pandas', 'pyarrow', 'numpy') if name in sys.modules))\n"
    )

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"
