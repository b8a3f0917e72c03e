"""Display names: the words people read instead of the codes the data carries.

Reason codes (``line_out_of_stock``), nodes (``DC-EAST-01``), interfaces
(``OMS->ERP:post_invoice``), automation modes (``auto_act``) and the other codes a log
carries are looked up in the reference table ``marts.dim_display_names`` (built from the
``display_names`` seed, which users extend with their own codes). A code the table does
not list is still worded readably by :func:`humanize_code`, so no page or report shows a
raw snake_case code. The code itself stays available to the caller (a hover title, the
order detail) through :meth:`DisplayNames.description` and the code.

The dashboard and the forum report both read names here; nothing in this module knows
about either.

Example:
    >>> names = display_names_from_rows(
    ...     [("reason_code", "line_out_of_stock", "Line out of stock", "")]
    ... )
    >>> names.name("reason_code", "line_out_of_stock")
    'Line out of stock'
    >>> names.name("interface", "OMS->ERP:post_invoice")
    'OMS → ERP: post invoice'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import duckdb

DISPLAY_NAMES_TABLE = "marts.dim_display_names"

CODE_KINDS: tuple[str, ...] = (
    "reason_code",
    "exception_type",
    "exception_class",
    "node",
    "region",
    "carrier",
    "supplier",
    "channel",
    "system",
    "interface",
    "automation_mode",
    "fulfillment_type",
    "message_status",
    "dimension",
)
"""The kinds of code the reference table names (``code_kind`` in the seed)."""

NOT_RECORDED = "Not recorded"
"""What a missing code (``None`` or empty) reads as."""

ACRONYMS: frozenset[str] = frozenset(
    {
        "3pl",
        "api",
        "avs",
        "crm",
        "dc",
        "edi",
        "erp",
        "gl",
        "id",
        "oms",
        "po",
        "pos",
        "rma",
        "sku",
        "sla",
        "tms",
        "ups",
        "wms",
    }
)
"""Words written in capitals when a code is worded by :func:`humanize_code`."""

_INTERFACE = re.compile(r"^\s*([^-:>\s]+)\s*->\s*([^-:>\s]+)\s*:\s*(.+?)\s*$")
_SEPARATORS = re.compile(r"[_\s]+")


def _words(text: str) -> list[str]:
    return [word for word in _SEPARATORS.split(text) if word]


def _word(word: str) -> str:
    return word.upper() if word.lower() in ACRONYMS else word


_CODE_LIKE = re.compile(r"[\w.:>\- ]+")
"""What a code looks like: word characters, dots, dashes, colons, arrows and spaces."""


def humanize_code(code: object) -> str:
    """A readable wording of a code no reference row names.

    ``snake_case`` codes become sentence case (known acronyms in capitals); an interface
    ``SOURCE->TARGET:operation`` becomes ``SOURCE → TARGET: operation`` with the operation
    in words; identifiers without underscores (``DC-EAST-01``, ``ParcelPro``) are kept as
    they are, since they are already what people call them.

    Examples:
        >>> humanize_code("line_out_of_stock")
        'Line out of stock'
        >>> humanize_code("erp_posting_failure")
        'ERP posting failure'
        >>> humanize_code("WMS->TMS:ship_request")
        'WMS → TMS: ship request'
        >>> humanize_code("DC-EAST-01")
        'DC-EAST-01'
        >>> humanize_code("see <b>this</b> note")
        'see <b>this</b> note'
    """
    if code is None:
        return NOT_RECORDED
    text = str(code).strip()
    if not text or text.lower() in {"nan", "none", "<na>"}:
        return NOT_RECORDED
    if not _CODE_LIKE.fullmatch(text):
        # Free text someone typed is not a code: shown exactly as written.
        return text
    interface = _INTERFACE.match(text)
    if interface:
        source, target, operation = interface.groups()
        words = " ".join(_word(word) for word in _words(operation.replace("-", " ")))
        return f"{source} → {target}: {words}"
    if "_" not in text or text.isupper():
        return text.replace("_", " ")
    words = [_word(word) for word in _words(text)]
    lowered = [word if word.isupper() else word.lower() for word in words]
    first = lowered[0]
    lowered[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(lowered)


@dataclass(frozen=True)
class DisplayName:
    """The name and one-sentence description of one code."""

    display_name: str
    description: str = ""


@dataclass(frozen=True)
class DisplayNames:
    """Display names by (code kind, code), with :func:`humanize_code` for the rest.

    Attributes:
        entries: The reference rows, keyed by ``(code_kind, code)``.
    """

    entries: Mapping[tuple[str, str], DisplayName] = field(default_factory=dict)

    def name(self, kind: str, code: object) -> str:
        """The display name of ``code`` of ``kind`` (a worded fallback when not listed)."""
        if code is None:
            return NOT_RECORDED
        found = self.entries.get((kind, str(code)))
        return found.display_name if found else humanize_code(code)

    def names(self, kind: str, codes: Iterable[object]) -> list[str]:
        """:meth:`name` of each code, in order."""
        return [self.name(kind, code) for code in codes]

    def description(self, kind: str, code: object) -> str:
        """What the code means, ending with the code itself (for a hover title).

        Example:
            >>> DisplayNames().description("reason_code", "refund_late")
            'Code: refund_late'
        """
        if code is None:
            return ""
        found = self.entries.get((kind, str(code)))
        meaning = found.description.strip() if found else ""
        return f"{meaning} Code: {code}" if meaning else f"Code: {code}"

    def mapping(self, kind: str, codes: Iterable[object]) -> dict[object, str]:
        """Code to display name for each distinct code (for relabelling a column)."""
        return {code: self.name(kind, code) for code in dict.fromkeys(codes)}


def display_names_from_rows(rows: Iterable[tuple[str, str, str, str | None]]) -> DisplayNames:
    """Display names from ``(code_kind, code, display_name, description)`` rows.

    Raises:
        ValueError: when a row's kind is not one of :data:`CODE_KINDS`, naming the row.
    """
    entries: dict[tuple[str, str], DisplayName] = {}
    for index, (kind, code, display_name, description) in enumerate(rows, start=1):
        if kind not in CODE_KINDS:
            raise ValueError(
                f"display names row {index}: unknown code_kind {kind!r}; known: {CODE_KINDS}"
            )
        entries[(kind, str(code))] = DisplayName(str(display_name), description or "")
    return DisplayNames(entries)


def read_display_names(
    connection: duckdb.DuckDBPyConnection, table: str = DISPLAY_NAMES_TABLE
) -> DisplayNames:
    """The display names in the warehouse (or a serving copy) ``connection`` reads.

    A warehouse built before the table existed gives an empty table: every code is then
    worded by :func:`humanize_code`, never shown raw.
    """
    try:
        rows = connection.execute(
            f"SELECT code_kind, code, display_name, description FROM {table}"
        ).fetchall()
    except duckdb.CatalogException:
        return DisplayNames()
    return display_names_from_rows(rows)
