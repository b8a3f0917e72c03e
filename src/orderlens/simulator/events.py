"""Columnar buffers that collect simulated events as integer arrays, then build Arrow.

Generating ten million events with Python objects would be far too slow, so every step
of the simulation adds one *block*: arrays (or scalars) for a whole chunk of orders.
Strings are interned in a :class:`StringTable` and stored as integer codes; ids are
spelled only when the chunk is turned into an Arrow table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NONE = -1
"""Code of a missing value in every integer-coded column."""

TIMESTAMP = pa.timestamp("us", tz="UTC")


_ARROW_TYPES = {
    np.dtype(np.int32): pa.int32(),
    np.dtype(np.int64): pa.int64(),
    np.dtype(np.float64): pa.float64(),
}


def with_nulls(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    """An Arrow array of ``values`` that is null where ``valid`` is false.

    Builds the validity bitmap with numpy: ``pa.array(values, mask=...)`` is about thirty
    times slower on the millions of rows a chunk has.
    """
    values = np.ascontiguousarray(values)
    arrow_type = _ARROW_TYPES[values.dtype]
    missing = len(values) - int(np.count_nonzero(valid))
    if missing == 0:
        return pa.array(values, type=arrow_type)
    bitmap = np.packbits(np.asarray(valid, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(
        arrow_type,
        len(values),
        [pa.py_buffer(bitmap), pa.py_buffer(values)],
        null_count=missing,
    )


class StringTable:
    """Interns strings as integer codes, shared by all columns of one run."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._values: list[str] = []
        self._dictionary: pa.Array | None = None

    def code(self, value: str) -> int:
        """Code of ``value``, interning it on first use."""
        found = self._codes.get(value)
        if found is None:
            found = len(self._values)
            self._codes[value] = found
            self._values.append(value)
            self._dictionary = None
        return found

    def codes(self, values: Sequence[str]) -> np.ndarray:
        """Codes of ``values`` as an int32 array (a lookup table for ``take``)."""
        return np.array([self.code(value) for value in values], dtype=np.int32)

    def encode(self, codes: np.ndarray) -> pa.DictionaryArray:
        """Dictionary-encoded strings for ``codes`` (only the values used); ``NONE`` is null.

        Writing a dictionary array to Parquet skips materialising millions of repeated
        strings, which is what keeps the simulator fast at scale.
        """
        codes = np.asarray(codes, dtype=np.int32)
        present = codes >= 0
        counts = np.bincount(codes[present], minlength=len(self._values))
        used = np.flatnonzero(counts)
        position = np.full(len(self._values) + 1, NONE, dtype=np.int32)
        position[used] = np.arange(len(used), dtype=np.int32)
        indices = with_nulls(position[codes], present)
        dictionary = pa.array([self._values[code] for code in used], type=pa.string())
        return pa.DictionaryArray.from_arrays(indices, dictionary)

    def decode(self, codes: np.ndarray) -> pa.Array:
        """Strings for ``codes``; ``NONE`` becomes null."""
        codes = np.asarray(codes, dtype=np.int32)
        indices = with_nulls(codes, codes >= 0)
        if self._dictionary is None:
            self._dictionary = pa.array(self._values, type=pa.string())
        return pc.take(self._dictionary, indices)


@dataclass
class _Block:
    size: int
    columns: dict[str, np.ndarray | int | float]


class WorkflowBuffer:
    """Workflow events of one chunk, block by block, in the order they were caused.

    Every block holds one step for many orders. The order in which blocks are added is
    a causal order (a step is added after the steps it depends on), and it breaks ties
    between events of one order that happen in the same instant.
    """

    def __init__(self, strings: StringTable) -> None:
        self.strings = strings
        self._blocks: list[_Block] = []

    def add(
        self,
        order: np.ndarray,
        at: np.ndarray,
        **columns: np.ndarray | int | float | str | None,
    ) -> None:
        """Add one step for the orders ``order`` (local indices) at times ``at``.

        Args:
            order: Local order index of every event.
            at: Event time (UNIX seconds) of every event.
            **columns: Other columns by name: string-coded ``activity``,
                ``source_system``, ``resource``, ``resource_type``, ``channel``, ``node``,
                ``region``, ``carrier``, ``supplier``, ``exception_type``, ``stage``,
                ``reason``, ``attributes``; numbered ``line``, ``shipment``,
                ``payment``, ``return_``, ``exception``; and ``amount``. Each is a code
                array, a number array, a scalar, or a string that is interned.
        """
        size = len(order)
        if size == 0:
            return
        block: dict[str, np.ndarray | int | float] = {"order": order, "at": at}
        for name, value in columns.items():
            if value is None:
                continue
            block[name] = self.strings.code(value) if isinstance(value, str) else value
        self._blocks.append(_Block(size, block))

    def column(self, name: str, default: float, dtype: type) -> np.ndarray:
        """One column over all blocks, scalars broadcast and missing ones ``default``."""
        parts = []
        for block in self._blocks:
            value = block.columns.get(name, default)
            if np.isscalar(value):
                parts.append(np.full(block.size, value, dtype=dtype))
            else:
                parts.append(np.asarray(value, dtype=dtype))
        if not parts:
            return np.zeros(0, dtype=dtype)
        return np.concatenate(parts)

    def block_sequence(self) -> np.ndarray:
        """Index of the block each event came from (the causal tie-breaker)."""
        if not self._blocks:
            return np.zeros(0, dtype=np.int32)
        return np.repeat(
            np.arange(len(self._blocks), dtype=np.int32),
            [block.size for block in self._blocks],
        )


INTEGRATION_COLUMNS = (
    "order",
    "interface",
    "instance",
    "attempt",
    "sent_at",
    "latency_ms",
    "status",
    "dead_lettered",
    "replayed",
    "error",
)


class IntegrationBuffer:
    """Delivery attempts of middleware messages of one chunk, as column arrays."""

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {name: [] for name in INTEGRATION_COLUMNS}

    def add(self, **columns: np.ndarray) -> None:
        """Add attempts; every column of ``INTEGRATION_COLUMNS`` as an equal-length array."""
        for name in INTEGRATION_COLUMNS:
            self._parts[name].append(columns[name])

    def column(self, name: str) -> np.ndarray:
        """One column over all added attempts."""
        parts = self._parts[name]
        return np.concatenate(parts) if parts else np.zeros(0)


def join_ids(*parts: pa.Array | str) -> pa.Array:
    """Concatenate string arrays and literals element-wise (null if any part is null)."""
    return pc.binary_join_element_wise(*parts, "")


def numbered(numbers: np.ndarray, *, width: int = 0) -> pa.Array:
    """Numbers as strings, zero-padded to ``width``; negative numbers become null."""
    numbers = np.asarray(numbers, dtype=np.int64)
    text = with_nulls(numbers, numbers >= 0).cast(pa.string())
    return pc.utf8_lpad(text, width=width, padding="0") if width else text


def whole_milliseconds(seconds: np.ndarray) -> np.ndarray:
    """UNIX seconds rounded to the millisecond, as integer microseconds.

    Source systems log milliseconds; rounding is monotonic, so events at least one second
    apart keep their order.
    """
    return np.round(np.asarray(seconds, dtype=np.float64) * 1e3).astype(np.int64) * 1000


def seconds_to_timestamps(seconds: np.ndarray) -> pa.Array:
    """UNIX seconds as an Arrow UTC timestamp array (millisecond precision)."""
    return pa.array(whole_milliseconds(seconds), type=pa.int64()).cast(TIMESTAMP)
