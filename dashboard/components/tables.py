"""Sortable tables; order ids become links to the order-detail page.

Text from the data is shown as text: link cells are Markdown whose label and address are
escaped, and the table renders no HTML.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pandas as pd
from dash import dash_table

from orderlens.display_names import DisplayNames

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def _is_missing(value: object) -> bool:
    return value is None or (not isinstance(value, str | list | tuple) and bool(pd.isna(value)))


def order_href(case_id: str, query: str = "") -> str:
    """Address of one order's detail page (the id URL-quoted, the filters kept)."""
    return f"/orders/{quote(str(case_id), safe='')}{query}"


def order_link_markdown(case_id: str, query: str = "") -> str:
    """A Markdown link to the order whose label cannot be read as Markdown or HTML."""
    label = _MARKDOWN_SPECIAL.sub(r"\\\1", str(case_id))
    return f"[{label}]({order_href(case_id, query)})"


def data_table(
    frame: pd.DataFrame,
    *,
    table_id: str,
    columns: dict[str, str],
    query: str = "",
    page_size: int = 15,
    numeric_formats: dict[str, str] | None = None,
    code_kinds: dict[str, str] | None = None,
    names: DisplayNames | None = None,
) -> dash_table.DataTable:
    """A natively sortable table of ``columns`` (name -> header); ``case_id`` cells link.

    Columns named in ``code_kinds`` show display names; the code and what it means are
    the cell's hover text, so nothing is lost for people who know the codes.

    Args:
        frame: Rows to show.
        table_id: Element id.
        columns: Column name to header text, in display order.
        query: The filters' URL query, kept on order links.
        page_size: Rows per page.
        numeric_formats: d3-format specifiers for numeric columns (e.g. ``",.1f"``).
        code_kinds: Column name to the code kind of its values (``"reason_code"``).
        names: The display names (empty names word the codes).
    """
    numeric_formats = numeric_formats or {}
    code_kinds = {name: kind for name, kind in (code_kinds or {}).items() if name in columns}
    names = names or DisplayNames()
    shown = frame[list(columns)].copy()
    tooltips = [
        {
            name: {"value": names.description(kind, row[name]), "type": "text"}
            for name, kind in code_kinds.items()
            if not _is_missing(row[name])
        }
        for row in shown.to_dict("records")
    ]
    for name, kind in code_kinds.items():
        shown[name] = [names.name(kind, code) for code in shown[name]]
    if "case_id" in shown:
        shown["case_id"] = [order_link_markdown(value, query) for value in shown["case_id"]]
    for name in shown.columns:
        if isinstance(
            shown[name].dtype, pd.DatetimeTZDtype
        ) or pd.api.types.is_datetime64_any_dtype(shown[name]):
            shown[name] = shown[name].dt.strftime("%Y-%m-%d %H:%M")
        elif pd.api.types.is_bool_dtype(shown[name]):
            shown[name] = shown[name].map({True: "yes", False: "no"})
    specification = []
    for name, header in columns.items():
        column: dict[str, object] = {"name": header, "id": name}
        if name == "case_id":
            column["presentation"] = "markdown"
        elif name in numeric_formats:
            column["type"] = "numeric"
            column["format"] = {"specifier": numeric_formats[name]}
        specification.append(column)
    return dash_table.DataTable(
        id=table_id,
        columns=specification,
        data=shown.astype(object).where(shown.notna(), None).to_dict("records"),
        sort_action="native",
        page_size=page_size,
        tooltip_data=tooltips if code_kinds else None,
        tooltip_delay=300,
        tooltip_duration=None,
        markdown_options={"html": False, "link_target": "_self"},
        style_table={"overflowX": "auto"},
        style_cell={
            "fontSize": 13,
            "padding": "4px 8px",
            "textAlign": "left",
            "fontFamily": "system-ui, sans-serif",
        },
        style_header={"fontWeight": "600", "backgroundColor": "#f1f3f5", "whiteSpace": "normal"},
        style_data={"whiteSpace": "normal", "height": "auto"},
    )
