"""Settings from the Python API, ``LOCALIQ_SANDBOX_*`` variables and flags, and the README's table of them."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from airflow_provider_localiq.sandbox import SandboxAdvertiser, SandboxConfig
from airflow_provider_localiq.sandbox.__main__ import connection_document, parse_config
from airflow_provider_localiq.sandbox.settings import SETTINGS, parse_scripts, values_from_env

pytestmark = pytest.mark.timeout(60)

README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_are_the_documented_api_without_faults() -> None:
    config = SandboxConfig()

    assert (config.host, config.port, config.rate_limit, config.retry_after) == ("127.0.0.1", 0, 20, None)
    assert config.token_ttl_seconds == 7200
    assert (config.latency_ms, config.error_rate, config.drop_rate, config.slow_rate) == (0, 0, 0, 0)
    assert (config.identity_page_size, config.keyword_page_size) == (5000, 15)
    assert [a.gmaid for a in config.advertisers] == [
        "USA_100001",
        "USA_100002",
        "USA_100003",
        "USA_100090",
        "USA_100091",
        "CAN_200001",
    ]
    (user,) = config.users
    assert (user.email, user.password, user.hipaa_access) == ("demo@example.com", "demo-password", False)
    assert "CAN_200001" not in user.advertisers
    assert (config.client_id, config.client_secret) == ("demo-client", "demo-secret")


def test_environment_variables_set_every_kind_of_value() -> None:
    environ = {
        "LOCALIQ_SANDBOX_LATENCY_MS": "150",
        "LOCALIQ_SANDBOX_RATE_LIMIT": "0",
        "LOCALIQ_SANDBOX_RETRY_AFTER": "3",
        "LOCALIQ_SANDBOX_HIPAA_ACCESS": "yes",
        "LOCALIQ_SANDBOX_TODAY": "2024-06-30",
        "LOCALIQ_SANDBOX_ERROR_STATUSES": "502,503",
        "LOCALIQ_SANDBOX_FAULT_PATHS": "/crm,/client_reports",
        "LOCALIQ_SANDBOX_SCRIPTS": '{"/crm/contacts": [503, "drop", 200]}',
        "LOCALIQ_SANDBOX_PAGINATION_FAULT": "repeat",
        "UNRELATED": "1",
    }

    config = SandboxConfig.from_env(environ, seed=9)

    assert (config.latency_ms, config.rate_limit, config.retry_after, config.hipaa_access) == (
        150,
        0,
        3,
        True,
    )
    assert config.today == date(2024, 6, 30)
    assert config.error_statuses == (502, 503)
    assert config.fault_paths == ("/crm", "/client_reports")
    assert config.scripts == {"/crm/contacts": (503, "drop", 200)}
    assert (config.pagination_fault, config.seed) == ("repeat", 9)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LOCALIQ_SANDBOX_RATE_LIMIT", "fast", "LOCALIQ_SANDBOX_RATE_LIMIT"),
        ("LOCALIQ_SANDBOX_HIPAA_ACCESS", "maybe", "expected a boolean"),
        ("LOCALIQ_SANDBOX_PAGINATION_FAULT", "loop", "pagination fault must be one of"),
        ("LOCALIQ_SANDBOX_SCRIPTS", "/crm=boom", "must be one of"),
    ],
)
def test_bad_environment_values_name_the_variable_or_value(variable: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        values_from_env({variable: value})


def test_scripts_parse_from_both_text_forms() -> None:
    assert parse_scripts("/crm/contacts=503,drop;/oauth/token=slow,200") == {
        "/crm/contacts": (503, "drop"),
        "/oauth/token": ("slow", 200),
    }
    assert parse_scripts('{"/identities/v3": ["malformed"]}') == {"/identities/v3": ("malformed",)}
    assert parse_scripts("") == {}
    with pytest.raises(ValueError, match="PATH=STEP"):
        parse_scripts("/crm/contacts")


def test_flags_override_environment_which_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALIQ_SANDBOX_LATENCY_MS", "50")
    monkeypatch.setenv("LOCALIQ_SANDBOX_CRM_PAGE_SIZE", "7")

    config, level = parse_config(
        [
            "--latency-ms",
            "150",
            "--hipaa-access",
            "--script",
            "/crm/contacts=503",
            "--script",
            "/oauth/token=502",
            "--log-level",
            "debug",
        ]
    )

    assert (config.port, config.host) == (8765, "127.0.0.1")
    assert (config.latency_ms, config.crm_page_size, level, config.hipaa_access) == (150, 7, "debug", True)
    assert config.scripts == {"/crm/contacts": (503,), "/oauth/token": (502,)}


def test_bad_flag_exits_with_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parse_config(["--error-rate", "2"])

    assert caught.value.code == 2
    assert "fault rates" in capsys.readouterr().err


def test_fixture_file_replaces_users_and_advertisers(tmp_path: Path) -> None:
    fixture = tmp_path / "fixture.json"
    fixture.write_text(
        json.dumps(
            {
                "client_id": "my-client",
                "client_secret": "my-secret",
                "advertisers": [{"gmaid": "GBR_5", "name": "Shop", "active_state": 1}],
                "users": [{"email": "me@example.com", "password": "pw", "advertisers": ["GBR_5"]}],
            }
        )
    )

    config, _ = parse_config(["--fixture", str(fixture)])

    assert (config.client_id, config.client_secret) == ("my-client", "my-secret")
    assert config.advertisers == (SandboxAdvertiser("GBR_5", "Shop", active_state=1),)
    assert config.users[0].advertisers == ("GBR_5",)
    assert connection_document("http://127.0.0.1:1", config) == {
        "conn_type": "localiq",
        "host": "http://127.0.0.1:1",
        "login": "me@example.com",
        "password": "pw",
        "extra": {"client_id": "my-client", "client_secret": "my-secret"},
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"advertisers": (SandboxAdvertiser("USA_1", "A"), SandboxAdvertiser("USA_1", "B"))}, "distinct"),
        ({"advertisers": ()}, "unknown advertisers"),
        ({"crm_page_size": 0}, "crm_page_size"),
        ({"token_ttl_seconds": 0}, "positive"),
        ({"error_statuses": [200, 99]}, "HTTP statuses"),
        ({"scripts": {"/x": ["teleport"]}}, "must be one of"),
        ({"contacts_per_day": 2_000_000}, "<= 1048576"),
    ],
    ids=["duplicate-gmaid", "user-links-unknown", "page-size", "ttl", "statuses", "script", "volume"],
)
def test_invalid_configs_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxConfig().replace(**changes)


def test_gmaid_format_is_checked() -> None:
    with pytest.raises(ValueError, match="gmaid must look like"):
        SandboxAdvertiser("usa-1", "Bad")


def test_readme_documents_every_setting_with_its_flag_and_variable() -> None:
    text = README.read_text(encoding="utf-8")

    for setting in SETTINGS:
        row = re.search(rf"^\| `{setting.name}` \|.*$", text, re.MULTILINE)
        assert row, f"README has no row for {setting.name}"
        assert f"`{setting.flag}" in row.group(0)
        assert f"`{setting.env_var}`" in row.group(0)
