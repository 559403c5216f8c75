"""The Arrow fast path and the Python path give the same tables."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from airflow_provider_localiq.normalize import Normalizer, RowContext, normalize_document
from airflow_provider_localiq.normalize import leaves as leaves_module
from airflow_provider_localiq.normalize.leaves import exclusion_tree, extract_leaves, python_leaves
from tests.normalize.conftest import ALL_DOCUMENTS, document


class _Advisor:
    def json_type(self, path: tuple[str, ...]) -> str | None:
        return None


def _python_only(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def refuse(rows: list[Any], *args: Any) -> Any:
        calls.append(len(rows))
        raise leaves_module._NoFastPath

    monkeypatch.setattr(leaves_module, "_fast_leaves", refuse)
    return calls


@pytest.mark.parametrize("endpoint", sorted(ALL_DOCUMENTS))
def test_both_paths_give_the_same_frames(
    endpoint: str, context: RowContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = Normalizer(endpoint)
    fast_frames = fast.normalize(document(endpoint), context)

    calls = _python_only(monkeypatch)
    slow = Normalizer(endpoint)
    slow_frames = slow.normalize(document(endpoint), context)

    assert calls
    for table, frame in fast_frames.items():
        pd.testing.assert_frame_equal(frame, slow_frames[table], check_like=True, obj=table)
        assert dict(fast.schemas()[table].columns) == dict(slow.schemas()[table].columns)


@pytest.mark.parametrize(
    "endpoint",
    ["crm_contacts", "crm_contact_interactions", "lead_detail", "unified_display", "facebook_campaign"],
)
def test_the_examples_take_the_fast_path(
    endpoint: str, context: RowContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_calls: list[int] = []
    original = leaves_module.python_leaves

    def spy(rows: list[Any], excluded: Any) -> Any:
        slow_calls.append(len(rows))
        return original(rows, excluded)

    monkeypatch.setattr(leaves_module, "python_leaves", spy)
    normalize_document(endpoint, document(endpoint), context)

    assert slow_calls == []


def test_mixed_value_types_fall_back_to_python() -> None:
    rows = [{"master_campaign_id": "TEST_4"}, {"master_campaign_id": -1}]

    leaves = extract_leaves(rows, {}, _Advisor())

    assert leaves.fast is False
    assert leaves.columns[("master_campaign_id",)] == ["TEST_4", -1]


def test_excluded_keys_are_left_out_on_both_paths() -> None:
    rows = [{"id": 1, "chat": {"summary": "s", "transcript": [{"id": 1}]}, "intervals": [{"a": 1}]}]
    excluded = exclusion_tree([("chat", "transcript"), ("intervals",)])

    fast = extract_leaves(rows, excluded, _Advisor())
    slow = python_leaves(rows, excluded)

    assert fast.fast is True
    assert set(fast.columns) == set(slow.columns) == {("id",), ("chat", "summary")}


def test_exclusion_tree() -> None:
    assert exclusion_tree([("chat", "transcript"), ("intervals",), ("chat", "other")]) == {
        "chat": {"transcript": None, "other": None},
        "intervals": None,
    }
