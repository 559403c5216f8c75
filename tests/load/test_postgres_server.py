"""The PostgreSQL test server helper: finding binaries and the server it starts."""

from __future__ import annotations

import pytest

from tests import postgres_server as helper


def test_finds_no_binaries_where_none_are_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(helper.glob, "glob", lambda pattern: [])

    assert helper.find_binaries() is None
    assert "install the Debian package postgresql" in helper.BINARIES_MISSING


@pytest.mark.postgres
def test_server_accepts_password_logins_on_loopback(postgres_server):
    import psycopg

    with psycopg.connect(postgres_server.uri) as connection:
        user, address = connection.execute("SELECT current_user, inet_server_addr()::text").fetchone()

    assert (user, address) == ("localiq", "127.0.0.1/32")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(postgres_server.uri.replace(postgres_server.password, "wrong"))
