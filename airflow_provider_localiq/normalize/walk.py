"""Find the rows of every table in a response document, following the registry's row-list paths.

Pure Python over the parsed JSON; nothing is converted here. Each table gets its row objects plus
the key columns the walk itself fills (keys inherited from the enclosing row, ``<placeholder>``
captures, list positions), aligned with the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_localiq.normalize.registry import EndpointSpec, PathStep, TableSpec


@dataclass
class TableRows:
    """The rows found for one table and the walk-filled key columns, aligned with them."""

    rows: list[Any]
    keys: dict[str, list[Any]]
    skipped: int = 0


@dataclass
class _Container:
    """An object on the way to rows (``report_data``, a marketing bucket) and the keys it may hold."""

    literals: dict[str, _Container | None] = field(default_factory=dict)
    has_placeholder: bool = False
    placeholder: _Container | None = None
    scalars_are_rows: bool = False
    skip: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _TablePlan:
    table: TableSpec
    boundaries: Mapping[int, TableSpec]
    own_key_fields: Mapping[str, tuple[str, ...]]
    siblings: Mapping[int, frozenset[str]]
    direct: bool
    below_direct: tuple[str, ...] | None = None
    """Keys from a direct parent's row down to this table's list, when that is the whole path."""


class DocumentWalker:
    """Collect the rows of each table of one endpoint from its response documents."""

    def __init__(self, spec: EndpointSpec) -> None:
        self._spec = spec
        self._root = _Container()
        for table in spec.tables:
            _add_to_tree(self._root, table)
        self._allowed_at_root = set(spec.ignored_keys)
        for column in spec.envelope:
            self._allowed_at_root.update(column.sources)
        by_name = {table.name: table for table in spec.tables}
        self._plans = [self._plan(table, by_name) for table in spec.tables]

    def collect(self, document: Mapping[str, Any]) -> dict[str, TableRows]:
        """Return the rows of every table, keyed by table name (empty tables included)."""
        return {plan.table.name: _collect(plan, document) for plan in self._plans}

    def unexpected_keys(self, document: Mapping[str, Any]) -> list[str]:
        """Return dotted paths of keys outside any row that no table, envelope or ignore entry covers."""
        found: list[str] = []
        _check(self._root, document, (), found, self._allowed_at_root)
        return found

    def _plan(self, table: TableSpec, by_name: Mapping[str, TableSpec]) -> _TablePlan:
        ancestors: list[TableSpec] = []
        parent = table.parent
        while parent is not None:
            ancestor = by_name[parent]
            ancestors.insert(0, ancestor)
            parent = ancestor.parent

        boundaries = {len(ancestor.steps): ancestor for ancestor in ancestors}
        own_key_fields = {ancestor.name: _own_key_fields(ancestor) for ancestor in ancestors}
        siblings = {}
        for index, step in enumerate(table.steps):
            if step.placeholder is not None:
                container = _container_at(self._root, table.steps[:index])
                siblings[index] = frozenset(container.literals) if container is not None else frozenset()

        direct = not table.key_columns and _is_plain_list(table.steps) and table.value_column is None
        below_direct = None
        if ancestors and not table.captures and table.value_column is None:
            nearest = ancestors[-1]
            relative = table.steps[len(nearest.steps) :]
            if not nearest.key_columns and _is_plain_list(nearest.steps) and _is_plain_list(relative):
                below_direct = tuple(step.key or "" for step in relative)
        return _TablePlan(table, boundaries, own_key_fields, siblings, direct, below_direct)


def _is_plain_list(steps: tuple[PathStep, ...]) -> bool:
    """Whether the steps are literal keys and only the last one is a list."""
    return (
        all(step.placeholder is None for step in steps)
        and all(not step.is_list for step in steps[:-1])
        and steps[-1].is_list
    )


def _own_key_fields(table: TableSpec) -> tuple[str, ...]:
    walk_filled = set(table.key_columns)
    return tuple(
        column for column in table.natural_key if not column.startswith("_") and column not in walk_filled
    )


def _add_to_tree(root: _Container, table: TableSpec) -> None:
    node = root
    last = len(table.steps) - 1
    for index, step in enumerate(table.steps):
        ends_here = step.is_list or index == last
        if step.placeholder is not None:
            node.has_placeholder = True
            node.skip = node.skip | table.skip.get(step.placeholder, frozenset())
            if ends_here:
                node.scalars_are_rows = node.scalars_are_rows or table.value_column is not None
                return
            if node.placeholder is None:
                node.placeholder = _Container()
            node = node.placeholder
            continue
        assert step.key is not None
        if ends_here:
            node.literals[step.key] = None
            return
        child = node.literals.get(step.key, _Container())
        if child is None:
            return
        node.literals[step.key] = child
        node = child


def _container_at(root: _Container, steps: tuple[PathStep, ...]) -> _Container | None:
    node: _Container | None = root
    for step in steps:
        if node is None:
            return None
        node = node.placeholder if step.placeholder is not None else node.literals.get(step.key or "")
    return node


def _check(
    node: _Container, value: Mapping[str, Any], path: tuple[str, ...], found: list[str], allowed: set[str]
) -> None:
    for key, item in value.items():
        if key in node.literals:
            child = node.literals[key]
            if child is not None and type(item) is dict:
                _check(child, item, (*path, key), found, set())
        elif node.has_placeholder:
            if type(item) is dict:
                if node.placeholder is not None:
                    _check(node.placeholder, item, (*path, key), found, set())
            elif item is not None and not node.scalars_are_rows and key not in node.skip:
                found.append(".".join((*path, key)))
        elif key not in allowed:
            found.append(".".join((*path, key)))


def _collect(plan: _TablePlan, document: Mapping[str, Any]) -> TableRows:
    table = plan.table
    if plan.direct:
        return _collect_direct(table, document)
    if plan.below_direct is not None:
        parent = plan.boundaries[max(plan.boundaries)]
        parent_rows = _collect_direct(parent, document).rows
        return _collect_below_direct(table, plan.own_key_fields[parent.name], plan.below_direct, parent_rows)

    steps = table.steps
    end = len(steps)
    result = TableRows(rows=[], keys={column: [] for column in table.key_columns})

    def visit(
        value: Any, position: int, keys: Mapping[str, Any], captures: Mapping[str, str], index: int
    ) -> None:
        ancestor = plan.boundaries.get(position)
        if ancestor is not None:
            if type(value) is not dict:
                return
            keys = _row_keys(ancestor, plan.own_key_fields[ancestor.name], value, keys, captures, index)
            captures = {}

        if position == end:
            _emit(table, result, value, keys, captures, index)
            return

        step = steps[position]
        if type(value) is not dict:
            return
        if step.placeholder is not None:
            skip = table.skip.get(step.placeholder, frozenset()) | plan.siblings.get(position, frozenset())
            for key, item in value.items():
                if key not in skip and item is not None:
                    visit(item, position + 1, keys, {**captures, step.placeholder: key}, index)
            return

        child = value.get(step.key or "")
        if child is None:
            return
        if not step.is_list:
            visit(child, position + 1, keys, captures, index)
        elif type(child) is list:
            for item_index, item in enumerate(child):
                visit(item, position + 1, keys, captures, item_index)
        else:
            result.skipped += 1

    visit(document, 0, {}, {}, 0)
    return result


def _collect_direct(table: TableSpec, document: Mapping[str, Any]) -> TableRows:
    value: Any = document
    for step in table.steps:
        if type(value) is not dict:
            return TableRows(rows=[], keys={})
        value = value.get(step.key or "")
    if value is None:
        return TableRows(rows=[], keys={})
    if type(value) is not list:
        return TableRows(rows=[], keys={}, skipped=1)

    # The parsed list is handed over untouched; entries that are not objects are dropped (and
    # counted) when the rows are converted.
    return TableRows(rows=value, keys={})


def _collect_below_direct(
    table: TableSpec, parent_fields: tuple[str, ...], keys: tuple[str, ...], parent_rows: list[Any]
) -> TableRows:
    """Collect child rows such as transcript lines in one loop over the parent records."""
    result = TableRows(rows=[], keys={column: [] for column in table.key_columns})
    inherit = list(table.inherit.items())
    for parent_row in parent_rows:
        value = parent_row
        for key in keys:
            if type(value) is not dict:
                value = None
                break
            value = value.get(key)
        if value is None:
            continue
        if type(value) is not list:
            result.skipped += 1
            continue

        parent_keys = {column: parent_row.get(column) for column in parent_fields}
        for index, item in enumerate(value):
            if type(item) is not dict:
                if item is not None:
                    result.skipped += 1
                continue
            result.rows.append(item)
            for column, parent_column in inherit:
                result.keys[column].append(parent_keys.get(parent_column))
            if table.index_column is not None:
                result.keys[table.index_column].append(index)
    return result


def _row_keys(
    table: TableSpec,
    own_fields: tuple[str, ...],
    row: Mapping[str, Any],
    parent_keys: Mapping[str, Any],
    captures: Mapping[str, str],
    index: int,
) -> dict[str, Any]:
    keys = {column: parent_keys.get(parent_column) for column, parent_column in table.inherit.items()}
    for placeholder in table.captures:
        keys[placeholder] = captures.get(placeholder)
    if table.index_column is not None:
        keys[table.index_column] = index
    for column in own_fields:
        keys[column] = row.get(column)
    return keys


def _emit(
    table: TableSpec,
    result: TableRows,
    value: Any,
    keys: Mapping[str, Any],
    captures: Mapping[str, str],
    index: int,
) -> None:
    if type(value) is dict:
        row = value
    elif table.value_column is not None and value is not None:
        row = {table.value_column: value}
    else:
        if value is not None:
            result.skipped += 1
        return

    result.rows.append(row)
    for column, parent_column in table.inherit.items():
        result.keys[column].append(keys.get(parent_column))
    for placeholder in table.captures:
        result.keys[placeholder].append(captures.get(placeholder))
    if table.index_column is not None:
        result.keys[table.index_column].append(index)
