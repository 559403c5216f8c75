"""The DAGs on a real Airflow deployment: api-server, scheduler, dag-processor and LocalExecutor workers.

What ``dag.test()`` cannot show is checked here: tasks run in their own processes (four at a
time) and reach the metadata database only through the Execution API, their logs are masked,
and a manual run may have no logical date. The sandbox runs in this process on loopback; the
connections reach the workers as ``AIRFLOW_CONN_*`` variables. The deployment is started once for
the module, with secrets and credentials unique to the session, so that the last test can look
for them in everything the deployment kept.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pendulum
import pytest
import requests

from airflow_provider_localiq.sandbox.config import DEFAULT_ADVERTISERS, SandboxConfig, SandboxUser
from airflow_provider_localiq.sandbox.server import Sandbox, start
from tests.conftest import REPO_ROOT, connection_json
from tests.integration.conftest import TEST_DAGS, TokenLedger, Warehouse, served_table_rows
from tests.integration.dags.localiq_test_worker import PARALLEL_DAYS, PARALLEL_GMAIDS
from tests.integration.deployment import AirflowDeployment

pytestmark = pytest.mark.deployment

CLIENT_ID = "airflow-e2e-client"
CLIENT_SECRET = f"client-secret-{secrets.token_hex(12)}"
USER = "etl@agency.example"
PASSWORD = f"password-{secrets.token_hex(12)}"
CHAIN_USER = "chain@agency.example"
PARALLEL_USER = "parallel@agency.example"
OTHER_PASSWORDS = [f"unused-{secrets.token_hex(12)}", f"unused-{secrets.token_hex(12)}"]
PII_SALT = f"salt-{secrets.token_hex(12)}"
LOGICAL_DATE = "2026-11-03T00:00:00+00:00"
ADVERTISERS = tuple(
    advertiser.gmaid for advertiser in DEFAULT_ADVERTISERS if advertiser.gmaid != "CAN_200001"
)
PARALLELISM = 4
DATED_REPORTS = ["lead_detail", "marketing_activity", "chat_summary", "search_activity", "unified_display"]


@dataclass
class Stack:
    """The sandbox, the deployment that reaches it and the warehouse the DAGs write."""

    sandbox: Sandbox
    airflow: AirflowDeployment
    warehouse: Warehouse
    ledger: TokenLedger
    bootstrap: dict[str, str]

    def run(self, dag_id: str, run_id: str, logical_date: str | None = LOGICAL_DATE) -> dict[str, Any]:
        """Trigger a run through the REST API, wait for it to finish and return it."""
        self.airflow.trigger(dag_id, run_id, logical_date)
        self.airflow.wait_for_run(dag_id, run_id, timeout=240)
        return dict(self.airflow.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}"))

    def tries(self, dag_id: str, run_id: str) -> dict[str, tuple[str, int]]:
        """State and tries of each task instance, keyed by task id, or ``task_id[gmaid]`` when mapped."""
        result = {}
        for ti in self.airflow.task_instances(dag_id, run_id):
            key = ti["task_id"]
            if ti["map_index"] >= 0:
                fields = ti["rendered_fields"]
                gmaid = fields.get("gmaid") or fields.get("op_kwargs", {}).get("gmaid") or ti["map_index"]
                key += f"[{gmaid}]"
            result[key] = (ti["state"], ti["try_number"])
        return result

    def token_grants(self, since: int) -> list[Any]:
        return [r for r in self.sandbox.control.requests[since:] if r.path == "/oauth/token"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start the sandbox, then the deployment, once for the module; stop both at the end, also after a failure."""
    root = tmp_path_factory.mktemp("deployment")
    config = SandboxConfig(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        users=(
            SandboxUser(email=USER, password=PASSWORD, advertisers=ADVERTISERS),
            SandboxUser(
                email=CHAIN_USER, password=OTHER_PASSWORDS[0], advertisers=("USA_100001", "USA_100002")
            ),
            SandboxUser(
                email=PARALLEL_USER,
                password=OTHER_PASSWORDS[1],
                hipaa_access=True,
                advertisers=tuple(PARALLEL_GMAIDS),
            ),
        ),
    )
    sandbox = start(config)
    try:
        ledger = TokenLedger(sandbox)
        bootstrap = {
            "localiq_rt": sandbox.control.issue_refresh_token(CHAIN_USER),
            "localiq_rt_parallel": sandbox.control.issue_refresh_token(PARALLEL_USER),
        }
        warehouse = Warehouse("duckdb", root / "warehouse.duckdb")
        airflow = AirflowDeployment(
            home=root / "airflow",
            dags_folder=dags_folder(root),
            env=environment(sandbox, warehouse, bootstrap),
        )
        try:
            airflow.start()
            yield Stack(sandbox, airflow, warehouse, ledger, bootstrap)
        finally:
            airflow.stop()
    finally:
        sandbox.stop()


def environment(sandbox: Sandbox, warehouse: Warehouse, bootstrap: dict[str, str]) -> dict[str, str]:
    """The connections, Variable and settings the deployment's processes start with."""
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    refresh_only = {
        f"AIRFLOW_CONN_{conn_id.upper()}": connection_json(
            sandbox.url, login=None, password=None, refresh_token=token, **credentials
        )
        for conn_id, token in bootstrap.items()
    }
    return {
        "AIRFLOW_CONN_LOCALIQ_DEFAULT": connection_json(
            sandbox.url, login=USER, password=PASSWORD, **credentials
        ),
        **refresh_only,
        "AIRFLOW_CONN_LOCALIQ_WAREHOUSE": json.dumps({"conn_type": "duckdb", "host": str(warehouse.path)}),
        "AIRFLOW_VAR_LOCALIQ_PII_SALT": PII_SALT,
        "AIRFLOW__CORE__PARALLELISM": str(PARALLELISM),
        # Only the runs the tests trigger: no scheduled run of the @daily examples on unpause.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }


def dags_folder(root: Path) -> Path:
    """A DAGs folder with the example DAGs and the test DAGs, linked from where they live."""
    folder = root / "dags"
    folder.mkdir()
    for source in [*sorted((REPO_ROOT / "dags_examples").glob("*.py")), *sorted(TEST_DAGS.glob("*.py"))]:
        (folder / source.name).symlink_to(source)
    return folder


def window_of(warehouse: Warehouse, table: str) -> set[tuple[str, str]]:
    sql = f'SELECT DISTINCT CAST("_window_start" AS TEXT), CAST("_window_end" AS TEXT) FROM "{table}"'
    return {(str(start), str(end)) for start, end in warehouse.rows(sql)}


def stored_ids(warehouse: Warehouse, table: str) -> list[int]:
    return sorted(row[0] for row in warehouse.rows(f'SELECT "id" FROM "{table}"'))


def test_reports_dag_loads_each_advertiser_once_with_parallel_writers(stack: Stack) -> None:
    before = {report: served_table_rows(stack.sandbox, report) for report in DATED_REPORTS}

    run = stack.run("localiq_reports_daily", "reports_with_logical_date")

    assert run["state"] == "success"
    tries = stack.tries("localiq_reports_daily", "reports_with_logical_date")
    assert tries == {
        "list_advertisers": ("success", 1),
        **{f"load_reports[{gmaid}]": ("success", 1) for gmaid in ADVERTISERS if gmaid != "USA_100090"},
        "load_reports[USA_100090]": ("skipped", 1),
    }
    compared = 0
    for report in DATED_REPORTS:
        for table, served in served_table_rows(stack.sandbox, report).items():
            assert stack.warehouse.count(table) == served - before[report][table], table
            compared += 1
    assert compared >= 15
    assert window_of(stack.warehouse, "localiq_lead_detail__totals_per_interval") == {
        ("2026-11-02", "2026-11-02")
    }
    # Four workers wrote one DuckDB file: some of them waited for the lock, none failed on it.
    logs = stack.airflow.task_logs("localiq_reports_daily", "reports_with_logical_date")
    assert "DuckDB database is locked by another process" in logs


def test_manual_runs_without_a_logical_date_cover_the_day_before_they_ran(stack: Stack) -> None:
    contacts_before = stack.sandbox.control.served_ids("crm_contacts")
    stack.airflow.trigger("localiq_leads_daily", "leads_without_logical_date", None)
    reports = stack.run("localiq_reports_daily", "reports_without_logical_date", None)
    stack.airflow.wait_for_run("localiq_leads_daily", "leads_without_logical_date", timeout=240)
    leads = stack.airflow.api("GET", "/dags/localiq_leads_daily/dagRuns/leads_without_logical_date")

    assert (reports["state"], reports["logical_date"]) == ("success", None)
    assert (leads["state"], leads["logical_date"]) == ("success", None)
    day = pendulum.parse(reports["run_after"]).in_timezone("UTC").date() - timedelta(days=1)
    rows = stack.warehouse.rows(
        'SELECT "_gmaid" FROM "localiq_lead_detail__totals_per_interval" '
        f"WHERE \"_window_start\" = DATE '{day}' AND \"_window_end\" = DATE '{day}'"
    )
    assert sorted(row[0] for row in rows) == sorted(gmaid for gmaid in ADVERTISERS if gmaid != "USA_100090")

    lead_day = pendulum.parse(leads["run_after"]).in_timezone("UTC").date() - timedelta(days=1)
    assert window_of(stack.warehouse, "localiq_crm_contacts") == {
        (str(lead_day - timedelta(days=3)), str(lead_day + timedelta(days=1)))
    }
    served = stack.sandbox.control.served_ids("crm_contacts") - contacts_before
    assert served
    assert stored_ids(stack.warehouse, "localiq_crm_contacts") == sorted(served)
    tries = stack.tries("localiq_leads_daily", "leads_without_logical_date")
    assert tries["load_leads[USA_100091]"] == ("skipped", 1)
    assert sum(state == ("success", 1) for state in tries.values()) == 4


def test_refresh_token_only_connection_keeps_its_chain_across_runs(stack: Stack) -> None:
    control = stack.sandbox.control
    since = len(control.requests)

    first = stack.run("localiq_test_refresh_chain", "chain_first", "2026-11-03T00:00:00+00:00")
    # A day later LocalIQ has expired the access token, so the second run must refresh again.
    control.expire_access_tokens()
    second = stack.run("localiq_test_refresh_chain", "chain_second", "2026-11-04T00:00:00+00:00")

    assert (first["state"], second["state"]) == ("success", "success")
    grants = stack.token_grants(since)
    assert [(r.grant_type, r.status) for r in grants] == [("refresh_token", 200), ("refresh_token", 200)]
    assert control.count("/oauth/token", status=400) == 0
    assert sum(r.status == 401 for r in control.requests[since:]) >= 1
    assert not control.is_refresh_token_valid(stack.bootstrap["localiq_rt"])
    chain = stack.ledger.refresh_tokens[CHAIN_USER]
    assert [token for token in chain if control.is_refresh_token_valid(token)] == [chain[-1]]
    assert len(chain) == 3
    # The worker stored the rotated token in the Variable; the API shows the tokens in it masked.
    variable = json.loads(stack.airflow.api("GET", "/variables/localiq_rt__refresh_token")["value"])
    assert (variable["refresh_token"], variable["access_token"]) == ("***", "***")
    windows = window_of(stack.warehouse, "chain_crm_contacts")
    assert windows == {("2026-11-02", "2026-11-03"), ("2026-11-03", "2026-11-04")}


def test_parallel_mapped_tasks_share_one_refresh_token_chain(stack: Stack) -> None:
    control = stack.sandbox.control
    since = len(control.requests)
    # Tokens fresh for a few seconds only (the hook renews two minutes before expiry): each task renews.
    control.configure(token_ttl_seconds=123, latency_ms=300)
    try:
        runs = [
            stack.run("localiq_test_parallel_refresh", f"parallel_{day}", f"{day}T00:00:00+00:00")
            for day in ("2026-11-10", "2026-11-20")
        ]
    finally:
        control.configure(token_ttl_seconds=7200, latency_ms=0)

    for run in runs:
        assert run["state"] == "success"
        tries = stack.tries("localiq_test_parallel_refresh", run["dag_run_id"])
        assert tries == {f"read_leads[{gmaid}]": ("success", 1) for gmaid in PARALLEL_GMAIDS}
        counts = stack.airflow.xcom_values("localiq_test_parallel_refresh", run["dag_run_id"])
        assert counts == [str(PARALLEL_DAYS * 16)] * len(PARALLEL_GMAIDS)
    grants = stack.token_grants(since)
    assert {r.grant_type for r in grants} == {"refresh_token"}
    chain = stack.ledger.refresh_tokens[PARALLEL_USER]
    sent = [(token, accepted) for token, accepted in stack.ledger.redeemed if token in chain]
    accepted = [token for token, ok in sent if ok]
    refused = Counter(token for token, ok in sent if not ok)
    assert len(accepted) >= 4  # the first refresh of each run and renewals inside the runs
    # Tasks renewing at the same moment lose to the first: each other task is refused once, then
    # picks up the winner's token; no task sends a refused token again.
    assert max(refused.values(), default=0) <= PARALLELISM - 1
    assert set(refused) <= set(accepted)
    assert sum(r.status == 400 for r in grants) == sum(refused.values())
    assert not control.is_refresh_token_valid(stack.bootstrap["localiq_rt_parallel"])
    assert [token for token in chain if control.is_refresh_token_valid(token)] == [chain[-1]]


def lead_pii(stack: Stack, gmaid: str, first: date, end: date) -> set[str]:
    """Emails, phone numbers, names and addresses of the leads the sandbox serves for a window."""
    url = stack.sandbox.url
    grant = {
        "grant_type": "password",
        "username": USER,
        "password": PASSWORD,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    token = requests.post(f"{url}/oauth/token", json=grant, timeout=10).json()["access_token"]
    values: set[str] = set()
    for path, key in (("/crm/contacts", "contacts"), ("/crm/contact_interactions", "contact_interactions")):
        query = {
            "global_master_advertiser_id": gmaid,
            "created_after_date": first.isoformat(),
            "created_before_date": end.isoformat(),
            "page": 1,
        }
        body = requests.get(f"{url}{path}", params=query, headers={"Authorization": token}, timeout=10).json()
        assert body["total_pages"] == 1
        for record in body[key]:
            person = record.get("contact", record)
            values.update(
                str(person[name]) for name in ("email", "last_name", "address1") if person.get(name)
            )
            values.update(str(value) for name, value in person.items() if name.startswith("phone_"))
            if record.get("call", {}).get("caller_number"):
                values.add(str(record["call"]["caller_number"]))
    return values


def everything_kept(stack: Stack) -> dict[str, str]:
    """Every log file of the deployment, and the XComs and rendered fields of every run, by source."""
    texts = {
        str(path): path.read_text(errors="replace") for path in sorted(stack.airflow.home.rglob("*.log"))
    }
    runs = stack.airflow.api("GET", "/dags/~/dagRuns", params={"limit": 100})["dag_runs"]
    for run in runs:
        dag_id, run_id = run["dag_id"], run["dag_run_id"]
        texts[f"xcom {dag_id}/{run_id}"] = "\n".join(stack.airflow.xcom_values(dag_id, run_id))
        fields = [ti["rendered_fields"] for ti in stack.airflow.task_instances(dag_id, run_id)]
        texts[f"rendered fields {dag_id}/{run_id}"] = json.dumps(fields)
    return texts


def test_no_secret_or_lead_pii_in_logs_xcoms_or_rendered_fields(stack: Stack) -> None:
    pii = lead_pii(stack, "USA_100001", date(2026, 11, 2), date(2026, 11, 3))

    run = stack.run("localiq_test_pii", "pii_and_a_failure")

    assert run["state"] == "failed"
    tries = stack.tries("localiq_test_pii", "pii_and_a_failure")
    assert tries == {"load_leads_keeping_pii": ("success", 1), "load_forbidden_leads": ("failed", 1)}
    stored = {
        str(row[0])
        for row in stack.warehouse.rows('SELECT "email" FROM "pii_crm_contacts" WHERE "email" IS NOT NULL')
    }
    assert stored
    assert stored <= pii  # the personal data did pass through the worker
    # Each advertiser is its own transaction: USA_100001 stays written although USA_100090 failed.
    written = stack.warehouse.count("pii_forbidden_crm_contacts", "\"_gmaid\" = 'USA_100001'")
    assert written == stack.warehouse.count("pii_crm_contacts") > 0

    secret_values = {
        "password": [PASSWORD, *OTHER_PASSWORDS],
        "client secret": [CLIENT_SECRET],
        "pii salt": [PII_SALT],
        "token": [*stack.bootstrap.values(), *stack.ledger.values],
    }
    assert len(secret_values["token"]) >= 10
    kept = everything_kept(stack)
    assert sum("dag_id=" in source for source in kept) >= 20
    assert any("LocalIQ answered 403 not_authorized" in text for text in kept.values())
    leaks = [
        (source, kind)
        for source, text in kept.items()
        for kind, values in [*secret_values.items(), ("lead PII", sorted(pii))]
        if any(appears(value, text) for value in values)
    ]
    assert leaks == []


def appears(value: str, text: str) -> bool:
    """Whether ``value`` occurs in ``text``; a phone number only as a whole number, not inside a longer one."""
    if value.isdigit():
        return re.search(rf"(?<!\d){value}(?!\d)", text) is not None
    return value in text
