"""Command line: ``python -m airflow_provider_localiq.sandbox`` (or ``localiq-sandbox``).

Serves in the foreground until Ctrl-C. Settings come from the built-in defaults, then
``LOCALIQ_SANDBOX_<SETTING>`` variables, then flags; ``--help`` lists them all.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
from typing import TextIO

from airflow_provider_localiq.sandbox.config import SandboxConfig
from airflow_provider_localiq.sandbox.control import SandboxControl
from airflow_provider_localiq.sandbox.server import bind, build_server, url_for
from airflow_provider_localiq.sandbox.settings import add_arguments, values_from_arguments, values_from_env

CLI_DEFAULT_PORT = 8765
_STATES = {0: "inactive", 1: "grace period", 2: "active"}


def parse_config(argv: list[str] | None = None) -> tuple[SandboxConfig, str]:
    """Return the config and log level the command line and the environment ask for."""
    parser = argparse.ArgumentParser(
        prog="localiq-sandbox",
        description="Serve an offline LocalIQ API on loopback, with optional fault injection.",
    )
    add_arguments(parser)
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    arguments = parser.parse_args(argv)
    try:
        values = {"port": CLI_DEFAULT_PORT, **values_from_env(), **values_from_arguments(arguments)}
        return SandboxConfig(**values), str(arguments.log_level)
    except (TypeError, ValueError) as err:
        parser.error(str(err))


def connection_document(url: str, config: SandboxConfig) -> dict[str, object]:
    """Return the Airflow connection, in ``AIRFLOW_CONN_<ID>`` JSON form, that points at this sandbox."""
    user = config.users[0]
    return {
        "conn_type": "localiq",
        "host": url,
        "login": user.email,
        "password": user.password,
        "extra": {"client_id": config.client_id, "client_secret": config.client_secret},
    }


def print_banner(url: str, config: SandboxConfig, out: TextIO) -> None:
    """Tell the user where the sandbox listens and how to connect to it."""
    lines = [f"LocalIQ sandbox listening on {url}"]
    for user in config.users:
        lines.append(f"  user {user.email}  password {user.password}")
    lines.append(f"  client_id {config.client_id}  client_secret {config.client_secret}")
    for advertiser in config.advertisers:
        notes = [_STATES[advertiser.active_state]]
        if advertiser.hipaa_protected:
            notes.append("HIPAA")
        if not any(advertiser.gmaid in user.advertisers for user in config.users):
            notes.append("not linked to any user")
        lines.append(f"  advertiser {advertiser.gmaid} ({', '.join(notes)})")
    if config.users:
        document = json.dumps(connection_document(url, config))
        lines += ["Airflow connection:", f"  export AIRFLOW_CONN_LOCALIQ_DEFAULT='{document}'"]
    lines.append("Press Ctrl-C to stop.")
    out.write("\n".join(lines) + "\n")
    out.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox in the foreground; return the process exit status."""
    config, log_level = parse_config(argv)
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    control = SandboxControl(config)
    try:
        listener = bind(config)
    except OSError as err:
        print(f"cannot listen on {config.host}:{config.port}: {err}; pick another --port", file=sys.stderr)
        return 1
    url = url_for(listener)
    server = build_server(control, log_level=log_level)
    # This process only serves: build the generators now and keep them out of the collector's way,
    # so that long runs do not pause the server (which would bunch the requests its limit counts).
    from airflow_provider_localiq.sandbox.app import prepare_generators

    prepare_generators(config)
    gc.freeze()
    print_banner(url, config, sys.stdout)

    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
