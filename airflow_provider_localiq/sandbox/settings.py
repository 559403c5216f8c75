"""Read sandbox settings from ``LOCALIQ_SANDBOX_<SETTING>`` variables and command-line flags.

One table, ``SETTINGS``, drives both sources and the README's settings table, so a new knob is
added in one place. Values arrive as strings and are parsed here; ``SandboxConfig`` validates them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from airflow_provider_localiq.sandbox.config import (
    FaultStep,
    PaginationFault,
    SandboxAdvertiser,
    SandboxUser,
    validate_steps,
)

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Mapping

ENV_PREFIX = "LOCALIQ_SANDBOX_"


@dataclass(frozen=True)
class Setting:
    """One configurable value: its name in ``SandboxConfig``, how to parse it, and what it does."""

    name: str
    parse: Callable[[str], Any]
    help: str

    @property
    def env_var(self) -> str:
        """The environment variable that sets it."""
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        """The command-line flag that sets it."""
        return "--script" if self.name == "scripts" else "--" + self.name.replace("_", "-")


def parse_bool(text: str) -> bool:
    """Parse ``true/false``, ``1/0``, ``yes/no`` or ``on/off``."""
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected a boolean such as 'true' or 'false', got {text!r}")


def parse_optional_int(text: str) -> int | None:
    """Parse an integer, or ``none``/empty for no value."""
    return None if text.strip().lower() in ("", "none") else int(text)


def parse_optional_date(text: str) -> date | None:
    """Parse ``YYYY-MM-DD``, or ``none``/empty for no value."""
    return None if text.strip().lower() in ("", "none") else date.fromisoformat(text.strip())


def parse_int_list(text: str) -> tuple[int, ...]:
    """Parse a comma-separated list of integers."""
    return tuple(int(item) for item in text.split(",") if item.strip())


def parse_str_list(text: str) -> tuple[str, ...]:
    """Parse a comma-separated list of strings."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def parse_pagination_fault(text: str) -> PaginationFault:
    """Parse one of the pagination fault names."""
    choices: tuple[PaginationFault, ...] = get_args(PaginationFault)
    for choice in choices:
        if text.strip() == choice:
            return choice
    raise ValueError(f"pagination fault must be one of {choices!r}, got {text!r}")


def parse_step(text: str) -> FaultStep:
    """Parse one scripted step: an HTTP status such as ``503`` or a fault name such as ``drop``."""
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() else stripped


def parse_scripts(text: str) -> dict[str, tuple[FaultStep, ...]]:
    """Parse scripted faults, as JSON or as ``PATH=STEP,STEP;PATH=STEP``.

    Example: ``{"/crm/contacts": [503, "drop", 200]}`` or ``/crm/contacts=503,drop,200``.
    """
    stripped = text.strip()
    if not stripped:
        return {}
    if stripped.startswith("{"):
        document = json.loads(stripped)
        if not isinstance(document, dict):
            raise ValueError("scripted faults in JSON must be an object of path -> list of steps")
        pairs = [
            (str(path), tuple(parse_step(str(step)) for step in steps)) for path, steps in document.items()
        ]
    else:
        pairs = []
        for chunk in stripped.split(";"):
            path, separator, steps_text = chunk.partition("=")
            if not separator:
                raise ValueError(f"expected PATH=STEP,STEP in a scripted fault, got {chunk!r}")
            pairs.append(
                (path.strip(), tuple(parse_step(step) for step in steps_text.split(",") if step.strip()))
            )
    for path, steps in pairs:
        validate_steps(path, steps)
    return dict(pairs)


SETTINGS: tuple[Setting, ...] = (
    Setting("host", str, "interface to bind; keep the loopback default unless you mean to share it"),
    Setting("port", int, "TCP port; 0 picks a free one"),
    Setting("seed", int, "seed of the generated data; the same seed always serves the same numbers"),
    Setting(
        "today", parse_optional_date, "date the fixed-window reports treat as today (default: the real date)"
    ),
    Setting("client_id", str, "OAuth client id the token endpoint accepts"),
    Setting("client_secret", str, "OAuth client secret the token endpoint accepts"),
    Setting("hipaa_access", parse_bool, "give every user access to HIPAA-protected advertisers on /crm/*"),
    Setting("token_ttl_seconds", float, "lifetime of access tokens; expired tokens get 401"),
    Setting("authorization_code_ttl_seconds", float, "lifetime of authorization codes"),
    Setting("rate_limit", int, "requests per fixed one-second window across all clients; 0 disables"),
    Setting(
        "retry_after",
        parse_optional_int,
        "seconds sent in Retry-After on 429 responses; none sends no header",
    ),
    Setting("latency_ms", float, "delay added to every response"),
    Setting("jitter_ms", float, "random extra delay, uniform between 0 and this value"),
    Setting("error_rate", float, "share of requests answered with a random status from error_statuses"),
    Setting("error_statuses", parse_int_list, "statuses the random errors pick from (comma-separated)"),
    Setting("drop_rate", float, "share of requests whose connection closes before the body is complete"),
    Setting("malformed_rate", float, "share of requests answered 200 with a truncated JSON body"),
    Setting("slow_rate", float, "share of requests that wait slow_seconds before answering"),
    Setting("slow_seconds", float, "how long a slow response waits; set it above the client timeout"),
    Setting("fault_seed", int, "seed of the random fault sequence"),
    Setting(
        "fault_paths", parse_str_list, "path prefixes random faults apply to (comma-separated; empty = all)"
    ),
    Setting(
        "scripts", parse_scripts, "scripted faults per path prefix, consumed in order: PATH=503,drop,200"
    ),
    Setting("crm_page_size", int, "records per /crm/* page"),
    Setting("identity_page_size", int, "default page_size of /identities/v3"),
    Setting("keyword_page_size", int, "default page_size of the keyword report"),
    Setting("contacts_per_day", int, "CRM contacts created per advertiser per day"),
    Setting("interactions_per_day", int, "CRM contact interactions per advertiser per day"),
    Setting(
        "pagination_fault",
        parse_pagination_fault,
        "CRM next-link fault: none, repeat, end_early, change_filters",
    ),
    Setting("pagination_fault_page", int, "page whose next link carries the pagination fault"),
)

FIXTURE_ENV_VAR = ENV_PREFIX + "FIXTURE"


def values_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings present in the environment as ``SandboxConfig`` keyword arguments."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    fixture_path = environ.get(FIXTURE_ENV_VAR)
    if fixture_path:
        values.update(load_fixture(Path(fixture_path)))

    for setting in SETTINGS:
        raw = environ.get(setting.env_var)
        if raw is None:
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as err:
            raise ValueError(f"{setting.env_var}: {err}") from err
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per setting; an unset flag leaves the environment's or the built-in value."""
    parser.add_argument(
        "--fixture", type=Path, help="JSON file with users, advertisers, client_id, client_secret"
    )
    for setting in SETTINGS:
        if setting.name == "scripts":
            parser.add_argument(
                setting.flag, dest="scripts", action="append", metavar="PATH=STEPS", help=setting.help
            )
        elif setting.parse is parse_bool:
            parser.add_argument(setting.flag, dest=setting.name, nargs="?", const="true", help=setting.help)
        else:
            parser.add_argument(setting.flag, dest=setting.name, help=setting.help)


def values_from_arguments(arguments: argparse.Namespace) -> dict[str, Any]:
    """Return the flags that were given as ``SandboxConfig`` keyword arguments."""
    values: dict[str, Any] = {}
    if arguments.fixture is not None:
        values.update(load_fixture(arguments.fixture))

    for setting in SETTINGS:
        raw = getattr(arguments, setting.name)
        if raw is None:
            continue
        try:
            if setting.name == "scripts":
                values["scripts"] = {
                    path: steps for text in raw for path, steps in parse_scripts(text).items()
                }
            else:
                values[setting.name] = setting.parse(raw)
        except ValueError as err:
            raise ValueError(f"{setting.flag}: {err}") from err
    return values


def load_fixture(path: Path) -> dict[str, Any]:
    """Read users, advertisers and client credentials from a JSON fixture file.

    Example: ``{"client_id": "c", "client_secret": "s", "advertisers": [{"gmaid": "USA_1",
    "name": "Shop"}], "users": [{"email": "a@example.com", "password": "p", "advertisers": ["USA_1"]}]}``
    """
    document = json.loads(path.read_text(encoding="utf-8"))
    values: dict[str, Any] = {}
    for key in ("client_id", "client_secret"):
        if key in document:
            values[key] = str(document[key])
    if "advertisers" in document:
        values["advertisers"] = tuple(SandboxAdvertiser(**item) for item in document["advertisers"])
    if "users" in document:
        values["users"] = tuple(
            SandboxUser(**{**item, "advertisers": tuple(item.get("advertisers", ()))})
            for item in document["users"]
        )
    return values
