"""Settings of one sandbox server: the fixture (users, advertisers, client) and every fault knob.

``SandboxConfig`` is immutable; the control handle swaps in a modified copy when a setting changes
at runtime, so a request always sees one consistent set of values.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import date

PaginationFault = Literal["none", "repeat", "end_early", "change_filters"]
FaultStep = int | str

FAULT_NAMES = ("ok", "drop", "malformed", "slow")
GMAID_PATTERN = re.compile(r"^[A-Z]{2,5}_-?\d+$")
MAX_RECORDS_PER_DAY = 1 << 20
MAX_ADVERTISERS = 64


@dataclass(frozen=True)
class SandboxAdvertiser:
    """One advertiser (GMAID) the sandbox knows about.

    ``active_state`` follows the identity API: 0 not active, 1 grace period, 2 active. Reports and
    CRM answer 403 for state 0. ``hipaa_protected`` advertisers answer 403 on ``/crm/*`` unless the
    user has HIPAA access. The two volume fields override the config-wide CRM volume when set.
    """

    gmaid: str
    name: str
    active_state: Literal[0, 1, 2] = 2
    hipaa_protected: bool = False
    business_id: int = 15
    business_name: str = "Example Business"
    advertiser_id: int = 0
    cobrand_id: int = 9001
    cobrand_name: str = "example-cobrand"
    currency: str = "USD"
    contacts_per_day: int | None = None
    interactions_per_day: int | None = None

    def __post_init__(self) -> None:
        if not GMAID_PATTERN.match(self.gmaid):
            raise ValueError(f"gmaid must look like 'USA_123', got {self.gmaid!r}")
        if self.active_state not in (0, 1, 2):
            raise ValueError(f"active_state must be 0, 1 or 2, got {self.active_state!r}")
        for volume in (self.contacts_per_day, self.interactions_per_day):
            if volume is not None and not 0 <= volume <= MAX_RECORDS_PER_DAY:
                raise ValueError(f"per-advertiser volumes must be between 0 and {MAX_RECORDS_PER_DAY}")

    @property
    def platform(self) -> str:
        """The platform prefix of the GMAID, e.g. ``USA``."""
        return self.gmaid.split("_", 1)[0]

    @property
    def number(self) -> int:
        """The numeric part of the GMAID."""
        return int(self.gmaid.split("_", 1)[1])


@dataclass(frozen=True)
class SandboxUser:
    """A business user who can sign in with the ``password`` grant and read the linked GMAIDs."""

    email: str
    password: str
    name: str = "Test Person"
    buid: int = 1001
    business_id: int = 15
    privilege_level: int = 3
    hipaa_access: bool = False
    advertisers: tuple[str, ...] = ()


DEFAULT_ADVERTISERS: tuple[SandboxAdvertiser, ...] = (
    SandboxAdvertiser(
        "USA_100001", "Example Plumbing Co", advertiser_id=501, business_name="Example Plumbing"
    ),
    SandboxAdvertiser(
        "USA_100002", "Example Dental Group", advertiser_id=502, business_name="Example Dental"
    ),
    SandboxAdvertiser(
        "USA_100003", "Example Roofing LLC", advertiser_id=503, business_name="Example Roofing"
    ),
    SandboxAdvertiser(
        "USA_100090",
        "Example Closed Bakery",
        active_state=0,
        advertiser_id=590,
        business_name="Example Bakery",
    ),
    SandboxAdvertiser(
        "USA_100091",
        "Example Family Clinic",
        hipaa_protected=True,
        advertiser_id=591,
        business_name="Example Clinic",
    ),
    SandboxAdvertiser(
        "CAN_200001",
        "Example Maple Outfitters",
        business_id=77,
        advertiser_id=2001,
        business_name="Example Outfitters",
        currency="CAD",
    ),
)

DEFAULT_USERS: tuple[SandboxUser, ...] = (
    SandboxUser(
        email="demo@example.com",
        password="demo-password",
        name="Demo User",
        advertisers=("USA_100001", "USA_100002", "USA_100003", "USA_100090", "USA_100091"),
    ),
)


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes one sandbox: fixture, enforcement, faults and data volume.

    The defaults are the documented behaviour with no faults: 20 requests/second, two-hour access
    tokens, no latency. The README (section "Running DAGs against the sandbox") has the settings table.
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 0
    today: date | None = None
    users: tuple[SandboxUser, ...] = DEFAULT_USERS
    advertisers: tuple[SandboxAdvertiser, ...] = DEFAULT_ADVERTISERS
    client_id: str = "demo-client"
    client_secret: str = "demo-secret"
    hipaa_access: bool = False
    token_ttl_seconds: float = 7200.0
    authorization_code_ttl_seconds: float = 600.0
    rate_limit: int = 20
    retry_after: int | None = None
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_statuses: Sequence[int] = (500, 502, 503, 504)
    drop_rate: float = 0.0
    malformed_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 30.0
    fault_seed: int = 0
    fault_paths: Sequence[str] = ()
    scripts: Mapping[str, Sequence[FaultStep]] = field(default_factory=dict)
    crm_page_size: int = 25
    identity_page_size: int = 5000
    keyword_page_size: int = 15
    contacts_per_day: int = 6
    interactions_per_day: int = 10
    pagination_fault: PaginationFault = "none"
    pagination_fault_page: int = 1

    def __post_init__(self) -> None:
        self._normalise()
        self._check_numbers()
        self._check_faults()
        self._check_fixture()

    def _normalise(self) -> None:
        """Store sequences as tuples and scripts as a dict of tuples, whatever the caller passed."""
        object.__setattr__(self, "users", tuple(self.users))
        object.__setattr__(self, "advertisers", tuple(self.advertisers))
        object.__setattr__(self, "error_statuses", tuple(self.error_statuses))
        object.__setattr__(self, "fault_paths", tuple(self.fault_paths))
        object.__setattr__(self, "scripts", {path: tuple(steps) for path, steps in self.scripts.items()})

    def _check_numbers(self) -> None:
        _check_at_least(self, 0, "port", "rate_limit", "contacts_per_day", "interactions_per_day")
        _check_at_least(self, 0.0, "latency_ms", "jitter_ms", "slow_seconds")
        _check_at_least(self, 1, "crm_page_size", "identity_page_size", "keyword_page_size")
        _check_at_least(self, 1, "pagination_fault_page")
        if max(self.contacts_per_day, self.interactions_per_day) > MAX_RECORDS_PER_DAY:
            raise ValueError(f"contacts_per_day and interactions_per_day must be <= {MAX_RECORDS_PER_DAY}")
        if self.token_ttl_seconds <= 0 or self.authorization_code_ttl_seconds <= 0:
            raise ValueError("token_ttl_seconds and authorization_code_ttl_seconds must be positive")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError(f"retry_after must be None or >= 0, got {self.retry_after!r}")

    def _check_faults(self) -> None:
        rates = (self.error_rate, self.drop_rate, self.malformed_rate, self.slow_rate)
        if any(rate < 0 for rate in rates) or sum(rates) > 1:
            raise ValueError(f"fault rates must be >= 0 and add up to at most 1, got {rates!r}")
        if self.pagination_fault not in get_args(PaginationFault):
            choices = get_args(PaginationFault)
            raise ValueError(f"pagination_fault must be one of {choices!r}, got {self.pagination_fault!r}")
        if not self.error_statuses or any(not 100 <= status <= 599 for status in self.error_statuses):
            raise ValueError(f"error_statuses must be HTTP statuses, got {self.error_statuses!r}")
        for path, steps in self.scripts.items():
            validate_steps(path, steps)

    def _check_fixture(self) -> None:
        if len(self.advertisers) > MAX_ADVERTISERS:
            raise ValueError(f"at most {MAX_ADVERTISERS} advertisers are supported")
        known = {advertiser.gmaid for advertiser in self.advertisers}
        if len(known) != len(self.advertisers):
            raise ValueError("advertisers must have distinct GMAIDs")
        for user in self.users:
            missing = set(user.advertisers) - known
            if missing:
                raise ValueError(f"user {user.email!r} is linked to unknown advertisers {sorted(missing)!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> SandboxConfig:
        """Build a config from ``LOCALIQ_SANDBOX_<SETTING>`` variables, then apply ``overrides``."""
        from airflow_provider_localiq.sandbox.settings import values_from_env

        return cls(**{**values_from_env(environ), **overrides})

    def replace(self, **changes: object) -> SandboxConfig:
        """Return a copy with ``changes`` applied, validating names and values."""
        unknown = set(changes) - {item.name for item in dataclasses.fields(self)}
        if unknown:
            raise ValueError(f"unknown sandbox settings {sorted(unknown)!r}")
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def advertiser(self, gmaid: str) -> SandboxAdvertiser | None:
        """Return the advertiser with this GMAID, or None."""
        return next((item for item in self.advertisers if item.gmaid == gmaid), None)

    def user(self, email: str) -> SandboxUser | None:
        """Return the user with this login email (case-insensitive), or None."""
        wanted = email.strip().lower()
        return next((item for item in self.users if item.email.lower() == wanted), None)


def validate_steps(path: str, steps: Sequence[FaultStep]) -> None:
    """Reject a scripted fault sequence that holds anything but HTTP statuses and fault names."""
    if not path.startswith("/"):
        raise ValueError(f"a scripted path must start with '/', got {path!r}")
    for step in steps:
        if isinstance(step, bool) or not isinstance(step, int | str):
            raise ValueError(f"script step for {path!r} must be a status or a fault name, got {step!r}")
        if isinstance(step, int) and not 100 <= step <= 599:
            raise ValueError(f"script step for {path!r} is not an HTTP status: {step!r}")
        if isinstance(step, str) and step not in FAULT_NAMES:
            raise ValueError(f"script step for {path!r} must be one of {FAULT_NAMES!r}, got {step!r}")


def _check_at_least(config: SandboxConfig, minimum: float, *names: str) -> None:
    for name in names:
        value = getattr(config, name)
        if value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
