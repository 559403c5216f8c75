"""Connection parsing: the three ways to define a connection agree, and bad settings name the field."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from airflow.sdk import Connection

from airflow_provider_localiq.exceptions import LocalIQConfigError
from airflow_provider_localiq.hooks.localiq import LocalIQHook
from airflow_provider_localiq.hooks.settings import DEFAULT_HOST, parse_connection

EXTRA = {
    "client_id": "demo-client",
    "client_secret": "s3cret-client",
    "timeout": 30,
    "requests_per_second": 10,
}


def test_ui_json_env_and_uri_give_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    ui = Connection(
        conn_id="localiq_default",
        conn_type="localiq",
        host="api.localiqservices.com",
        login="reports+agency@example.com",
        password="p@ss:word/1",
        extra=json.dumps(EXTRA),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_LOCALIQ_DEFAULT",
        json.dumps(
            {
                "conn_type": "localiq",
                "host": "api.localiqservices.com",
                "login": "reports+agency@example.com",
                "password": "p@ss:word/1",
                "extra": EXTRA,
            }
        ),
    )
    from_env = LocalIQHook().settings
    monkeypatch.setenv(
        "AIRFLOW_CONN_LOCALIQ_DEFAULT",
        f"localiq://{quote('reports+agency@example.com', safe='')}:{quote('p@ss:word/1', safe='')}"
        "@api.localiqservices.com?client_id=demo-client&client_secret=s3cret-client&timeout=30"
        "&requests_per_second=10",
    )
    from_uri = LocalIQHook().settings

    assert parse_connection(ui) == from_env == from_uri
    assert from_uri.base_url == "https://api.localiqservices.com"
    assert from_uri.username == "reports+agency@example.com"
    assert from_uri.password == "p@ss:word/1"
    assert from_uri.timeout == 30.0
    assert from_uri.requests_per_second == 10.0


def test_defaults_apply_when_host_and_numbers_are_absent() -> None:
    conn = Connection(
        conn_id="c",
        conn_type="localiq",
        login="a@example.com",
        password="pw",
        extra=json.dumps({"client_id": "i", "client_secret": "s"}),
    )

    settings = parse_connection(conn)

    assert settings.base_url == DEFAULT_HOST
    assert settings.timeout == 60.0
    assert settings.requests_per_second == 20.0
    assert settings.uses_password_grant


def test_refresh_token_only_connection_uses_the_refresh_grant() -> None:
    conn = Connection(
        conn_id="c",
        conn_type="localiq",
        extra=json.dumps({"client_id": "i", "client_secret": "s", "refresh_token": "rt-1"}),
    )

    settings = parse_connection(conn)

    assert not settings.uses_password_grant
    assert settings.refresh_token == "rt-1"


def test_loopback_http_is_allowed_with_port() -> None:
    conn = Connection(
        conn_id="c",
        conn_type="localiq",
        host="http://127.0.0.1:8765",
        login="a@example.com",
        password="pw",
        extra=json.dumps({"client_id": "i", "client_secret": "s"}),
    )

    assert parse_connection(conn).base_url == "http://127.0.0.1:8765"


BAD_SETTINGS = [
    pytest.param({"extra": "{not json"}, "extra", "not valid JSON", id="extra-invalid-json"),
    pytest.param({"extra": "[1, 2]"}, "extra", "JSON object", id="extra-not-object"),
    pytest.param({"extra": {"client_secret": "s"}}, "client_id", "missing", id="missing-client-id"),
    pytest.param({"extra": {"client_id": "i"}}, "client_secret", "missing", id="missing-client-secret"),
    pytest.param(
        {"extra": {"client_id": 5, "client_secret": "s"}}, "client_id", "string", id="client-id-int"
    ),
    pytest.param({"timeout": "soon"}, "timeout", "positive number", id="timeout-text"),
    pytest.param({"timeout": -1}, "timeout", "positive number", id="timeout-negative"),
    pytest.param({"timeout": True}, "timeout", "boolean", id="timeout-bool"),
    pytest.param({"requests_per_second": 0}, "requests_per_second", "positive", id="rate-zero"),
    pytest.param({"allow_insecure_http": "nope"}, "allow_insecure_http", "true or false", id="bool-garbage"),
    pytest.param({"host": "http://api.example.test"}, "host", "plain http", id="http-not-loopback"),
    pytest.param(
        {"host": "http://api.example.test", "allow_insecure_http": "False"},
        "host",
        "plain http",
        id="http-with-false-string",
    ),
    pytest.param({"host": "ftp://api.example.test"}, "host", "https", id="wrong-scheme"),
    pytest.param({"host": "https://api.example.test/v1"}, "host", "without a path", id="host-with-path"),
    pytest.param({"login": "not-an-email"}, "login", "email", id="login-not-email"),
    pytest.param({"password": None}, "password", "refresh_token", id="no-password-no-refresh-token"),
    pytest.param({"login": None}, "login", "empty while a password", id="password-without-login"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_SETTINGS)
def test_bad_setting_names_the_field_and_hides_secrets(
    change: dict[str, object], field: str, message: str
) -> None:
    base: dict[str, object] = {
        "host": None,
        "login": "a@example.com",
        "password": "TOP-SECRET-PASSWORD",
        "extra": {"client_id": "i", "client_secret": "TOP-SECRET-CLIENT"},
    }
    extra_keys = {"timeout", "requests_per_second", "allow_insecure_http"}
    for key, value in change.items():
        if key in extra_keys:
            assert isinstance(base["extra"], dict)
            base["extra"][key] = value
        else:
            base[key] = value
    extra = base["extra"]
    conn = Connection(
        conn_id="bad_conn",
        conn_type="localiq",
        host=base["host"],  # type: ignore[arg-type]
        login=base["login"],  # type: ignore[arg-type]
        password=base["password"],  # type: ignore[arg-type]
        extra=extra if isinstance(extra, str) else json.dumps(extra),
    )

    with pytest.raises(LocalIQConfigError, match=message) as caught:
        parse_connection(conn)

    assert caught.value.field == field
    assert str(caught.value).startswith(f"Connection 'bad_conn': {field} ")
    assert "TOP-SECRET" not in str(caught.value)


def test_bool_strings_are_parsed_not_truthy() -> None:
    conn = Connection(
        conn_id="c",
        conn_type="localiq",
        host="http://api.example.test",
        login="a@example.com",
        password="pw",
        extra=json.dumps({"client_id": "i", "client_secret": "s", "allow_insecure_http": "True"}),
    )

    assert parse_connection(conn).base_url == "http://api.example.test"


def test_unknown_extra_is_warned_by_name_only(caplog: pytest.LogCaptureFixture) -> None:
    conn = Connection(
        conn_id="c",
        conn_type="localiq",
        login="a@example.com",
        password="pw",
        extra=json.dumps({"client_id": "i", "client_secret": "s", "clientsecret": "LEAKED-VALUE"}),
    )

    parse_connection(conn)

    assert "clientsecret" in caplog.text
    assert "LEAKED-VALUE" not in caplog.text
