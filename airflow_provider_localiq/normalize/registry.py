"""Typed view of ``endpoints.yaml``: which endpoints exist, what they accept and where their rows live.

The YAML file is the single source of truth; this module only parses and checks it, once per
process. Exceptions raised here::

    ValueError
     ├── UnknownEndpointError   a name that is not in the registry
     │    └── UnknownReportError  a name that is not a report a report operator can run
     └── RegistryError          endpoints.yaml itself is inconsistent (a packaging bug)
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, cast, get_args
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Mapping

LogicalType = Literal["integer", "float", "boolean", "text", "date", "timestamp", "json"]
"""The column types a loader has to support."""
ColumnType = Literal["integer", "float", "boolean", "text", "date", "timestamp", "timestamp_naive", "json"]
"""How the normaliser holds a column: a logical type, or a timestamp without zone (reported as timestamp)."""
ConventionType = Literal["integer", "float", "boolean", "text", "date", "timestamp", "json", "identifier"]
EndpointKind = Literal["identity", "report", "leads"]
DateMode = Literal["required", "optional", "none"]
PaginationStyle = Literal["none", "offset_total", "offset_count", "next_link"]
ParseName = Literal["duration_seconds", "us_datetime"]

LOGICAL_TYPES: tuple[LogicalType, ...] = get_args(LogicalType)
METADATA_COLUMNS: tuple[str, ...] = ("_gmaid", "_report", "_window_start", "_window_end", "_extracted_at")
METADATA_TYPES: Mapping[str, LogicalType] = MappingProxyType(
    {
        "_gmaid": "text",
        "_report": "text",
        "_window_start": "date",
        "_window_end": "date",
        "_extracted_at": "timestamp",
    }
)

_PLAIN_COLUMN = re.compile(r"^[a-z][a-z0-9_]*$")
_PATH_STEP = re.compile(r"^(?:(?P<key>[A-Za-z0-9_]+)(?P<list>\[\])?|<(?P<placeholder>[a-z][a-z0-9_]*)>)$")
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class UnknownEndpointError(ValueError):
    """The endpoint name is not in the registry."""

    def __init__(self, name: str, valid: list[str], what: str = "endpoint") -> None:
        self.name = name
        self.valid = valid
        super().__init__(f"Unknown LocalIQ {what} {name!r}; expected one of: {', '.join(valid)}.")


class UnknownReportError(UnknownEndpointError):
    """The name is not a report that a report operator can run."""

    def __init__(self, name: str, valid: list[str]) -> None:
        super().__init__(name, valid, what="report")


class RegistryError(ValueError):
    """``endpoints.yaml`` contradicts itself; the packaged file needs fixing."""


@dataclass(frozen=True)
class PathStep:
    """One step of a row-list path: a literal key (optionally a list) or a ``<placeholder>``."""

    key: str | None
    placeholder: str | None = None
    is_list: bool = False

    def __str__(self) -> str:
        if self.placeholder is not None:
            return f"<{self.placeholder}>"
        return f"{self.key}[]" if self.is_list else str(self.key)


@dataclass(frozen=True)
class DerivedColumn:
    """An extra column parsed from another column of the same row; the source column is kept."""

    source: str
    parse: ParseName


@dataclass(frozen=True)
class TableSpec:
    """One list of rows in a response and the table it becomes."""

    name: str
    path: str
    steps: tuple[PathStep, ...]
    natural_key: tuple[str, ...]
    row_date_column: str | None = None
    parent: str | None = None
    inherit: Mapping[str, str] = field(default_factory=dict)
    captures: tuple[str, ...] = ()
    index_column: str | None = None
    value_column: str | None = None
    skip: Mapping[str, frozenset[str]] = field(default_factory=dict)
    types: Mapping[str, LogicalType] = field(default_factory=dict)
    derived: Mapping[str, DerivedColumn] = field(default_factory=dict)
    pii_columns: tuple[str, ...] = ()

    @property
    def key_columns(self) -> tuple[str, ...]:
        """Columns filled by the walk rather than by row fields: inherited keys, captures, index."""
        columns = [*self.inherit, *self.captures]
        if self.index_column is not None:
            columns.append(self.index_column)
        return tuple(columns)


@dataclass(frozen=True)
class ParamSpec:
    """Request parameters an endpoint accepts."""

    dates: DateMode
    start_param: str | None = None
    end_param: str | None = None
    end_inclusive: bool = True
    campaign_cycle: bool = False
    interval_sizes: tuple[str, ...] = ()
    default_grain: str | None = None
    include_cycles: bool = False
    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    optional: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaginationSpec:
    """How an endpoint splits its rows over requests."""

    style: PaginationStyle
    page_param: str | None = None
    page_size_param: str | None = None
    default_page_size: int | None = None
    total_path: str | None = None
    next_path: str | None = None


@dataclass(frozen=True)
class EnvelopeColumn:
    """A document-level field copied onto every row."""

    name: str
    sources: tuple[str, ...]
    type: LogicalType


@dataclass(frozen=True)
class Conventions:
    """Logical types implied by column names, decided before any value is seen."""

    names: Mapping[str, ConventionType]
    suffixes: tuple[tuple[str, ConventionType], ...]
    prefixes: tuple[tuple[str, ConventionType], ...]
    undecided: Mapping[EndpointKind, LogicalType]

    def type_for(self, column: str) -> ConventionType | None:
        """Return the conventional type of a column from its last ``__`` segment, if any."""
        leaf = column.rsplit("__", 1)[-1]
        named = self.names.get(leaf)
        if named is not None:
            return named
        for suffix, logical in self.suffixes:
            if leaf.endswith(suffix):
                return logical
        for prefix, logical in self.prefixes:
            if leaf.startswith(prefix):
                return logical
        return None


@dataclass(frozen=True)
class EndpointSpec:
    """Everything the provider knows about one extraction endpoint."""

    name: str
    path: str
    kind: EndpointKind
    params: ParamSpec
    pagination: PaginationSpec
    envelope: tuple[EnvelopeColumn, ...]
    ignored_keys: frozenset[str]
    tables: tuple[TableSpec, ...]
    conventions: Conventions

    @property
    def table_names(self) -> list[str]:
        """Names of the tables this endpoint fills, parents before children."""
        return [table.name for table in self.tables]

    @property
    def records_key(self) -> str | None:
        """Top-level key of the endpoint's only top-level record list (``contacts`` for CRM contacts)."""
        keys = [
            table.steps[0].key for table in self.tables if len(table.steps) == 1 and table.steps[0].is_list
        ]
        return keys[0] if len(keys) == 1 else None

    def table(self, name: str) -> TableSpec:
        """Return the spec of one output table."""
        for table in self.tables:
            if table.name == name:
                return table
        raise UnknownEndpointError(name, self.table_names, what=f"table of {self.name}")

    def render_path(self, gmaid: str | None = None) -> str:
        """Return the request path with the advertiser id filled in (URL-quoted)."""
        if "{gmaid}" not in self.path:
            return self.path
        if not gmaid:
            raise ValueError(f"Endpoint {self.name!r} needs a gmaid for its path {self.path!r}.")
        return self.path.replace("{gmaid}", quote(gmaid, safe=""))


@dataclass(frozen=True)
class Registry:
    """All endpoints, in file order."""

    endpoints: Mapping[str, EndpointSpec]
    conventions: Conventions


def get_endpoint(name: str) -> EndpointSpec:
    """Return the spec of an endpoint, or raise `UnknownEndpointError` listing the valid names."""
    registry = load_registry()
    spec = registry.endpoints.get(name)
    if spec is None:
        raise UnknownEndpointError(name, list(registry.endpoints))
    return spec


def get_report(name: str) -> EndpointSpec:
    """Return the spec of a report endpoint, or raise `UnknownReportError` listing the reports."""
    spec = load_registry().endpoints.get(name)
    if spec is None or spec.kind != "report":
        raise UnknownReportError(name, report_names())
    return spec


def endpoint_names() -> list[str]:
    """Return every endpoint name, in registry order."""
    return list(load_registry().endpoints)


def report_names() -> list[str]:
    """Return the names of the report endpoints (``kind: report``), in registry order."""
    return [spec.name for spec in load_registry().endpoints.values() if spec.kind == "report"]


@functools.cache
def load_registry() -> Registry:
    """Parse and check the packaged ``endpoints.yaml`` (once per process)."""
    import yaml

    text = resources.files("airflow_provider_localiq.normalize").joinpath("endpoints.yaml").read_text("utf-8")
    document = yaml.safe_load(text)

    conventions = _parse_conventions(document["conventions"])
    envelope = {
        name: EnvelopeColumn(name, tuple(entry["from"]), _logical(entry["type"], f"envelope {name}"))
        for name, entry in document["envelope"].items()
    }
    ignored = frozenset(document.get("ignore", ()))

    endpoints: dict[str, EndpointSpec] = {}
    seen_tables: set[str] = set()
    for entry in document["endpoints"]:
        spec = _parse_endpoint(entry, conventions, envelope, ignored)
        if spec.name in endpoints:
            raise RegistryError(f"Endpoint {spec.name!r} is defined twice in endpoints.yaml.")
        for table in spec.tables:
            if table.name in seen_tables:
                raise RegistryError(f"Table {table.name!r} is defined twice in endpoints.yaml.")
            seen_tables.add(table.name)
        endpoints[spec.name] = spec

    return Registry(MappingProxyType(endpoints), conventions)


def parse_path(path: str) -> tuple[PathStep, ...]:
    """Split a row-list path such as ``report_data.campaigns[].intervals[]`` into steps."""
    steps = []
    for token in path.split("."):
        match = _PATH_STEP.match(token)
        if match is None:
            raise RegistryError(f"Row-list path {path!r} has an invalid step {token!r}.")
        if match["placeholder"]:
            steps.append(PathStep(key=None, placeholder=match["placeholder"]))
        else:
            steps.append(PathStep(key=match["key"], is_list=bool(match["list"])))
    return tuple(steps)


def _parse_conventions(raw: Mapping[str, Any]) -> Conventions:
    names: dict[str, ConventionType] = {}
    for logical, columns in raw["names"].items():
        for column in columns:
            names[column] = _convention(logical, f"conventions.names.{logical}")
    suffixes = tuple(
        (item["suffix"], _convention(item["type"], "conventions.suffixes")) for item in raw["suffixes"]
    )
    prefixes = tuple(
        (item["prefix"], _convention(item["type"], "conventions.prefixes")) for item in raw["prefixes"]
    )
    undecided = {
        cast("EndpointKind", kind): _logical(logical, "conventions.undecided")
        for kind, logical in raw["undecided"].items()
    }
    return Conventions(MappingProxyType(names), suffixes, prefixes, MappingProxyType(undecided))


def _parse_endpoint(
    raw: Mapping[str, Any],
    conventions: Conventions,
    envelope: Mapping[str, EnvelopeColumn],
    ignored: frozenset[str],
) -> EndpointSpec:
    name = raw["name"]
    kind = raw["kind"]
    if kind not in get_args(EndpointKind):
        raise RegistryError(f"Endpoint {name!r} has kind {kind!r}; expected one of {get_args(EndpointKind)}.")

    envelope_columns = []
    for column in raw.get("envelope", ()):
        if column not in envelope:
            raise RegistryError(f"Endpoint {name!r} lists envelope column {column!r}, which is not defined.")
        envelope_columns.append(envelope[column])

    tables: list[TableSpec] = []
    for table_raw in raw["tables"]:
        tables.append(_parse_table(name, table_raw, tables, {column.name for column in envelope_columns}))

    return EndpointSpec(
        name=name,
        path=raw["path"],
        kind=cast("EndpointKind", kind),
        params=_parse_params(name, raw.get("params", {})),
        pagination=_parse_pagination(name, raw.get("pagination", {"style": "none"})),
        envelope=tuple(envelope_columns),
        ignored_keys=ignored | frozenset(raw.get("ignore", ())),
        tables=tuple(tables),
        conventions=conventions,
    )


def _parse_table(
    endpoint: str, raw: Mapping[str, Any], earlier: list[TableSpec], envelope: set[str]
) -> TableSpec:
    name = raw["table"]
    if not _TABLE_NAME.match(name) or not (name == endpoint or name.startswith(f"{endpoint}__")):
        raise RegistryError(f"Table {name!r} must be named {endpoint!r} or start with {endpoint + '__'!r}.")
    steps = parse_path(raw["path"])

    parent = _find_parent(steps, earlier)
    relative = steps[len(parent.steps) :] if parent is not None else steps
    if parent is not None and relative[0].key is None:
        raise RegistryError(f"Table {name!r}: the step after the parent row must be a literal key.")
    captures = tuple(step.placeholder for step in relative if step.placeholder is not None)

    if "inherit" in raw:
        inherit = dict(raw["inherit"])
    elif parent is not None:
        inherit = {column: column for column in parent.natural_key if not column.startswith("_")}
    else:
        inherit = {}
    if parent is None and inherit:
        raise RegistryError(f"Table {name!r} inherits columns but has no parent table.")
    for parent_column in inherit.values():
        assert parent is not None
        if parent_column not in parent.natural_key:
            raise RegistryError(
                f"Table {name!r} inherits {parent_column!r}, which is not in {parent.name!r}'s natural key."
            )

    value_column = raw.get("value_column")
    if value_column is not None and steps[-1].placeholder is None:
        raise RegistryError(f"Table {name!r}: value_column needs a path that ends with a <placeholder>.")
    skip = {placeholder: frozenset(keys) for placeholder, keys in raw.get("skip", {}).items()}
    for placeholder in skip:
        if placeholder not in captures:
            raise RegistryError(f"Table {name!r} skips keys of <{placeholder}>, which is not in its path.")

    types = {
        column: _logical(logical, f"table {name} types") for column, logical in raw.get("types", {}).items()
    }
    derived = {
        column: DerivedColumn(entry["from"], _parse_name(entry["parse"], name))
        for column, entry in raw.get("derived", {}).items()
    }

    spec = TableSpec(
        name=name,
        path=raw["path"],
        steps=steps,
        natural_key=tuple(raw["natural_key"]),
        row_date_column=raw.get("row_date"),
        parent=parent.name if parent is not None else None,
        inherit=MappingProxyType(inherit),
        captures=captures,
        index_column=raw.get("index_column"),
        value_column=value_column,
        skip=MappingProxyType(skip),
        types=MappingProxyType(types),
        derived=MappingProxyType(derived),
        pii_columns=tuple(raw.get("pii", ())),
    )
    _check_natural_key(spec, envelope)
    return spec


def _find_parent(steps: tuple[PathStep, ...], earlier: list[TableSpec]) -> TableSpec | None:
    best: TableSpec | None = None
    for table in earlier:
        length = len(table.steps)
        if length < len(steps) and steps[:length] == table.steps:
            if best is None or length > len(best.steps):
                best = table
    return best


def _check_natural_key(spec: TableSpec, envelope: set[str]) -> None:
    if not spec.natural_key:
        raise RegistryError(f"Table {spec.name!r} needs a natural_key.")
    known = set(METADATA_COLUMNS) | envelope | set(spec.key_columns)
    if spec.value_column is not None:
        known.add(spec.value_column)
    for column in spec.natural_key:
        if column.startswith("_") and column not in known:
            raise RegistryError(
                f"Table {spec.name!r} has natural-key column {column!r}, which is never filled."
            )
        if not column.startswith("_") and not _PLAIN_COLUMN.match(column):
            raise RegistryError(
                f"Table {spec.name!r} has natural-key column {column!r}, which is not a plain name."
            )


def _parse_params(endpoint: str, raw: Mapping[str, Any]) -> ParamSpec:
    dates = raw.get("dates", "none")
    if dates not in get_args(DateMode):
        raise RegistryError(
            f"Endpoint {endpoint!r} has dates {dates!r}; expected one of {get_args(DateMode)}."
        )
    has_dates = dates != "none"
    return ParamSpec(
        dates=cast("DateMode", dates),
        start_param=raw.get("start_param", "start_date") if has_dates else None,
        end_param=raw.get("end_param", "end_date") if has_dates else None,
        end_inclusive=bool(raw.get("end_inclusive", True)),
        campaign_cycle=bool(raw.get("campaign_cycle", False)),
        interval_sizes=tuple(raw.get("interval_sizes", ())),
        default_grain=raw.get("default_grain"),
        include_cycles=bool(raw.get("include_cycles", False)),
        required=MappingProxyType({key: tuple(values) for key, values in raw.get("required", {}).items()}),
        optional=tuple(raw.get("optional", ())),
    )


def _parse_pagination(endpoint: str, raw: Mapping[str, Any]) -> PaginationSpec:
    style = raw["style"]
    if style not in get_args(PaginationStyle):
        raise RegistryError(
            f"Endpoint {endpoint!r} has pagination {style!r}; expected one of {get_args(PaginationStyle)}."
        )
    spec = PaginationSpec(
        style=cast("PaginationStyle", style),
        page_param=raw.get("page_param"),
        page_size_param=raw.get("page_size_param"),
        default_page_size=raw.get("default_page_size"),
        total_path=raw.get("total_path"),
        next_path=raw.get("next_path"),
    )
    needed = {
        "none": (),
        "offset_total": ("page_param", "page_size_param", "total_path"),
        "offset_count": ("page_param", "page_size_param", "total_path"),
        "next_link": ("next_path",),
    }[spec.style]
    for attribute in needed:
        if getattr(spec, attribute) is None:
            raise RegistryError(f"Endpoint {endpoint!r}: pagination {style!r} needs {attribute!r}.")
    return spec


def _logical(value: str, where: str) -> LogicalType:
    if value not in LOGICAL_TYPES:
        raise RegistryError(f"{where}: {value!r} is not a logical type; expected one of {LOGICAL_TYPES}.")
    return value


def _convention(value: str, where: str) -> ConventionType:
    if value not in get_args(ConventionType):
        raise RegistryError(f"{where}: {value!r} is not a type; expected one of {get_args(ConventionType)}.")
    return cast("ConventionType", value)


def _parse_name(value: str, table: str) -> ParseName:
    if value not in get_args(ParseName):
        raise RegistryError(
            f"Table {table!r}: parse {value!r} is unknown; expected one of {get_args(ParseName)}."
        )
    return cast("ParseName", value)
