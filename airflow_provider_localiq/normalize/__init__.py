"""Normalisation of LocalIQ response documents into tidy, typed tables.

``endpoints.yaml`` (next to this file) describes every supported endpoint; `Normalizer` turns its
documents into one DataFrame per list of rows, and `apply_pii_policy` keeps, hashes or drops the
columns that hold personal data. Importing this package does not import pandas or pyarrow.
"""

from __future__ import annotations

from airflow_provider_localiq.normalize.context import RowContext
from airflow_provider_localiq.normalize.naming import sanitize_key
from airflow_provider_localiq.normalize.normalizer import Normalizer, normalize_document, normalize_records
from airflow_provider_localiq.normalize.pii import apply_pii_policy, pii_columns
from airflow_provider_localiq.normalize.registry import (
    LOGICAL_TYPES,
    METADATA_COLUMNS,
    EndpointSpec,
    LogicalType,
    PaginationSpec,
    ParamSpec,
    RegistryError,
    TableSpec,
    UnknownEndpointError,
    UnknownReportError,
    endpoint_names,
    get_endpoint,
    get_report,
    report_names,
)
from airflow_provider_localiq.normalize.schema import ColumnTypeError, PiiPolicy, TableSchema

__all__ = [
    "LOGICAL_TYPES",
    "METADATA_COLUMNS",
    "ColumnTypeError",
    "EndpointSpec",
    "LogicalType",
    "Normalizer",
    "PaginationSpec",
    "ParamSpec",
    "PiiPolicy",
    "RegistryError",
    "RowContext",
    "TableSchema",
    "TableSpec",
    "UnknownEndpointError",
    "UnknownReportError",
    "apply_pii_policy",
    "endpoint_names",
    "get_endpoint",
    "get_report",
    "normalize_document",
    "normalize_records",
    "pii_columns",
    "report_names",
    "sanitize_key",
]
