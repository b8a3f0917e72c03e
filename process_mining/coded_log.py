"""The event log as integer-coded arrays, sorted once: the fast path of maps and variants.

The directly-follows graph with waiting times and the variants are the hot path of
process mining: on ten million events a SQL formulation sorts the log twice (once per
window, once per ordered list) and counts distinct cases per edge. Here the log is read
from DuckDB once, as small integers (activities coded in name order, cases coded
densely, timestamps as microseconds) in case order, and everything else is vectorized
numpy over those arrays. The process events (``int_process_events_selected``) come from
their coded copy, the ``fct_event_log`` mart that ``dbt build`` writes already in case
order, whenever it is current; any other relation (or a copy behind the events) is coded
in SQL and sorted once:

* edges are the positions where the next row belongs to the same case; frequencies,
  total waits and distinct cases come from ``bincount`` over edge codes, medians and
  95th percentiles from ``partition`` inside each edge's waits;
* variants group cases by a polynomial hash of their activity codes, and every case's
  sequence is then compared element by element with its group's first case, so a hash
  collision can never merge two variants (an exact grouping takes over if one occurs).

Order inside a case is the contract's: event time, then arrival order (``event_seq``),
then activity name, a stable order, so every number equals pm4py's on the same log.
Filters of the :class:`~process_mining.event_log.EventLog` are still applied in SQL.

Example:
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE e AS SELECT * FROM (VALUES"
    ...     " ('c1', 'a', TIMESTAMPTZ '2026-01-01 00:00:00+00', 1),"
    ...     " ('c1', 'b', TIMESTAMPTZ '2026-01-01 00:01:00+00', 2))"
    ...     " t(case_id, activity, event_at, event_seq)")
    >>> summary = discover_process_summary(con, EventLog(relation="e"))
    >>> summary.edges["mean_wait_seconds"].tolist(), summary.variants["variant"].tolist()
    ([60.0], ['a > b'])
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from process_mining.event_log import (
    PROCESS_EVENTS,
    EventLog,
    events_query,
    kept_cases_query,
    quoted,
)

EDGE_COLUMNS = [
    "source_activity",
    "target_activity",
    "frequency",
    "case_count",
    "mean_wait_seconds",
    "median_wait_seconds",
    "p95_wait_seconds",
    "total_wait_seconds",
]
"""Columns of a process map: one row per directly-follows edge."""

VARIANT_SEPARATOR = " > "
"""Separator of activities in a variant's one-line label."""

VARIANT_COLUMNS = [
    "variant",
    "activities",
    "case_count",
    "case_share",
    "cumulative_share",
    "mean_throughput_seconds",
    "median_throughput_seconds",
]
"""Columns of a variants table: one row per distinct activity sequence."""

ENDPOINT_COLUMNS = ["activity", "start_count", "end_count", "event_count"]
"""Columns of the endpoint table: how many cases start and end with each activity."""

P95 = 0.95
"""The upper waiting-time quantile of a process map, linearly interpolated between the
two closest ranks (numpy's default method, DuckDB's ``quantile_cont``)."""

_MICROSECONDS = 1_000_000
_HASH_MULTIPLIER = 0x9E3779B97F4A7C15
"""Odd 64-bit multiplier of the variant hash (the golden-ratio constant)."""


@dataclass(frozen=True)
class CodedLog:
    """The kept events as arrays in case order (contract order inside each case).

    Attributes:
        activities: Activity names; a code is an index into this tuple (names sorted,
            so ordering by code is ordering by name).
        activity_codes: Activity code of each event (``int32``).
        timestamps_us: Event time of each event, microseconds since the epoch.
        case_starts: Index of the first event of each case, ascending (``int64``).
    """

    activities: tuple[str, ...]
    activity_codes: np.ndarray
    timestamps_us: np.ndarray
    case_starts: np.ndarray

    @property
    def case_lengths(self) -> np.ndarray:
        """Events per case, in the order of :attr:`case_starts`."""
        return np.diff(np.append(self.case_starts, len(self.activity_codes)))


@dataclass(frozen=True)
class ProcessSummary:
    """A process map with waiting times, the variants and the endpoints of one log.

    Attributes:
        edges: One row per directly-follows edge (:data:`EDGE_COLUMNS`).
        variants: One row per variant (:data:`VARIANT_COLUMNS`), most frequent first.
        endpoints: Start, end and event counts per activity (:data:`ENDPOINT_COLUMNS`).
    """

    edges: pd.DataFrame
    variants: pd.DataFrame
    endpoints: pd.DataFrame


@dataclass(frozen=True)
class CodedCopy:
    """Where the warehouse keeps an event log integer-coded and in case order.

    Attributes:
        schema: Schema of both tables.
        events_table: One row per event: ``case_number``, ``case_id``,
            ``activity_code``, ``event_at``, ``event_seq``, in case order.
        activities_table: ``activity_code`` and ``activity``, codes in name order.
    """

    schema: str
    events_table: str
    activities_table: str

    @property
    def events(self) -> str:
        """Qualified name of the events table."""
        return f"{self.schema}.{self.events_table}"

    @property
    def activities(self) -> str:
        """Qualified name of the activities table."""
        return f"{self.schema}.{self.activities_table}"


CODED_WORKFLOW_EVENTS = CodedCopy("marts", "fct_event_log", "dim_activities")
"""The process events as dbt codes them (models ``fct_event_log`` and ``dim_activities``,
both built from ``int_process_events_selected``)."""


def coded_events_query(log: EventLog) -> tuple[str, list[object]]:
    """SQL returning the kept events integer-coded, each with its position in the scan.

    Returns:
        The query (columns ``position``, ``case_code``, ``activity_code``, ``at_us``,
        ``event_seq``; rows in no particular order, ``position`` restores the order in
        which the relation holds them) and its parameters.
    """
    events, parameters = events_query(log)
    # Inlined, not materialized: a materialized CTE would copy every event, strings
    # included, and raise peak memory by half.
    query = (
        f"WITH events AS NOT MATERIALIZED ({events}),"
        f" activity_codes AS (SELECT activity,"
        f" (row_number() OVER (ORDER BY activity) - 1)::INTEGER AS activity_code"
        f" FROM (SELECT DISTINCT activity FROM events)),"
        f" case_codes AS (SELECT case_id, (row_number() OVER () - 1)::INTEGER AS case_code"
        f" FROM (SELECT DISTINCT case_id FROM events)),"
        f" scanned AS (SELECT row_number() OVER () - 1 AS position, * FROM events)"
        f" SELECT position, case_code, activity_code, epoch_us(event_at) AS at_us,"
        f" coalesce(event_seq, 0) AS event_seq"
        f" FROM scanned JOIN activity_codes USING (activity) JOIN case_codes USING (case_id)"
    )
    return query, parameters


def _out_of_contract_order(
    at_us: np.ndarray, sequence: np.ndarray, codes: np.ndarray
) -> np.ndarray:
    """Flags, per pair of neighbouring events, whether the second sorts before the first
    in the contract order (time, arrival, activity).

    Arrival and activity are compared only where times tie, usually few pairs.
    """
    time_step = np.diff(at_us)
    disordered = time_step < 0
    ties = np.flatnonzero(time_step == 0)
    sequence_step = sequence[ties + 1] - sequence[ties]
    disordered[ties] = (sequence_step < 0) | (
        (sequence_step == 0) & (codes[ties + 1] < codes[ties])
    )
    return disordered


def _stable_argsort_codes(case_codes: np.ndarray) -> np.ndarray:
    """Stable permutation sorting non-negative ``int32`` codes.

    Two stable passes over 16-bit halves use numpy's radix sort, much faster on ten
    million rows than a comparison sort of the 32-bit codes.
    """
    low = (case_codes & 0xFFFF).astype(np.uint16)
    by_low = np.argsort(low, kind="stable")
    if int(case_codes.max(initial=0)) <= 0xFFFF:
        return by_low
    high = (case_codes[by_low] >> 16).astype(np.uint16)
    return by_low[np.argsort(high, kind="stable")]


def coded_copy_of(log: EventLog) -> CodedCopy | None:
    """The integer-coded copy of ``log``'s relation, if orderlens builds one.

    Only the process events with the contract's column roles have one (the
    ``fct_event_log`` mart); a log over any other relation is coded on the fly.
    """
    if (
        log.relation,
        log.case_column,
        log.activity_column,
        log.timestamp_column,
        log.order_column,
    ) == (PROCESS_EVENTS, "case_id", "activity", "event_at", "event_seq"):
        return CODED_WORKFLOW_EVENTS
    return None


def _coded_copy_is_current(con: duckdb.DuckDBPyConnection, log: EventLog, copy: CodedCopy) -> bool:
    """Whether the coded copy holds exactly the events of the relation it was built from.

    The copy is rebuilt by every ``dbt build``; between an ingest and the next build the
    staged events are ahead of it. Equal event counts and equal highest arrival numbers
    (arrival numbers only grow) prove it current; a missing copy is not current.
    """
    present = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name IN (?, ?)",
        [copy.schema, copy.events_table, copy.activities_table],
    ).fetchone()
    if not present or present[0] != 2:
        return False
    counts = con.execute(
        f"SELECT (SELECT count(*) FROM {quoted(log.relation)}),"
        f" (SELECT max(event_seq) FROM {quoted(log.relation)}),"
        f" (SELECT count(*) FROM {quoted(copy.events)}),"
        f" (SELECT max(event_seq) FROM {quoted(copy.events)})"
    ).fetchone()
    return bool(counts) and counts[0] == counts[2] and counts[1] == counts[3]


def _read_coded_copy(
    con: duckdb.DuckDBPyConnection, log: EventLog, copy: CodedCopy
) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """Activities and the four coded columns of the kept events, from the coded copy."""
    activities = tuple(
        name
        for (name,) in con.execute(
            f"SELECT activity FROM {quoted(copy.activities)} ORDER BY activity_code"
        ).fetchall()
    )
    query = (
        "SELECT case_number, activity_code, epoch_us(event_at) AS at_us,"
        f" coalesce(event_seq, 0) AS event_seq FROM {quoted(copy.events)}"
    )
    parameters: list[object] = []
    if log.case_filters:
        kept, parameters = kept_cases_query(log)
        query = f"WITH kept_cases AS ({kept}) {query} SEMI JOIN kept_cases USING (case_id)"
    # Arrow hands over the numeric columns with about half the work of fetchnumpy.
    fetched = con.sql(query, params=parameters).to_arrow_table()
    return activities, [
        np.asarray(fetched.column(name).combine_chunks().to_numpy(), dtype=dtype)
        for name, dtype in (
            ("case_number", np.int32),
            ("activity_code", np.int32),
            ("at_us", np.int64),
            ("event_seq", np.int64),
        )
    ]


def _read_and_code(
    con: duckdb.DuckDBPyConnection, log: EventLog
) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """Activities and the four coded columns of the kept events, coding them in SQL.

    Events come out of DuckDB coded but shuffled by its parallel joins; their scan
    position puts them back (a scatter, no sort), so they are in the order in which the
    relation holds them.
    """
    events, parameters = events_query(log)
    activities = tuple(
        name
        for (name,) in con.execute(
            f"SELECT DISTINCT activity FROM ({events}) ORDER BY activity", parameters
        ).fetchall()
    )
    query, parameters = coded_events_query(log)
    fetched = con.sql(query, params=parameters).fetchnumpy()
    position = np.asarray(fetched.pop("position"), dtype=np.int64)
    columns = [
        np.asarray(fetched.pop("case_code"), dtype=np.int32),
        np.asarray(fetched.pop("activity_code"), dtype=np.int32),
        np.asarray(fetched.pop("at_us"), dtype=np.int64),
        np.asarray(fetched.pop("event_seq"), dtype=np.int64),
    ]
    if len(position) > 1 and not (np.diff(position) > 0).all():
        for index, values in enumerate(columns):
            restored = np.empty_like(values)
            restored[position] = values
            columns[index] = restored
    return activities, columns


def load_coded_log(con: duckdb.DuckDBPyConnection, log: EventLog) -> CodedLog:
    """Read the kept events of ``log`` once, as codes in case order.

    The coded copy (``fct_event_log``) is read when it is current: three numeric
    columns already in case order. Otherwise the relation is coded in SQL. Either way the
    order is checked, not trusted: a stable sort by case keeps the order in which the
    events came, usually already the contract order, and only the cases where it is not
    are sorted again, by (time, arrival, activity).

    Args:
        con: Connection to the warehouse or the serving copy.
        log: The (filtered) event log.
    """
    copy = coded_copy_of(log)
    if copy is not None and _coded_copy_is_current(con, log, copy):
        activities, columns = _read_coded_copy(con, log, copy)
    else:
        activities, columns = _read_and_code(con, log)
    case_step = np.diff(columns[0])
    if (case_step < 0).any():
        by_case = _stable_argsort_codes(columns[0])
        columns = [values[by_case] for values in columns]
        del by_case
        case_step = np.diff(columns[0])
    case_codes, activity_codes, at_us, sequence = columns
    del columns
    new_case = case_step != 0
    del case_step
    case_starts = np.concatenate(([0], np.flatnonzero(new_case) + 1)) if len(case_codes) else []
    disordered = _out_of_contract_order(at_us, sequence, activity_codes) & ~new_case
    if disordered.any():
        case_of_event = np.cumsum(np.concatenate(([False], new_case)))
        affected = np.isin(case_of_event, case_of_event[np.flatnonzero(disordered)])
        rows = np.flatnonzero(affected)
        reordered = rows[
            np.lexsort((activity_codes[rows], sequence[rows], at_us[rows], case_of_event[rows]))
        ]
        activity_codes[rows] = activity_codes[reordered]
        at_us[rows] = at_us[reordered]
    return CodedLog(
        activities=activities,
        activity_codes=activity_codes,
        timestamps_us=at_us,
        case_starts=np.asarray(case_starts, dtype=np.int64),
    )


def _quantile_of_sorted_runs(
    sorted_values: np.ndarray, run_starts: np.ndarray, run_lengths: np.ndarray, quantile: float
) -> np.ndarray:
    """Linearly interpolated ``quantile`` of each run of an already sorted array."""
    position = quantile * (run_lengths - 1)
    below = np.floor(position).astype(np.int64)
    above = np.ceil(position).astype(np.int64)
    low = sorted_values[run_starts + below].astype(np.float64)
    high = sorted_values[run_starts + above].astype(np.float64)
    return low + (high - low) * (position - below)


def _edge_quantiles(
    waits: np.ndarray, run_starts: np.ndarray, run_lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Median and :data:`P95` of each edge's waits (``waits`` grouped by edge).

    Each edge's waits are only partitioned around the ranks the two quantiles need,
    linear in their number rather than a sort.
    """
    medians = np.empty(len(run_starts))
    upper = np.empty(len(run_starts))
    for index, (start, length) in enumerate(zip(run_starts, run_lengths, strict=True)):
        run = waits[start : start + length]
        median_position = 0.5 * (length - 1)
        p95_position = P95 * (length - 1)
        ranks = sorted(
            {
                int(np.floor(median_position)),
                int(np.ceil(median_position)),
                int(np.floor(p95_position)),
                int(np.ceil(p95_position)),
            }
        )
        partitioned = np.partition(run, ranks)
        for position, target, row in (
            (median_position, medians, index),
            (p95_position, upper, index),
        ):
            below = float(partitioned[int(np.floor(position))])
            above = float(partitioned[int(np.ceil(position))])
            target[row] = below + (above - below) * (position - np.floor(position))
    return medians, upper


def _dense_codes(values: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``values`` (all in ``[0, bound)``) ascending, and each value's index
    among them: a counting pass when ``bound`` is small, a sort otherwise."""
    if bound > 1 << 24:
        return np.unique(values, return_inverse=True)
    present = np.flatnonzero(np.bincount(values, minlength=bound))
    index = np.zeros(bound, dtype=np.int64)
    index[present] = np.arange(len(present))
    return present, index[values]


def compute_edges(coded: CodedLog) -> pd.DataFrame:
    """The frequency and performance process map of a coded log.

    Returns:
        One row per edge (:data:`EDGE_COLUMNS`), most frequent first (ties by names);
        waiting times in seconds, ``total_wait_seconds`` over all occurrences.
    """
    codes = coded.activity_codes
    is_case_start = np.zeros(len(codes), dtype=bool)
    is_case_start[coded.case_starts] = True
    # Every neighbouring pair of events is a candidate; the pairs inside one case are
    # kept by one compress, cheaper than gathering both ends through an index array.
    within_case = ~is_case_start[1:]
    if not within_case.any():
        return pd.DataFrame({column: [] for column in EDGE_COLUMNS})
    width = len(coded.activities)
    pair_dtype = np.int32 if width * width < 1 << 31 else np.int64
    raw_edges = (codes[:-1].astype(pair_dtype) * width + codes[1:])[within_case]
    present, edge_of_transition = _dense_codes(raw_edges, width * width)
    edge_of_transition = edge_of_transition.astype(
        np.uint16 if len(present) <= 0xFFFF else np.int64
    )
    by_edge = np.argsort(edge_of_transition, kind="stable")
    grouped_edges = edge_of_transition[by_edge]
    waits = np.diff(coded.timestamps_us)[within_case][by_edge]
    frequency = np.bincount(grouped_edges, minlength=len(present))
    run_starts = np.concatenate(([0], np.cumsum(frequency)[:-1]))
    total_us = np.add.reduceat(waits, run_starts)
    case_dtype = np.int32 if len(coded.case_starts) < 1 << 31 else np.int64
    grouped_cases = np.cumsum(is_case_start, dtype=case_dtype)[:-1][within_case][by_edge]
    first_of_case = np.ones(len(grouped_cases), dtype=bool)
    first_of_case[1:] = (grouped_cases[1:] != grouped_cases[:-1]) | (
        grouped_edges[1:] != grouped_edges[:-1]
    )
    case_count = np.bincount(grouped_edges[first_of_case], minlength=len(present))
    medians, upper = _edge_quantiles(waits, run_starts, frequency)
    names = np.array(coded.activities, dtype=object)
    frame = pd.DataFrame(
        {
            "source_activity": names[present // width],
            "target_activity": names[present % width],
            "frequency": frequency.astype(np.int64),
            "case_count": case_count.astype(np.int64),
            "mean_wait_seconds": total_us / frequency / _MICROSECONDS,
            "median_wait_seconds": medians / _MICROSECONDS,
            "p95_wait_seconds": upper / _MICROSECONDS,
            "total_wait_seconds": total_us / _MICROSECONDS,
        }
    )
    return frame.sort_values(
        ["frequency", "source_activity", "target_activity"], ascending=[False, True, True]
    ).reset_index(drop=True)


def _sequence_hashes(
    codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray, multiplier: int
) -> np.ndarray:
    """Polynomial hash (mod 2**64) of each case's code sequence, mixed with its length."""
    longest = int(lengths.max(initial=1))
    powers = np.ones(longest, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for position in range(1, longest):
            powers[position] = powers[position - 1] * np.uint64(multiplier)
        position_in_case = np.arange(len(codes)) - np.repeat(starts, lengths)
        terms = (codes.astype(np.uint64) + np.uint64(1)) * powers[position_in_case]
        hashes = np.add.reduceat(terms, starts) if len(starts) else terms[:0]
        return hashes + lengths.astype(np.uint64) * np.uint64(_HASH_MULTIPLIER)


def group_sequences(
    codes: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    *,
    multiplier: int = _HASH_MULTIPLIER,
) -> tuple[np.ndarray, np.ndarray]:
    """Group cases by their exact code sequence.

    Args:
        codes: Codes of all events, cases one after another.
        starts: Index of each case's first code.
        lengths: Codes per case.
        multiplier: Base of the polynomial hash (a parameter so tests can force
            collisions and see them resolved).

    Returns:
        The group of each case (dense, ``0..groups-1``) and the first case of each group.
    """
    hashes = _sequence_hashes(codes, starts, lengths, multiplier)
    _, first_case, group_of_case = np.unique(hashes, return_index=True, return_inverse=True)
    representative = first_case[group_of_case]
    same_length = lengths == lengths[representative]
    if same_length.all():
        case_of_event = np.repeat(np.arange(len(starts)), lengths)
        position_in_case = np.arange(len(codes)) - starts[case_of_event]
        twin = starts[representative][case_of_event] + position_in_case
        if np.array_equal(codes, codes[twin]):
            return group_of_case.astype(np.int64), first_case.astype(np.int64)
    groups: dict[bytes, int] = {}
    exact = np.empty(len(starts), dtype=np.int64)
    firsts: list[int] = []
    for case, (start, length) in enumerate(zip(starts, lengths, strict=True)):
        key = codes[start : start + length].tobytes()
        if key not in groups:
            groups[key] = len(firsts)
            firsts.append(case)
        exact[case] = groups[key]
    return exact, np.array(firsts, dtype=np.int64)


def compute_variants(coded: CodedLog, *, top_k: int | None = None) -> pd.DataFrame:
    """The variants of a coded log, most frequent first (ties by label).

    Args:
        coded: The coded log.
        top_k: Keep only the ``top_k`` most frequent; shares stay relative to all cases.

    Returns:
        One row per variant (:data:`VARIANT_COLUMNS`): ``activities`` the ordered list,
        ``variant`` its label, ``cumulative_share`` the share of cases covered by this
        and all more frequent variants, throughput times (first to last event) in seconds.
    """
    starts, lengths = coded.case_starts, coded.case_lengths
    if len(starts) == 0:
        return pd.DataFrame({column: [] for column in VARIANT_COLUMNS})
    group_of_case, first_case = group_sequences(coded.activity_codes, starts, lengths)
    throughput = coded.timestamps_us[starts + lengths - 1] - coded.timestamps_us[starts]
    case_count = np.bincount(group_of_case, minlength=len(first_case))
    by_group = np.lexsort((throughput, group_of_case))
    run_starts = np.concatenate(([0], np.cumsum(case_count)[:-1]))
    sorted_throughput = throughput[by_group]
    medians = _quantile_of_sorted_runs(sorted_throughput, run_starts, case_count, 0.5)
    totals = np.add.reduceat(sorted_throughput, run_starts).astype(np.float64)
    names = coded.activities
    activities = [
        [names[code] for code in coded.activity_codes[start : start + length]]
        for start, length in zip(starts[first_case], lengths[first_case], strict=True)
    ]
    frame = pd.DataFrame(
        {
            "variant": [VARIANT_SEPARATOR.join(sequence) for sequence in activities],
            "activities": activities,
            "case_count": case_count.astype(np.int64),
            "mean_throughput_seconds": totals / case_count / _MICROSECONDS,
            "median_throughput_seconds": medians / _MICROSECONDS,
        }
    )
    frame = frame.sort_values(["case_count", "variant"], ascending=[False, True])
    total_cases = int(case_count.sum())
    frame["case_share"] = frame["case_count"] / total_cases
    frame["cumulative_share"] = frame["case_count"].cumsum() / total_cases
    frame = frame.reset_index(drop=True)[VARIANT_COLUMNS]
    return frame if top_k is None else frame.head(int(top_k))


def compute_endpoints(coded: CodedLog) -> pd.DataFrame:
    """How many cases start and end with each activity, and its events.

    Returns:
        :data:`ENDPOINT_COLUMNS`, one row per activity occurring in the log, most events
        first (ties by name).
    """
    width = len(coded.activities)
    starts = coded.case_starts
    ends = starts + coded.case_lengths - 1
    frame = pd.DataFrame(
        {
            "activity": list(coded.activities),
            "start_count": np.bincount(coded.activity_codes[starts], minlength=width),
            "end_count": np.bincount(coded.activity_codes[ends], minlength=width),
            "event_count": np.bincount(coded.activity_codes, minlength=width),
        }
    )
    frame = frame[frame["event_count"] > 0].astype(
        {column: np.int64 for column in ENDPOINT_COLUMNS[1:]}
    )
    return frame.sort_values(["event_count", "activity"], ascending=[False, True]).reset_index(
        drop=True
    )


def summarize_coded_log(coded: CodedLog) -> ProcessSummary:
    """Process map with waiting times, variants and endpoints of an already read log.

    The map and the variants share nothing but the read arrays, and numpy releases the
    GIL in its array loops: on two cores they are computed side by side.
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        edges = pool.submit(compute_edges, coded)
        variants = pool.submit(compute_variants, coded)
        endpoints = compute_endpoints(coded)
        return ProcessSummary(edges=edges.result(), variants=variants.result(), endpoints=endpoints)


def discover_process_summary(con: duckdb.DuckDBPyConnection, log: EventLog) -> ProcessSummary:
    """Process map with waiting times, variants and endpoints, from one read of the log.

    Args:
        con: Connection to the warehouse or the serving copy.
        log: The (filtered) event log.
    """
    return summarize_coded_log(load_coded_log(con, log))
