"""The project's own generic dbt tests, run by dbt on rows whose failures are counted by
hand: a test that never fails would pass every build."""

from __future__ import annotations

import json

from fixture_warehouse import BuiltWarehouse

from orderlens.dbt_runner import run_dbt


def _show(built_warehouse: BuiltWarehouse, sql: str) -> list[dict]:
    """The rows of ``sql`` (Jinja allowed) as dbt compiles and runs it on the warehouse."""
    completed = run_dbt(
        built_warehouse.settings,
        ["show", "--inline", sql, "--output", "json", "--limit", "-1", "--quiet"],
    )
    return json.loads(completed.stdout)["show"]


def test_not_null_columns_returns_each_column_holding_nulls_with_its_null_rows(
    built_warehouse: BuiltWarehouse,
) -> None:
    # Rows (a, b, c): (1, null, 5), (null, null, 6), (3, 4, 7). a is null once, b twice,
    # c never: the test fails with exactly two rows.
    rows = _show(
        built_warehouse,
        "{{ test_not_null_columns(model='(select * from (values (1, null, 5), "
        "(null, null, 6), (3, 4, 7)) as t(a, b, c))', columns=['a', 'b', 'c']) }}",
    )
    assert sorted((row["null_column"], row["null_rows"]) for row in rows) == [("a", 1), ("b", 2)]


def test_not_null_columns_passes_on_filled_columns_and_on_an_empty_model(
    built_warehouse: BuiltWarehouse,
) -> None:
    filled = _show(
        built_warehouse,
        "{{ test_not_null_columns(model='(select * from (values (1, 2), (3, 4)) as t(a, b))',"
        " columns=['a', 'b']) }}",
    )
    empty = _show(
        built_warehouse,
        "{{ test_not_null_columns(model='(select 1 as a where false)', columns=['a']) }}",
    )
    assert filled == []
    assert empty == []
