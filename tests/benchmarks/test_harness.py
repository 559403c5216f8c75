"""The benchmark harness, run end to end in its tiny configuration: every figure is produced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("dlt", reason="the benchmarks need the bench extra: pip install -e '.[bench]'")
pytest.importorskip("duckdb_engine", reason="the benchmarks need the bench extra")
pytest.importorskip("matplotlib", reason="the benchmarks need the bench extra")
pytest.importorskip("psutil", reason="the benchmarks need the bench extra")

from benchmarks.run import main  # noqa: E402

SYSTEMS = ("provider", "naive", "dlt")
POSITIVE = [
    f"{system}.{metric}" for system in SYSTEMS for metric in ("requests_per_s", "rows_per_s", "peak_rss_mb")
] + [
    "provider.peak_rss_mb_small",
    "provider.peak_rss_mb_large",
    "provider.normalize_load_rows_per_s",
    "provider.normalize_load_warm_up_rows_per_s",
    "provider.requests_per_s_sustained",
    "sustained.reports.requests_per_s",
    "sustained.leads.requests_per_s",
    "dag_parse.with_provider_ms",
    "dag_parse.without_provider_ms",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], Path]:
    out = tmp_path_factory.mktemp("bench")
    assert main(["--quick", "--out", str(out)]) == 0
    return json.loads((out / "results.json").read_text()), out


def test_quick_run_reports_every_required_key(results: tuple[dict[str, object], Path]) -> None:
    figures, _ = results

    for key in POSITIVE:
        value = figures[key]
        assert isinstance(value, int | float), key
        assert value > 0, key
    for system in SYSTEMS:
        assert figures[f"{system}.http_429"] >= 0
        assert figures[f"{system}.requests"] == figures["provider.requests"]


def test_quick_run_writes_the_plot_and_the_results_page(results: tuple[dict[str, object], Path]) -> None:
    _, out = results

    assert (out / "throughput_vs_latency.png").read_bytes().startswith(b"\x89PNG")
    page = (out / "RESULTS.md").read_text()
    assert "## Targets" in page
    assert "## Sustained rate" in page
    assert "Quick configuration" in page
