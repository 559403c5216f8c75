"""Batches and settings the writer refuses, and what it tells the caller to do about them."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from airflow_provider_localiq.load import ReplaceScope, SqlTableWriter, TableBatch
from airflow_provider_localiq.load.dialects import PostgresDialect

JANUARY = ReplaceScope("USA_123456", "campaign_summary", date(2024, 1, 1), date(2024, 1, 31), "day")
ROW = {"day": date(2024, 1, 1), "campaign_id": 1, "clicks": 3, "spend": 1.0}


def _other_gmaid(batch: TableBatch) -> TableBatch:
    frame = batch.frame.assign(_gmaid="CAN_999")
    return TableBatch(batch.table, frame, batch.column_types, batch.key_columns, batch.scope)


def _without_window_columns(batch: TableBatch) -> TableBatch:
    frame = batch.frame.drop(columns=["_window_start", "_window_end"])
    return TableBatch(batch.table, frame, batch.column_types, batch.key_columns, batch.scope)


def _undeclared_column(batch: TableBatch) -> TableBatch:
    frame = batch.frame.assign(mystery=1)
    return TableBatch(batch.table, frame, batch.column_types, batch.key_columns, batch.scope)


def _date_column_is_text(batch: TableBatch) -> TableBatch:
    return TableBatch(
        batch.table, batch.frame, {**batch.column_types, "day": "text"}, batch.key_columns, batch.scope
    )


def _text_in_integer_column(batch: TableBatch) -> TableBatch:
    frame = batch.frame.assign(clicks="many")
    return TableBatch(batch.table, frame, batch.column_types, batch.key_columns, batch.scope)


@pytest.mark.parametrize(
    ("mode", "spoil", "message"),
    [
        pytest.param(
            "replace",
            _other_gmaid,
            r"column _gmaid values \['CAN_999'\], but its scope says 'USA_123456'",
            id="replace-other-gmaid",
        ),
        pytest.param(
            "replace",
            _without_window_columns,
            r"lacks \['_window_start', '_window_end'\]",
            id="replace-no-window-columns",
        ),
        pytest.param(
            "append",
            _undeclared_column,
            r"frame columns \['mystery'\] with no entry in column_types",
            id="undeclared-column",
        ),
        pytest.param(
            "replace",
            _date_column_is_text,
            r"date_column 'day' .* declares it as 'text'",
            id="date-column-not-a-date",
        ),
        pytest.param(
            "append",
            _text_in_integer_column,
            r"Column 'clicks' .* declared 'integer'",
            id="text-in-integer-column",
        ),
    ],
)
def test_refuses_a_batch_that_contradicts_its_mode(duckdb_warehouse, make_batch, mode, spoil, message):
    writer = SqlTableWriter(duckdb_warehouse.hook(), mode=mode)

    with pytest.raises(ValueError, match=message):
        writer.write_all([spoil(make_batch([ROW]))])

    assert duckdb_warehouse.tables() == set()


@pytest.mark.parametrize(
    ("key_columns", "rows", "message"),
    [
        pytest.param(
            (), [ROW], r"needs key columns present in the frame; got key_columns=\[\]", id="no-keys"
        ),
        pytest.param(("lead_id",), [ROW], r"missing from the frame: \['lead_id'\]", id="key-not-in-frame"),
        pytest.param(
            ("campaign_id",),
            [ROW, {**ROW, "campaign_id": None}],
            r"NULL key values .* \{'campaign_id': 1\}",
            id="null-key",
        ),
    ],
)
def test_merge_refuses_keys_it_cannot_match_on(duckdb_warehouse, make_batch, key_columns, rows, message):
    batch = make_batch(rows, key_columns=key_columns, dtypes={"campaign_id": "Int64"})

    with pytest.raises(ValueError, match=message):
        SqlTableWriter(duckdb_warehouse.hook(), mode="merge").write_all([batch])


def test_batch_refuses_an_unknown_logical_type():
    with pytest.raises(ValueError, match=r"declares column types \{'clicks': 'int'\}; expected one of"):
        TableBatch("campaign_summary", pd.DataFrame({"clicks": [1]}), {"clicks": "int"}, (), JANUARY)


def test_scope_refuses_a_window_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="window_start 2024-02-01 is after window_end 2024-01-31"):
        ReplaceScope("USA_123456", "campaign_summary", date(2024, 2, 1), date(2024, 1, 31), None)


def test_writer_refuses_an_unknown_mode(duckdb_warehouse):
    with pytest.raises(
        ValueError, match=r"mode must be one of \['replace', 'merge', 'append'\], got 'upsert'"
    ):
        SqlTableWriter(duckdb_warehouse.hook(), mode="upsert")  # type: ignore[arg-type]


def test_writer_refuses_a_second_transaction_while_one_is_open(duckdb_warehouse):
    writer = SqlTableWriter(duckdb_warehouse.hook())

    with writer.transaction(), pytest.raises(RuntimeError, match="already has an open transaction"):
        with writer.transaction():
            pass


def test_duplicate_frame_columns_are_refused(duckdb_warehouse, make_batch):
    batch = make_batch([ROW])
    frame = pd.concat([batch.frame, batch.frame[["clicks"]]], axis=1)

    with pytest.raises(ValueError, match=r"duplicate frame columns \['clicks'\]"):
        SqlTableWriter(duckdb_warehouse.hook(), mode="append").write_all(
            [TableBatch(batch.table, frame, batch.column_types, batch.key_columns, batch.scope)]
        )


def test_postgres_refuses_identifiers_it_would_truncate():
    dialect = PostgresDialect(hook=None)  # type: ignore[arg-type]

    assert dialect.quote("x" * 63) == '"' + "x" * 63 + '"'
    with pytest.raises(ValueError, match="is 64 bytes long; PostgreSQL keeps at most 63"):
        dialect.quote("x" * 64)


def swallow_a_failed_write(writer, good, bad):
    with writer.transaction() as transaction:
        transaction.write(good)
        with pytest.raises(ValueError, match="declared 'integer'"):
            transaction.write(bad)
        with pytest.raises(RuntimeError, match="An earlier write in this transaction failed"):
            transaction.write(good)


def test_a_caught_write_failure_still_rolls_the_transaction_back(duckdb_warehouse, make_batch):
    writer = SqlTableWriter(duckdb_warehouse.hook())
    good = make_batch([ROW])
    bad = make_batch([{**ROW, "clicks": "many"}])

    with pytest.raises(RuntimeError, match="rolled back everything rather than commit a partial load"):
        swallow_a_failed_write(writer, good, bad)

    assert duckdb_warehouse.tables() == set()
    assert writer.rows_written == {}
