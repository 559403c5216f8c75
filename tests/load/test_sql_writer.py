"""The SQL table writer against real DuckDB, SQLite and PostgreSQL databases."""

from __future__ import annotations

import gc
import json
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest

from airflow_provider_localiq.load import ReplaceScope, SqlTableWriter, TableBatch

JANUARY = ReplaceScope("USA_123456", "campaign_summary", date(2024, 1, 1), date(2024, 1, 31), "day")
JANUARY_EXTRACT = ReplaceScope("USA_123456", "campaign_summary", date(2024, 1, 1), date(2024, 1, 31), None)
TABLE = '"localiq_campaign_summary"'


EXPECTED_TYPES = {
    "duckdb": {
        "day": "date",
        "campaign_id": "bigint",
        "clicks": "bigint",
        "spend": "double",
        "_gmaid": "varchar",
        "_report": "varchar",
        "_window_start": "date",
        "_window_end": "date",
        "_extracted_at": "timestamp",
    },
    "sqlite": {
        "day": "date",
        "campaign_id": "bigint",
        "clicks": "bigint",
        "spend": "real",
        "_gmaid": "text",
        "_report": "text",
        "_window_start": "date",
        "_window_end": "date",
        "_extracted_at": "timestamp",
    },
    "postgres": {
        "day": "date",
        "campaign_id": "bigint",
        "clicks": "bigint",
        "spend": "double precision",
        "_gmaid": "text",
        "_report": "text",
        "_window_start": "date",
        "_window_end": "date",
        "_extracted_at": "timestamp with time zone",
    },
}


def as_utc(value: Any) -> datetime | None:
    """Return a stored timestamp as an aware UTC datetime, whichever way the database returned it."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def as_date(value: Any) -> date | None:
    """Return a stored date as a date (SQLite keeps ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def day_rows(days: range, *, campaign_id: int = 1, clicks: int = 10) -> list[dict[str, Any]]:
    return [
        {
            "day": date(2024, 1, 1) + timedelta(days=offset),
            "campaign_id": campaign_id,
            "clicks": clicks,
            "spend": 1.5,
        }
        for offset in days
    ]


def stored_days(warehouse: Any, table: str = TABLE) -> list[tuple[date | None, int, int]]:
    rows = warehouse.rows(f'SELECT "day", "campaign_id", "clicks" FROM {table} ORDER BY "day", "campaign_id"')
    return [(as_date(day), campaign, clicks) for day, campaign, clicks in rows]


def test_creates_missing_table_from_column_types(warehouse, make_batch):
    writer = SqlTableWriter(warehouse.hook())

    written = writer.write_all([make_batch(day_rows(range(3)))])

    assert written == {"localiq_campaign_summary": 3}
    assert "localiq_campaign_summary" in warehouse.tables()
    assert stored_days(warehouse) == [(date(2024, 1, day), 1, 10) for day in (1, 2, 3)]
    assert warehouse.column_types("localiq_campaign_summary") == EXPECTED_TYPES[warehouse.kind]
    assert warehouse.rows(f'SELECT "spend", "_gmaid", "_report" FROM {TABLE} LIMIT 1') == [
        (1.5, "USA_123456", "campaign_summary")
    ]


def test_later_batch_adds_its_new_column_and_earlier_rows_read_null(warehouse, make_batch):
    first = make_batch(day_rows(range(2)))
    later_rows = [{**row, "impressions": 1000 + index} for index, row in enumerate(day_rows(range(2, 4)))]
    later = make_batch(later_rows, column_types={**first.column_types, "impressions": "integer"})

    SqlTableWriter(warehouse.hook()).write_all([first, later])

    stored = warehouse.rows(f'SELECT "day", "impressions" FROM {TABLE} ORDER BY "day"')
    assert [(as_date(day), impressions) for day, impressions in stored] == [
        (date(2024, 1, 1), None),
        (date(2024, 1, 2), None),
        (date(2024, 1, 3), 1000),
        (date(2024, 1, 4), 1001),
    ]


def test_column_added_by_a_later_transaction(warehouse, make_batch):
    first = make_batch(day_rows(range(1)))
    SqlTableWriter(warehouse.hook()).write_all([first])
    later = make_batch(
        [{**day_rows(range(1, 2))[0], "ctr": 0.25}], column_types={**first.column_types, "ctr": "float"}
    )

    SqlTableWriter(warehouse.hook(), mode="append").write_all([later])

    assert warehouse.rows(f'SELECT "ctr" FROM {TABLE} ORDER BY "day"') == [(None,), (0.25,)]


def test_batch_lacking_a_stored_column_inserts_null_for_it(warehouse, make_batch):
    SqlTableWriter(warehouse.hook()).write_all([make_batch(day_rows(range(1)))])
    without_spend = make_batch(
        [{"day": date(2024, 1, 2), "campaign_id": 1, "clicks": 4}],
        column_types={"day": "date", "campaign_id": "integer", "clicks": "integer"},
    )

    SqlTableWriter(warehouse.hook(), mode="append").write_all([without_spend])

    assert warehouse.rows(f'SELECT "spend" FROM {TABLE} ORDER BY "day"') == [(1.5,), (None,)]


def test_replace_rerun_leaves_one_copy_of_each_row(warehouse, make_batch):
    batches = [make_batch(day_rows(range(0, 16))), make_batch(day_rows(range(16, 31)))]

    first = SqlTableWriter(warehouse.hook()).write_all(batches)
    second = SqlTableWriter(warehouse.hook()).write_all(batches)

    assert first == second == {"localiq_campaign_summary": 31}
    assert warehouse.count(TABLE) == 31
    assert stored_days(warehouse) == [(date(2024, 1, 1) + timedelta(days=n), 1, 10) for n in range(31)]


def test_overlapping_window_replaces_only_the_overlapping_days(warehouse, make_batch):
    SqlTableWriter(warehouse.hook()).write_all([make_batch(day_rows(range(31), clicks=1))])
    overlap = ReplaceScope("USA_123456", "campaign_summary", date(2024, 1, 20), date(2024, 2, 10), "day")
    rows = [
        {"day": date(2024, 1, 20) + timedelta(days=n), "campaign_id": 1, "clicks": 2, "spend": 0.0}
        for n in range(22)
    ]

    SqlTableWriter(warehouse.hook()).write_all([make_batch(rows, scope=overlap)])

    stored = stored_days(warehouse)
    assert len(stored) == len({day for day, _, _ in stored}) == 41
    assert {clicks for day, _, clicks in stored if day < date(2024, 1, 20)} == {1}
    assert {clicks for day, _, clicks in stored if day >= date(2024, 1, 20)} == {2}


def test_replace_by_window_columns_supersedes_only_the_same_window(warehouse, make_batch):
    types = {"campaign_id": "integer", "clicks": "integer"}
    january = ReplaceScope("USA_123456", "campaign_summary", date(2024, 1, 1), date(2024, 1, 31), None)
    february = ReplaceScope("USA_123456", "campaign_summary", date(2024, 2, 1), date(2024, 2, 29), None)
    batch = {"column_types": types, "key_columns": ("campaign_id",)}
    writer = SqlTableWriter(warehouse.hook())
    writer.write_all([make_batch([{"campaign_id": 1, "clicks": 5}], scope=january, **batch)])
    writer.write_all([make_batch([{"campaign_id": 1, "clicks": 7}], scope=february, **batch)])

    writer.write_all([make_batch([{"campaign_id": 1, "clicks": 6}], scope=january, **batch)])

    stored = warehouse.rows(f'SELECT "_window_start", "clicks" FROM {TABLE} ORDER BY "_window_start"')
    assert [(as_date(start), clicks) for start, clicks in stored] == [
        (date(2024, 1, 1), 6),
        (date(2024, 2, 1), 7),
    ]


def test_replace_keeps_rows_of_other_accounts_and_reports(warehouse, make_batch):
    other_account = ReplaceScope("CAN_999", "campaign_summary", date(2024, 1, 1), date(2024, 1, 31), "day")
    other_report = ReplaceScope("USA_123456", "other_report", date(2024, 1, 1), date(2024, 1, 31), "day")
    writer = SqlTableWriter(warehouse.hook())
    writer.write_all([make_batch(day_rows(range(3)), scope=scope) for scope in (other_account, other_report)])

    writer.write_all([make_batch(day_rows(range(3), clicks=99))])

    stored = warehouse.rows(f'SELECT "_gmaid", "_report", COUNT(*) FROM {TABLE} GROUP BY 1, 2 ORDER BY 1, 2')
    assert stored == [
        ("CAN_999", "campaign_summary", 3),
        ("USA_123456", "campaign_summary", 3),
        ("USA_123456", "other_report", 3),
    ]


def test_replace_with_an_empty_batch_clears_the_window(warehouse, make_batch):
    SqlTableWriter(warehouse.hook()).write_all([make_batch(day_rows(range(5)))])
    empty = make_batch(pd.DataFrame({"day": [], "campaign_id": [], "clicks": [], "spend": []}))

    assert SqlTableWriter(warehouse.hook()).write_all([empty]) == {"localiq_campaign_summary": 0}

    assert warehouse.count(TABLE) == 0


def test_replace_by_timestamp_column_covers_the_whole_last_day(warehouse, make_batch):
    types = {"hour": "timestamp", "clicks": "integer"}
    scope = ReplaceScope("USA_123456", "hourly", date(2024, 1, 1), date(2024, 1, 2), "hour")
    hours = [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n) for n in range(-1, 49)]
    rows = [{"hour": hour, "clicks": 1} for hour in hours]
    SqlTableWriter(warehouse.hook(), mode="append").write_all(
        [make_batch(rows, column_types=types, key_columns=("hour",), scope=scope)]
    )

    fresh = [{"hour": hour, "clicks": 2} for hour in hours[1:49]]
    SqlTableWriter(warehouse.hook()).write_all([make_batch(fresh, column_types=types, scope=scope)])

    stored = {
        as_utc(hour): clicks for hour, clicks in warehouse.rows(f'SELECT "hour", "clicks" FROM {TABLE}')
    }
    assert len(stored) == 50
    assert stored[hours[0]] == stored[hours[-1]] == 1
    assert {stored[hour] for hour in hours[1:49]} == {2}


def test_merge_updates_matching_keys_and_inserts_new_ones(warehouse, make_batch):
    SqlTableWriter(warehouse.hook(), mode="merge").write_all([make_batch(day_rows(range(3), clicks=1))])
    changes = [
        {"day": date(2024, 1, 2), "campaign_id": 1, "clicks": 20, "spend": 2.0},
        {"day": date(2024, 1, 4), "campaign_id": 1, "clicks": 40, "spend": 4.0},
        {"day": date(2024, 1, 4), "campaign_id": 2, "clicks": 41, "spend": 4.0},
    ]

    SqlTableWriter(warehouse.hook(), mode="merge").write_all([make_batch(changes)])

    assert stored_days(warehouse) == [
        (date(2024, 1, 1), 1, 1),
        (date(2024, 1, 2), 1, 20),
        (date(2024, 1, 3), 1, 1),
        (date(2024, 1, 4), 1, 40),
        (date(2024, 1, 4), 2, 41),
    ]


def test_merge_keeps_the_last_row_of_a_key_within_and_across_chunks(warehouse, make_batch):
    within = day_rows(range(1), clicks=1) + day_rows(range(1), clicks=2)
    later_chunk = day_rows(range(1), clicks=3) + day_rows(range(1, 2), clicks=4)

    written = SqlTableWriter(warehouse.hook(), mode="merge").write_all(
        [make_batch(within), make_batch(later_chunk)]
    )

    assert written == {"localiq_campaign_summary": 3}
    assert stored_days(warehouse) == [(date(2024, 1, 1), 1, 3), (date(2024, 1, 2), 1, 4)]


def test_append_inserts_every_row_every_time(warehouse, make_batch):
    batch = make_batch(day_rows(range(4)))

    SqlTableWriter(warehouse.hook(), mode="append").write_all([batch])
    SqlTableWriter(warehouse.hook(), mode="append").write_all([batch, batch])

    assert warehouse.count(TABLE) == 12


class Boom(RuntimeError):
    """Stands for any failure while a load is under way."""


STRICT_TABLE = """
CREATE TABLE "localiq_strict" (
    "n" BIGINT NOT NULL, "_gmaid" TEXT, "_report" TEXT, "_window_start" DATE, "_window_end" DATE,
    "_extracted_at" TIMESTAMP
)
"""


def write_then_fail(writer, batches, failure):
    with writer.transaction() as transaction:
        for batch in batches:
            transaction.write(batch)
        if failure is not None:
            raise failure


@pytest.mark.parametrize(
    ("failure", "error", "message"),
    [
        pytest.param(Boom("the extract failed"), Boom, "the extract failed", id="exception-in-block"),
        pytest.param(None, Exception, r"(?i)not.null", id="database-rejects-batch"),
    ],
)
def test_failure_halfway_leaves_previous_contents_untouched(warehouse, make_batch, failure, error, message):
    SqlTableWriter(warehouse.hook()).write_all([make_batch(day_rows(range(5), clicks=1))])
    before = stored_days(warehouse)
    warehouse.execute(STRICT_TABLE)
    batches = [
        make_batch(day_rows(range(2)), table="brand_new"),
        make_batch(day_rows(range(5), clicks=2)),
        make_batch(day_rows(range(3, 9), clicks=3)),
        make_batch(
            pd.DataFrame({"n": pd.array([1, None], dtype="Int64")}),
            table="strict",
            column_types={"n": "integer"},
            scope=JANUARY_EXTRACT,
        ),
    ]
    writer = SqlTableWriter(warehouse.hook())

    with pytest.raises(error, match=message):
        write_then_fail(writer, batches if failure is None else batches[:3], failure)

    assert stored_days(warehouse) == before
    assert "localiq_brand_new" not in warehouse.tables()
    assert warehouse.count('"localiq_strict"') == 0
    assert writer.rows_written == {}


def test_nulls_round_trip_in_every_type(warehouse, make_batch):
    types = {
        "id": "integer",
        "count": "integer",
        "ratio": "float",
        "active": "boolean",
        "label": "text",
        "day": "date",
        "seen_at": "timestamp",
        "details": "json",
    }
    frame = pd.DataFrame(
        {
            "id": pd.array([1, 2, 3], dtype="Int64"),
            "count": pd.array([7, None, 0], dtype="Int64"),
            "ratio": [0.5, float("nan"), -0.0],
            "active": pd.array([True, None, False], dtype="boolean"),
            "label": ["a", None, ""],
            "day": [date(2024, 1, 1), None, date(2024, 1, 3)],
            "seen_at": pd.to_datetime(
                ["2024-01-01T10:00:00Z", None, "2024-01-03T00:00:00.000001Z"], utc=True, format="ISO8601"
            ),
            "details": [{"a": 1}, None, []],
        }
    )
    batch = make_batch(frame, column_types=types, key_columns=("id",), scope=JANUARY_EXTRACT)

    SqlTableWriter(warehouse.hook()).write_all([batch])

    stored = warehouse.rows(
        f'SELECT "count", "ratio", "active", "label", "day", "seen_at", "details" FROM {TABLE} ORDER BY "id"'
    )
    normalised = [
        (
            count,
            ratio,
            None if active is None else bool(active),
            label,
            as_date(day),
            as_utc(seen_at),
            _json(details),
        )
        for count, ratio, active, label, day, seen_at, details in stored
    ]
    assert normalised == [
        (7, 0.5, True, "a", date(2024, 1, 1), datetime(2024, 1, 1, 10, tzinfo=UTC), {"a": 1}),
        (None, None, None, None, None, None, None),
        (0, 0.0, False, "", date(2024, 1, 3), datetime(2024, 1, 3, 0, 0, 0, 1, tzinfo=UTC), []),
    ]


def test_integer_ids_beyond_32_and_53_bits_stay_exact(warehouse, make_batch):
    ids = [2**32 + 1, 2**53 + 1, 2**63 - 1, -(2**63)]
    frame = pd.DataFrame({"lead_id": pd.array(ids, dtype="Int64"), "plain": ids})
    types = {"lead_id": "integer", "plain": "integer"}

    SqlTableWriter(warehouse.hook()).write_all(
        [make_batch(frame, column_types=types, key_columns=("lead_id",), scope=JANUARY_EXTRACT)]
    )

    stored = warehouse.rows(f'SELECT "lead_id", "plain" FROM {TABLE} ORDER BY "lead_id"')
    assert stored == [(value, value) for value in sorted(ids)]


def test_timestamps_are_stored_as_utc_whatever_the_input_zone(warehouse, make_batch):
    if warehouse.kind == "duckdb":
        warehouse.set_extra(settings={"TimeZone": "America/New_York"})
    elif warehouse.kind == "postgres":
        warehouse.set_extra(options=f"{warehouse.extra.get('options', '')} -c timezone=Asia/Kolkata")
    instant = datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
    frame = pd.DataFrame(
        {
            "n": [1, 2, 3, 4],
            "at": [
                instant.astimezone(timezone(timedelta(hours=-5))).isoformat(),
                instant.isoformat(),
                instant.replace(tzinfo=None).isoformat(),
                "2024-03-10T16:30:00+09:00",
            ],
        }
    )
    zoned = pd.DataFrame({"n": [5], "at": pd.Series([instant]).dt.tz_convert("America/Los_Angeles")})
    types = {"n": "integer", "at": "timestamp"}

    SqlTableWriter(warehouse.hook()).write_all(
        [
            make_batch(data, column_types=types, key_columns=("n",), scope=JANUARY_EXTRACT)
            for data in (frame, zoned)
        ]
    )

    stored = warehouse.rows(f'SELECT "at", "_extracted_at" FROM {TABLE} ORDER BY "n"')
    assert [as_utc(at) for at, _ in stored] == [instant] * 5
    assert {as_utc(extracted) for _, extracted in stored} == {datetime(2024, 2, 1, 6, 30, tzinfo=UTC)}


def test_identifiers_that_need_quoting(warehouse, make_batch):
    types = {"select": "integer", "Clicks Total": "integer", 'say "hi"': "text", "order": "date"}
    rows = [{"select": 1, "Clicks Total": 2, 'say "hi"': "hello", "order": date(2024, 1, 1)}]
    scope = ReplaceScope("USA_123456", "lead detail", None, None, "order")

    for _ in range(2):
        SqlTableWriter(warehouse.hook(), table_prefix="LocalIQ ").write_all(
            [make_batch(rows, table="lead detail", column_types=types, key_columns=("select",), scope=scope)]
        )

    stored = warehouse.rows('SELECT "select", "Clicks Total", "say ""hi""" FROM "LocalIQ lead detail"')
    assert stored == [(1, 2, "hello")]


def test_streams_many_chunks_and_counts_every_row(warehouse, make_batch):
    chunks = 40
    rows_per_chunk = 250

    def batches():
        for chunk in range(chunks):
            frame = pd.DataFrame(
                {
                    "day": [date(2024, 1, 1) + timedelta(days=chunk % 31)] * rows_per_chunk,
                    "campaign_id": range(chunk * rows_per_chunk, (chunk + 1) * rows_per_chunk),
                    "clicks": chunk,
                    "spend": 0.1,
                }
            )
            yield make_batch(frame)

    written = SqlTableWriter(warehouse.hook()).write_all(batches())

    assert written == {"localiq_campaign_summary": chunks * rows_per_chunk}
    assert warehouse.rows(f'SELECT COUNT(*), COUNT(DISTINCT "campaign_id"), SUM("clicks") FROM {TABLE}') == [
        (chunks * rows_per_chunk, chunks * rows_per_chunk, rows_per_chunk * sum(range(chunks)))
    ]


def test_schema_is_created_and_written_into(warehouse, make_batch):
    schema = "main" if warehouse.kind == "sqlite" else f"Local IQ {uuid.uuid4().hex[:8]}"

    written = SqlTableWriter(warehouse.hook(), schema=schema).write_all([make_batch(day_rows(range(2)))])

    assert written == {f"{schema}.localiq_campaign_summary": 2}
    assert warehouse.count(f'"{schema}"."localiq_campaign_summary"') == 2


def test_json_values_are_stored_as_json_text(warehouse, make_batch):
    frame = pd.DataFrame(
        {"n": [1, 2, 3], "payload": [{"name": "Zoë", "tags": ["a", "b"]}, '{"already": "text"}', 3]}
    )

    SqlTableWriter(warehouse.hook()).write_all(
        [
            make_batch(
                frame,
                column_types={"n": "integer", "payload": "json"},
                key_columns=("n",),
                scope=JANUARY_EXTRACT,
            )
        ]
    )

    stored = [_json(payload) for (payload,) in warehouse.rows(f'SELECT "payload" FROM {TABLE} ORDER BY "n"')]
    assert stored == [{"name": "Zoë", "tags": ["a", "b"]}, {"already": "text"}, 3]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_memory_stays_flat_while_a_long_stream_is_written(duckdb_warehouse, make_batch):
    rows_per_chunk = 10_000
    frame = pd.DataFrame(
        {
            "day": [date(2024, 1, 1)] * rows_per_chunk,
            "campaign_id": range(rows_per_chunk),
            "clicks": range(rows_per_chunk),
            "spend": 0.5,
        }
    )
    traced: list[int] = []
    writer = SqlTableWriter(duckdb_warehouse.hook(), mode="append")

    tracemalloc.start()
    try:
        with writer.transaction() as transaction:
            for chunk in range(16):
                transaction.write(make_batch(frame.assign(clicks=chunk)))
                gc.collect()
                traced.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()

    # A chunk is ~0.5 MB here; keeping every chunk would grow memory by ~5 MB after the fifth.
    assert max(traced[5:]) - traced[5] < 2 * 2**20, [size // 2**10 for size in traced]
    assert writer.rows_written == {"localiq_campaign_summary": 16 * rows_per_chunk}


def as_arrow(batch: TableBatch) -> TableBatch:
    import pyarrow as pa

    rows = pa.Table.from_pandas(batch.frame, preserve_index=False)
    return TableBatch(batch.table, rows, batch.column_types, batch.key_columns, batch.scope)


def test_arrow_batches_merge_like_dataframes(warehouse, make_batch):
    within = day_rows(range(1), clicks=1) + day_rows(range(1), clicks=2)
    later_chunk = day_rows(range(1), clicks=3) + day_rows(range(1, 2), clicks=4)
    batches = [as_arrow(make_batch(within)), as_arrow(make_batch(later_chunk))]

    written = SqlTableWriter(warehouse.hook(), mode="merge").write_all(batches)

    assert batches[0].arrow is not None
    assert batches[0].num_rows == 2
    assert len(batches[0].frame) == 2
    assert written == {"localiq_campaign_summary": 3}
    assert stored_days(warehouse) == [(date(2024, 1, 1), 1, 3), (date(2024, 1, 2), 1, 4)]


def test_kept_open_commits_each_transaction_and_rolls_back_only_the_failed_one(warehouse, make_batch):
    writer = SqlTableWriter(warehouse.hook(), mode="merge")

    with writer.kept_open():
        with writer.transaction() as transaction:
            transaction.write(make_batch(day_rows(range(2), clicks=1)))
        with pytest.raises(RuntimeError, match="boom"):
            write_then_fail(writer, [make_batch(day_rows(range(2), clicks=5))], RuntimeError("boom"))
        with writer.transaction() as transaction:
            transaction.write(make_batch(day_rows(range(2, 3), clicks=3)))
        assert writer.rows_written == {"localiq_campaign_summary": 1}

    assert stored_days(warehouse) == [
        (date(2024, 1, 1), 1, 1),
        (date(2024, 1, 2), 1, 1),
        (date(2024, 1, 3), 1, 3),
    ]
