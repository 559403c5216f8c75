"""Run every benchmark and write ``results.json``, ``throughput_vs_latency.png`` and ``RESULTS.md``.

``make bench`` calls ``python -m benchmarks.run``; ``--quick`` runs a tiny configuration in a few
seconds (what the smoke test uses). Everything talks to one sandbox process on 127.0.0.1, each
system runs in a process of its own, and every run has a deadline.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.processes import SandboxProcess, run_child
from benchmarks.workload import Workload

#: The sandbox's limit (record ids carry the advertiser in six bits).
MAX_ADVERTISERS = 64

HERE = Path(__file__).resolve().parent
SYSTEMS = {"provider": "provider", "naive": "naive", "dlt": "dlt_rest"}
SWEEP_LATENCIES_MS = (0, 50, 150, 300)
RUN_TIMEOUT_SECONDS = 300.0
DUCKDB_MEMORY_LIMIT = "64MB"


@dataclass(frozen=True)
class Plan:
    """How much to run: the workloads, the repeats and the sweep."""

    main: Workload
    sweep: Workload
    sustained: tuple[Workload, ...]
    small_leads: Workload
    large_leads: Workload
    normalize_load: Workload
    repeats: int
    latencies_ms: tuple[int, ...]
    parse_repeats: int


def full_plan() -> Plan:
    """What ``make bench`` runs (about ten minutes on two cores)."""
    leads = Workload(
        advertisers=1,
        reports=(),
        lead_endpoints=("crm_contacts",),
        first_day="2026-11-02",
        last_day="2026-11-02",
        latency_ms=0,
        jitter_ms=0,
        crm_page_size=2000,
    )
    return Plan(
        main=Workload(),
        sweep=Workload(),
        sustained=sustained_workloads(Workload()),
        small_leads=leads.with_changes(contacts_per_day=10_000),
        large_leads=leads.with_changes(contacts_per_day=1_000_000),
        normalize_load=leads.with_changes(contacts_per_day=200_000, crm_page_size=10_000, rate_limit=0),
        repeats=3,
        latencies_ms=SWEEP_LATENCIES_MS,
        parse_repeats=5,
    )


def sustained_workloads(base: Workload, advertisers: int = MAX_ADVERTISERS) -> tuple[Workload, ...]:
    """Enough independent work to hold the rate limit (by default every advertiser the sandbox serves).

    One task of reports, one of leads (in pages of 10, so that every advertiser has twelve pages).
    """
    return (
        base.with_changes(advertisers=advertisers, lead_endpoints=()),
        base.with_changes(advertisers=advertisers, reports=(), crm_page_size=10),
    )


def quick_plan() -> Plan:
    """A few seconds of everything, for the smoke test."""
    tiny = Workload(advertisers=2, reports=("lead_detail",), latency_ms=9, jitter_ms=3, last_day="2026-11-03")
    leads = tiny.with_changes(
        advertisers=1,
        reports=(),
        lead_endpoints=("crm_contacts",),
        latency_ms=0,
        jitter_ms=0,
        crm_page_size=500,
    )
    return Plan(
        main=tiny,
        sweep=tiny,
        sustained=sustained_workloads(tiny, advertisers=3),
        small_leads=leads.with_changes(contacts_per_day=200),
        large_leads=leads.with_changes(contacts_per_day=2_000),
        normalize_load=leads.with_changes(contacts_per_day=2_000, rate_limit=0),
        repeats=1,
        latencies_ms=(9,),
        parse_repeats=1,
    )


def measure(
    sandbox: SandboxProcess, system: str, workload: Workload, workdir: Path, label: str
) -> dict[str, Any]:
    """Run one system once against the sandbox and combine its report with the server's counts."""
    sandbox.reset()
    child = run_child(
        f"benchmarks.systems.{SYSTEMS.get(system, system)}",
        [workload.to_json(), sandbox.url, str(workdir / label)],
        workdir / label,
        timeout=RUN_TIMEOUT_SECONDS,
        name=system,
    )
    stats = sandbox.stats()
    span = (stats["last_finish"] - stats["first_arrival"]) if stats["requests"] else 0.0
    rows = sum(stats["rows_served"].values())
    failed = {status: count for status, count in stats["statuses"].items() if status not in ("200", "429")}
    if failed:
        raise RuntimeError(f"{system} got unexpected statuses {failed} in {label}")
    seconds = float(child.report["seconds"])
    return {
        "requests": stats["requests"],
        "requests_per_s": stats["requests"] / span if span else 0.0,
        "requests_per_s_p50_window": _median_window_rate(stats["arrivals"]),
        "http_429": stats["http_429"],
        "rows_served": rows,
        "rows_per_s": rows / seconds if seconds else 0.0,
        "seconds": seconds,
        "wall_seconds": child.wall_seconds,
        "import_seconds": child.report.get("import_seconds", 0.0),
        "peak_rss_mb": child.peak_rss_mb,
        "rows_written": child.report.get("rows_written", 0),
        "tables": child.report.get("tables", 0),
    }


def _median_window_rate(arrivals: list[float]) -> float:
    """Median requests per whole one-second window between the first and the last arrival."""
    if len(arrivals) < 2:
        return 0.0
    start = arrivals[0]
    windows = int(arrivals[-1] - start)
    if windows < 1:
        return 0.0
    counts = [0] * windows
    for arrival in arrivals:
        index = int(arrival - start)
        if index < windows:
            counts[index] += 1
    return float(statistics.median(counts))


def compare(plan: Plan, workdir: Path, results: dict[str, Any], log: Any) -> None:
    """The three systems on the main workload, ``repeats`` rounds; medians and first-round ratios."""
    runs: dict[str, list[dict[str, Any]]] = {system: [] for system in SYSTEMS}
    with SandboxProcess(plan.main, workdir / "sandbox-main") as sandbox:
        for round_number in range(plan.repeats):
            for system in SYSTEMS:
                run = measure(sandbox, system, plan.main, workdir, f"main-{system}-{round_number}")
                runs[system].append(run)
                log(f"main round {round_number + 1}: {system} {_summary(run)}")

    for system, system_runs in runs.items():
        for key in ("requests_per_s", "http_429", "rows_per_s", "peak_rss_mb"):
            results[f"{system}.{key}"] = _round(statistics.median(run[key] for run in system_runs))
        for key in ("seconds", "requests_per_s_p50_window", "wall_seconds", "import_seconds"):
            results[f"{system}.{key}_median"] = _round(statistics.median(run[key] for run in system_runs))
        results[f"{system}.requests"] = system_runs[0]["requests"]
        results[f"{system}.rows_written"] = system_runs[0]["rows_written"]
        results[f"{system}.tables"] = system_runs[0]["tables"]
        results[f"{system}.runs"] = len(system_runs)
        results[f"{system}.rows_per_s_all"] = [_round(run["rows_per_s"]) for run in system_runs]
    results["workload.rows_served"] = runs["provider"][0]["rows_served"]
    first = {system: system_runs[0] for system, system_runs in runs.items()}
    for other in ("naive", "dlt"):
        results[f"ratio.provider_vs_{other}.rows_per_s"] = _round(
            first["provider"]["rows_per_s"] / first[other]["rows_per_s"]
        )
        results[f"ratio.provider_vs_{other}.rows_per_s_median"] = _round(
            results["provider.rows_per_s"] / results[f"{other}.rows_per_s"]
        )


def sustain(plan: Plan, workdir: Path, results: dict[str, Any], log: Any) -> None:
    """The provider alone on the sustained workloads: requests from the first arrival to the last answer."""
    rates, rejected = [], 0.0
    for workload in plan.sustained:
        kind = "reports" if workload.reports else "leads"
        with SandboxProcess(workload, workdir / f"sandbox-sustained-{kind}") as sandbox:
            runs = [
                measure(sandbox, "provider", workload, workdir, f"sustained-{kind}-{round_number}")
                for round_number in range(plan.repeats)
            ]
        for run in runs:
            log(f"sustained {kind}: {_summary(run)}")
        rate = statistics.median(run["requests_per_s"] for run in runs)
        rates.append(rate)
        rejected += sum(run["http_429"] for run in runs)
        results[f"sustained.{kind}.requests_per_s"] = _round(rate)
        results[f"sustained.{kind}.requests_per_s_all"] = [_round(run["requests_per_s"]) for run in runs]
        results[f"sustained.{kind}.http_429"] = sum(run["http_429"] for run in runs)
        results[f"sustained.{kind}.requests"] = runs[0]["requests"]
        results[f"sustained.{kind}.advertisers"] = workload.advertisers
    results["provider.requests_per_s_sustained"] = _round(min(rates))
    results["provider.http_429_sustained"] = rejected


def sweep(plan: Plan, workdir: Path, results: dict[str, Any], log: Any) -> None:
    """Throughput of each system at each latency (one run each, on the smaller sweep workload)."""
    for latency in plan.latencies_ms:
        workload = plan.sweep.with_changes(latency_ms=float(latency), jitter_ms=latency / 3)
        if workload == plan.main:
            for system in SYSTEMS:
                for metric in ("requests_per_s", "rows_per_s", "http_429"):
                    results[f"sweep.{system}.{latency}ms.{metric}"] = results[f"{system}.{metric}"]
            continue
        with SandboxProcess(workload, workdir / f"sandbox-sweep-{latency}") as sandbox:
            for system in SYSTEMS:
                run = measure(sandbox, system, workload, workdir, f"sweep-{latency}-{system}")
                results[f"sweep.{system}.{latency}ms.requests_per_s"] = _round(run["requests_per_s"])
                results[f"sweep.{system}.{latency}ms.rows_per_s"] = _round(run["rows_per_s"])
                results[f"sweep.{system}.{latency}ms.http_429"] = run["http_429"]
                log(f"sweep {latency} ms: {system} {_summary(run)}")


def memory(plan: Plan, workdir: Path, results: dict[str, Any], log: Any) -> None:
    """Peak RSS of the provider for a small and a large lead volume, and the normalise-and-load rate."""
    for size, workload in (("small", plan.small_leads), ("large", plan.large_leads)):
        with SandboxProcess(workload, workdir / f"sandbox-{size}") as sandbox:
            run = measure(sandbox, "provider", workload, workdir, f"memory-{size}")
        results[f"provider.peak_rss_mb_{size}"] = _round(run["peak_rss_mb"])
        results[f"provider.lead_records_{size}"] = run["rows_served"]
        results[f"provider.rows_per_s_{size}"] = _round(run["rows_per_s"])
        log(f"memory {size}: {_summary(run)}")
    results["ratio.peak_rss_large_vs_small"] = _round(
        results["provider.peak_rss_mb_large"] / results["provider.peak_rss_mb_small"]
    )
    # The same two runs with DuckDB's buffer pool capped, to tell its cache from the provider's own memory.
    for size, workload in (("small", plan.small_leads), ("large", plan.large_leads)):
        capped = workload.with_changes(duckdb_memory_limit=DUCKDB_MEMORY_LIMIT)
        with SandboxProcess(capped, workdir / f"sandbox-{size}-capped") as sandbox:
            run = measure(sandbox, "provider", capped, workdir, f"memory-{size}-capped")
        results[f"provider.peak_rss_mb_{size}_duckdb_capped"] = _round(run["peak_rss_mb"])
        log(f"memory {size}, DuckDB memory_limit {DUCKDB_MEMORY_LIMIT}: {_summary(run)}")
    results["provider.duckdb_memory_limit_capped"] = DUCKDB_MEMORY_LIMIT

    with SandboxProcess(plan.normalize_load, workdir / "sandbox-normalize") as sandbox:
        child = run_child(
            "benchmarks.systems.normalize_load",
            [plan.normalize_load.to_json(), sandbox.url, str(workdir / "normalize")],
            workdir / "normalize",
            timeout=RUN_TIMEOUT_SECONDS,
            name="normalize_load",
        )
    results["provider.normalize_load_rows_per_s"] = _round(child.report["rows_per_s"])
    results["provider.normalize_load_rows"] = child.report["rows_written"]
    results["provider.normalize_load_rows_per_s_all"] = [
        _round(rate) for rate in child.report["rows_per_s_all"]
    ]
    results["provider.normalize_load_warm_up_rows"] = child.report["warm_up_rows"]
    results["provider.normalize_load_warm_up_rows_per_s"] = _round(child.report["warm_up_rows_per_s"])
    log(
        f"normalise and load: {child.report['rows_per_s']:.0f} rows/s "
        f"(warm-up chunk: {child.report['warm_up_rows_per_s']:.0f} rows/s)"
    )


DAG_WITHOUT = """
from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(schedule="@daily", start_date=pendulum.datetime(2026, 11, 1, tz="UTC"), catchup=False)
def parse_probe() -> None:
    @task
    def advertisers() -> list[str]:
        return []

    advertisers()


parse_probe()
"""

DAG_WITH = DAG_WITHOUT.replace(
    "from airflow.sdk import dag, task\n",
    "from airflow.sdk import dag, task\n\n"
    "from airflow_provider_localiq.transfers.localiq_to_sql import LocalIQToSqlOperator\n",
).replace(
    "    advertisers()\n",
    "    LocalIQToSqlOperator.partial(\n"
    '        task_id="load_reports", extract="reports", reports=["lead_detail"], sql_conn_id="warehouse"\n'
    "    ).expand(gmaid=advertisers())\n",
)


def parse_cost(plan: Plan, workdir: Path, results: dict[str, Any], log: Any) -> None:
    """Median time to run a DAG file with and without the provider, each in a fresh process."""
    files = {"without": workdir / "dag_without.py", "with": workdir / "dag_with.py"}
    files["without"].write_text(DAG_WITHOUT)
    files["with"].write_text(DAG_WITH)
    times: dict[str, list[float]] = {"without": [], "with": []}
    for attempt in range(plan.parse_repeats):
        for kind, path in files.items():
            child = run_child(
                "benchmarks.systems.dag_parse",
                [str(path)],
                workdir / "parse",
                timeout=RUN_TIMEOUT_SECONDS,
                name=f"parse-{kind}-{attempt}",
            )
            times[kind].append(child.report["seconds"] * 1000)
    for kind, values in times.items():
        results[f"dag_parse.{kind}_provider_ms"] = _round(statistics.median(values))
    results["provider.import_ms_added"] = _round(
        results["dag_parse.with_provider_ms"] - results["dag_parse.without_provider_ms"]
    )
    log(f"DAG parse: +{results['provider.import_ms_added']} ms with the provider")


def machine() -> dict[str, Any]:
    """Cores, memory, Python and the versions that matter."""
    import os
    import platform
    from importlib.metadata import version

    import psutil

    info: dict[str, Any] = {
        "machine.cores": os.cpu_count(),
        "machine.memory_gb": _round(psutil.virtual_memory().total / 2**30),
        "machine.python": platform.python_version(),
        "machine.platform": platform.platform(),
    }
    for package in ("apache-airflow", "pandas", "pyarrow", "duckdb", "dlt", "duckdb_engine", "requests"):
        try:
            info[f"version.{package}"] = version(package)
        except Exception:
            info[f"version.{package}"] = "not installed"
    return info


def _summary(run: dict[str, Any]) -> str:
    return (
        f"{run['requests']} requests, {run['requests_per_s']:.1f} req/s, {run['http_429']} x 429, "
        f"{run['rows_per_s']:.0f} rows/s, {run['seconds']:.1f} s, peak {run['peak_rss_mb']:.0f} MB"
    )


def _round(value: float) -> float:
    return round(float(value), 2)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``make bench``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tiny configuration (seconds)")
    parser.add_argument(
        "--out", type=Path, default=HERE, help="where results.json, the plot and RESULTS.md go"
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="scratch space (default: a temporary folder)"
    )
    arguments = parser.parse_args(argv)

    plan = quick_plan() if arguments.quick else full_plan()
    out: Path = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    workdir = (arguments.workdir or Path(tempfile.mkdtemp(prefix="localiq-bench-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)

    results: dict[str, Any] = {"command": "make bench" + (" (quick)" if arguments.quick else ""), **machine()}
    results.update({f"workload.{key}": value for key, value in json.loads(plan.main.to_json()).items()})
    try:
        compare(plan, workdir, results, log)
        sustain(plan, workdir, results, log)
        sweep(plan, workdir, results, log)
        memory(plan, workdir, results, log)
        parse_cost(plan, workdir, results, log)
    finally:
        if arguments.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    results["bench.seconds"] = _round(time.monotonic() - started)

    from benchmarks.report import write_plot, write_results_md

    (out / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    write_plot(results, plan.latencies_ms, out / "throughput_vs_latency.png")
    write_results_md(results, out / "RESULTS.md", quick=arguments.quick)
    log(f"wrote {out / 'results.json'} in {results['bench.seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
