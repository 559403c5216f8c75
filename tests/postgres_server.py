"""Start a throwaway PostgreSQL server for tests, from the server binaries installed on this machine.

Use it through a session fixture made by :func:`postgres_server_fixture`::

    # conftest.py
    from tests.postgres_server import postgres_server_fixture

    postgres_server = postgres_server_fixture()

    # a test
    def test_something(postgres_server, monkeypatch):
        database = postgres_server.create_database()
        monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", postgres_server.connection_json(database))

The server listens on a free port of 127.0.0.1, keeps its socket and data in a temporary
directory, runs with durability off (tests need no crash safety) and is stopped at teardown.
When this process runs as root, the server runs as the ``postgres`` system user (or ``nobody``),
since PostgreSQL refuses to run as root. Without server binaries the fixture skips.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

BINARIES_MISSING = "PostgreSQL server binaries not found; install the Debian package postgresql"
_USER = "localiq"
_START_ATTEMPTS = 3


@dataclass(frozen=True)
class PostgresServer:
    """Where a running test server listens and how to log in to it."""

    host: str
    port: int
    user: str
    password: str
    database: str
    socket_dir: Path

    @property
    def uri(self) -> str:
        """Return a ``postgresql://`` URI for the default database."""
        return self.uri_for(self.database)

    def uri_for(self, database: str) -> str:
        """Return a ``postgresql://`` URI for the named database."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def connection_json(
        self, database: str | None = None, *, search_path: str | None = None, **extra: Any
    ) -> str:
        """Return the database as an Airflow connection, the way ``AIRFLOW_CONN_<ID>`` expects it.

        ``search_path`` makes that schema the connection's default, through the ``options`` extra.
        """
        if search_path is not None:
            extra["options"] = f"-c search_path={search_path} {extra.get('options', '')}".strip()
        document: dict[str, Any] = {
            "conn_type": "postgres",
            "host": self.host,
            "port": self.port,
            "login": self.user,
            "password": self.password,
            "schema": database or self.database,
        }
        if extra:
            document["extra"] = extra
        return json.dumps(document)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database, named at random unless given, and return its name."""
        import psycopg

        name = name or f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.uri, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def create_schema(self, database: str | None = None, name: str | None = None) -> str:
        """Create an empty schema in the database, named at random unless given, and return its name.

        Much faster than a database per test: pair it with ``connection_json(search_path=...)``.
        """
        import psycopg

        name = name or f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.uri_for(database or self.database), autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{name}"')
        return name


def find_binaries() -> Path | None:
    """Return the directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or ``None``."""
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(os.path.realpath(on_path)).parent)
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates.extend(Path(directory) for directory in debian)

    for directory in candidates:
        if all(os.access(directory / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


@contextmanager
def running_postgres(binaries: Path) -> Iterator[PostgresServer]:
    """Initialise a cluster in a temporary directory, start it, yield it, and stop and remove it."""
    run_as = _server_user()
    base = Path(tempfile.mkdtemp(prefix="localiq-postgres-"))
    try:
        password = secrets.token_hex(12)
        (base / "password").write_text(password)
        (base / "socket").mkdir()
        if run_as is not None:
            _chown_tree(base, run_as)
        data = base / "data"

        _run(
            run_as,
            [
                str(binaries / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                _USER,
                "--pwfile",
                str(base / "password"),
                "--auth",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        )
        port = _start(run_as, binaries, base)
        try:
            yield PostgresServer(
                host="127.0.0.1",
                port=port,
                user=_USER,
                password=password,
                database="postgres",
                socket_dir=base / "socket",
            )
        finally:
            _run(
                run_as,
                [str(binaries / "pg_ctl"), "--pgdata", str(data), "--mode", "immediate", "--wait", "stop"],
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)


def postgres_server_fixture(name: str = "postgres_server") -> Callable[..., Iterator[PostgresServer]]:
    """Return a session-scoped fixture that yields a running :class:`PostgresServer`."""

    @pytest.fixture(scope="session", name=name)
    def _postgres_server() -> Iterator[PostgresServer]:
        binaries = find_binaries()
        if binaries is None:
            pytest.skip(BINARIES_MISSING)
        with running_postgres(binaries) as server:
            yield server

    return _postgres_server


def _start(run_as: str | None, binaries: Path, base: Path) -> int:
    """Start the server on a free port, retrying with another port if that one was taken meanwhile."""
    error: subprocess.CalledProcessError | None = None
    for _ in range(_START_ATTEMPTS):
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {base / 'socket'} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        command = [
            str(binaries / "pg_ctl"),
            "--pgdata",
            str(base / "data"),
            "--log",
            str(base / "server.log"),
        ]
        try:
            _run(run_as, [*command, "--options", options, "--wait", "--timeout", "60", "start"])
            return port
        except subprocess.CalledProcessError as err:
            error = err
    log_tail = (
        (base / "server.log").read_text(errors="replace")[-2000:] if (base / "server.log").exists() else ""
    )
    raise RuntimeError(
        f"PostgreSQL did not start after {_START_ATTEMPTS} attempts; server log:\n{log_tail}"
    ) from error


def _run(run_as: str | None, command: list[str]) -> None:
    if run_as is not None:
        if shutil.which("runuser"):
            command = ["runuser", "-u", run_as, "--", *command]
        else:
            command = ["su", "-s", "/bin/sh", run_as, "-c", shlex.join(command)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd="/")
    if completed.returncode != 0:
        raise subprocess.CalledProcessError(
            completed.returncode, command, output=completed.stdout, stderr=completed.stderr
        )


def _server_user() -> str | None:
    """Return the user to run the server as: ``None`` (this one) unless this process is root."""
    if os.geteuid() != 0:
        return None
    for candidate in ("postgres", "nobody"):
        try:
            pwd.getpwnam(candidate)
        except KeyError:
            continue
        return candidate
    raise RuntimeError(
        "Running as root, but neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL."
    )


def _chown_tree(path: Path, user: str) -> None:
    record = pwd.getpwnam(user)
    for root, directories, files in os.walk(path):
        for entry in (root, *(os.path.join(root, name) for name in directories + files)):
            os.chown(entry, record.pw_uid, record.pw_gid)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _version_key(directory: str) -> tuple[int, ...]:
    version = Path(directory).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())
