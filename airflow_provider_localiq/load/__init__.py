"""Load normalised LocalIQ tables into SQL databases through common-sql hooks."""

from __future__ import annotations

from airflow_provider_localiq.load.batch import METADATA_COLUMN_TYPES, LogicalType, ReplaceScope, TableBatch
from airflow_provider_localiq.load.errors import DatabaseLockedError
from airflow_provider_localiq.load.sql import SqlTableWriter
from airflow_provider_localiq.load.transaction import TableTransaction, WriteMode

__all__ = [
    "METADATA_COLUMN_TYPES",
    "DatabaseLockedError",
    "LogicalType",
    "ReplaceScope",
    "SqlTableWriter",
    "TableBatch",
    "TableTransaction",
    "WriteMode",
]
