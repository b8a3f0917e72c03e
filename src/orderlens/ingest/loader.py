"""Loading files into the warehouse exactly once: one transaction per file.

For each file: hash it; if the manifest already holds that content, report it as already
loaded and change nothing. Otherwise, inside one transaction, read it into a source view,
type and check every record (:mod:`orderlens.ingest.validation`), give id-less events their
deterministic id, set aside second copies of known events, append the valid records to the
raw table with their lineage (``event_seq``, ``source_file``, ``source_row``, ``load_id``),
the others to ``quarantine.rejected_rows``, and the file's row to ``raw.ingest_manifest``;
then commit. A process killed at any point before the commit leaves no trace of the file,
so running the same ingest again loads every event exactly once.

A CSV or JSON Lines file is read in its declared or detected encoding
(:mod:`orderlens.ingest.encoding`); timestamps are checked against the file's plausible
window (settings, then mapping); a file most of whose records fail validation is rolled
back and reported as failed (:mod:`orderlens.ingest.failures`); and the pseudonymization
key, when none is set, comes from the data directory's key file, created on first need.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
from sqlmodel import SQLModel

from orderlens.contract import field_names, qualified_name, stored_table_name
from orderlens.ingest.csv_reader import register_csv
from orderlens.ingest.encoding import codec_name, detect_encoding, utf8_text
from orderlens.ingest.failures import MostlyInvalidError, describe_failure, is_mostly_invalid
from orderlens.ingest.formats import (
    OCEL1_FORMATS,
    OCEL2_FORMATS,
    SourceFormat,
    detect_format,
    expand_paths,
)
from orderlens.ingest.jsonl_reader import register_jsonl
from orderlens.ingest.manifest import (
    MANIFEST_TABLE,
    append_ledger,
    create_manifest_table,
    file_checksum,
    loaded_from,
    rewrite_ledger,
    stat_entry,
)
from orderlens.ingest.mapping import MappingFile, SourceMapping, Target, load_mapping
from orderlens.ingest.ocel1_reader import choose_ocel1_case_type, read_ocel1
from orderlens.ingest.ocel_reader import (
    OCEL_TABLE,
    OcelSource,
    choose_case_type,
    create_ocel_tables,
    insert_ocel_relations,
    pseudonymize_log,
    read_ocel,
    register_ocel,
)
from orderlens.ingest.parquet_reader import register_parquet
from orderlens.ingest.personal_content import ContentScan
from orderlens.ingest.pseudonymization import (
    ATTRIBUTES_COLUMN as ATTRIBUTES_FIELD,
)
from orderlens.ingest.pseudonymization import (
    KeyFile,
    PersonalDataError,
    PseudonymizationPolicy,
    pseudonymize_source,
)
from orderlens.ingest.quarantine import QUARANTINE_TABLE, create_quarantine_table
from orderlens.ingest.results import FileResult, FileStatus, IngestReport
from orderlens.ingest.source import (
    SOURCE_VIEW,
    SourceColumns,
    UnreadableFileError,
    first_line,
    quote_literal,
)
from orderlens.ingest.validation import (
    CHECKED_VIEW,
    FAILED_COLUMN,
    HASHED_CONTENT,
    HASHED_TABLE,
    IDENTITY_COLUMNS,
    MODELS,
    REASON_COLUMN,
    RECORD_COLUMN,
    REJECTED_TABLE,
    VALID_COLUMN,
    MissingColumnsError,
    TimestampWindow,
    content_hash_sql,
    content_id_sql,
    plan_validation,
    source_column_for,
    timestamp_window,
)
from orderlens.ingest.xes_reader import XES_TABLE, register_xes
from orderlens.lake import sync_lake
from orderlens.settings import DEFAULT_PLAUSIBLE_FROM, Engine, FreeTextHandling, Settings
from orderlens.warehouse import connect, initialize_warehouse, store_raw_columns

ROW = "__row"
_DUPLICATES = "_ingest_duplicates"
_CHECKED_COPY = "_ingest_checked_copy"
_OCCURRENCES = "_ingest_occurrences"


def create_ingest_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ingestion's own tables: manifest, quarantine and the OCEL relations."""
    create_manifest_table(con)
    create_quarantine_table(con)
    create_ocel_tables(con)


def ingest_paths(
    settings: Settings,
    paths: Sequence[Path],
    *,
    mapping: Path | None = None,
    on_result: Callable[[FileResult], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest files and folders (scanned recursively) into the warehouse, each exactly once.

    Args:
        settings: Where the warehouse is.
        paths: Files and folders; folders yield their recognised event-log files, hidden
            files and ``ground_truth*`` files left out.
        mapping: A column-mapping YAML file (see ``docs/ingestion.md``).
        on_result: Called after each file, e.g. to print progress.
        on_wait: Told once who holds the warehouse when another process is writing it;
            the ingest waits up to ``settings.warehouse_lock_timeout_seconds``.

    Raises:
        MappingError: the mapping file cannot be used (nothing is ingested).
        WarehouseBusyError: another process held the warehouse for the whole wait.
    """
    mapping_file = load_mapping(mapping)
    initialize_warehouse(settings, on_wait=on_wait)
    ledger = settings.ingest_ledger_path
    results: list[FileResult] = []
    with connect(
        settings.warehouse_path,
        lock_timeout=settings.warehouse_lock_timeout_seconds,
        on_wait=on_wait,
    ) as con:
        create_ingest_tables(con)
        rewrite_ledger(con, ledger)
        key = settings.pseudonymization_key
        key_file = None if key is not None else KeyFile(settings.pseudonymization_key_path)
        for path in expand_paths(list(paths)):
            key_existed = key_file is not None and key_file.created
            try:
                result = ingest_file(
                    con,
                    path,
                    mapping_file,
                    key=None if key is None else key.encode("utf-8"),
                    key_file=key_file,
                    plausible_from=settings.plausible_from,
                    plausible_until=settings.plausible_until,
                    scratch_dir=settings.data_dir,
                    free_text_handling=settings.free_text,
                )
            finally:
                _drop_temporaries(con)
            if key_file is not None and key_file.created and not key_existed:
                result = replace(
                    result,
                    notice=f"created the pseudonymization key file {key_file.path} (mode 0600) "
                    "for the personal data of this file: keep it (or copy its content into "
                    "ORDERLENS_PSEUDONYMIZATION_KEY), a new key gives new pseudonyms",
                )
            if result.checksum is not None and result.status is not FileStatus.ALREADY_LOADED:
                append_ledger(ledger, stat_entry(path, result.checksum))
            results.append(result)
            if on_result is not None:
                on_result(result)
    if settings.engine is Engine.SPARK:
        sync_lake(settings)
    return IngestReport(tuple(results))


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping_file: MappingFile,
    *,
    key: bytes | None = None,
    key_file: KeyFile | None = None,
    plausible_from: date = DEFAULT_PLAUSIBLE_FROM,
    plausible_until: date | None = None,
    scratch_dir: Path | None = None,
    free_text_handling: FreeTextHandling = FreeTextHandling.SCRUB,
) -> FileResult:
    """Ingest one file in its own transaction; never raises for bad input.

    ``key`` pseudonymizes personal data, else the key of ``key_file`` (created when the
    file holds some); with neither, a file holding personal data is rejected.
    ``plausible_from`` and ``plausible_until`` are the settings' timestamp window, which the
    file's mapping may override; ``scratch_dir`` holds the UTF-8 copy of a text file in
    another encoding while it is read (the system's temporary folder when ``None``);
    ``free_text_handling`` is the setting, which the mapping may override.
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    shown = str(path)
    source_format = detect_format(path)
    if not path.is_file():
        return FileResult(shown, FileStatus.REJECTED, message="no such file")
    if source_format is None:
        return FileResult(
            shown,
            FileStatus.REJECTED,
            message="not a recognised event-log format (csv, tsv, parquet, jsonl, xes, "
            "xes.gz, jsonocel, xmlocel, sqlite, or OCEL 1.0/2.0 as json or xml)",
        )
    try:
        checksum = file_checksum(path)
    except OSError as error:
        return FileResult(
            shown, FileStatus.REJECTED, message=f"cannot read the file: {error.strerror}"
        )
    previous = loaded_from(con, checksum)
    if previous is not None:
        return FileResult(
            shown,
            FileStatus.ALREADY_LOADED,
            message=f"already loaded as {previous[0]} from {previous[1]}",
            format=str(source_format),
            load_id=previous[0],
            checksum=checksum,
        )
    load_id = f"{started_at:%Y%m%dT%H%M%S%f}-{checksum[:12]}"
    source_file = str(path.resolve())
    size = path.stat().st_size
    mapping = mapping_file.for_file(path)
    policy = PseudonymizationPolicy(
        key,
        mapping.personal,
        mapping.safe,
        key_file=key_file,
        free_text=mapping.free_text,
        free_text_handling=mapping.free_text_handling or free_text_handling,
    )
    scan = ContentScan()
    window = timestamp_window(
        mapping, plausible_from=plausible_from, plausible_until=plausible_until, now=started_at
    )
    in_transaction = False
    encoding: str | None = None
    try:
        encoding = _text_encoding(path, source_format, mapping)
        with utf8_text(path, encoding, scratch_dir) as readable:
            source_view, columns, ocel, scan = _register(
                con, readable, source_format, mapping, policy
            )
        con.execute("BEGIN TRANSACTION")
        in_transaction = True
        if ocel is not None:
            insert_ocel_relations(con, ocel.log, load_id=load_id, source_file=source_file)
        result = _load(
            con,
            path,
            source_view,
            columns,
            mapping,
            load_id,
            source_file,
            window,
            expected_invalid=0 if ocel is None else ocel.caseless_events,
        )
    except (
        UnreadableFileError,
        MissingColumnsError,
        PersonalDataError,
        duckdb.Error,
        OSError,
        ValueError,
    ) as error:
        if in_transaction:
            con.execute("ROLLBACK")
        message = (
            str(error)
            if isinstance(
                error,
                UnreadableFileError | MissingColumnsError | PersonalDataError | MostlyInvalidError,
            )
            else first_line(error)
        )
        failed = isinstance(error, MostlyInvalidError)
        rejected = FileResult(
            shown,
            FileStatus.FAILED if failed else FileStatus.REJECTED,
            message=message,
            format=str(source_format),
            target_table=error.target_table if isinstance(error, MostlyInvalidError) else None,
            load_id=load_id,
            checksum=checksum,
            seconds=time.perf_counter() - started,
            encoding=encoding,
        )
        con.execute("BEGIN TRANSACTION")
        _record(con, rejected, source_file, size, started_at, window)
        con.execute("COMMIT")
        return rejected
    counted = FileResult(
        shown,
        FileStatus.LOADED,
        rows_read=result.rows_read,
        loaded=result.loaded,
        quarantined=result.quarantined,
        duplicates=result.duplicates,
        format=str(source_format),
        target_table=result.target_table,
        repeated_idempotency_keys=result.repeated_idempotency_keys,
        load_id=load_id,
        checksum=checksum,
        seconds=time.perf_counter() - started,
        message="" if ocel is None else ocel.case_type.describe(),
        case_object_type=None if ocel is None else ocel.case_type.object_type,
        encoding=encoding,
        content_findings=_describe_scan(scan, policy.free_text_handling),
    )
    _record(con, counted, source_file, size, started_at, window)
    con.execute("COMMIT")
    return counted


def _describe_scan(scan: ContentScan, handling: FreeTextHandling) -> str:
    """What the content scan changed, in words (empty when nothing)."""
    parts = []
    if scan.personal:
        found = ", ".join(finding.describe() for finding in scan.personal)
        parts.append(f"personal data found by content, pseudonymized: {found}")
    free = [*scan.free_text_columns, *(f"attributes.{key}" for key in scan.free_text_keys)]
    if free:
        done = "scrubbed" if handling is FreeTextHandling.SCRUB else "excluded"
        parts.append(f"free text {done}: {', '.join(free)}")
    return "; ".join(parts)


def _content_rules(
    columns: SourceColumns, mapping: SourceMapping
) -> tuple[frozenset[str], frozenset[str]]:
    """Which source columns may be found to be free text (those feeding no contract
    column, and the one feeding ``error_message``), and which are never scanned for
    personal content (those feeding a contract timestamp: an event time is no birthday).
    """
    fed: dict[str, str] = {}
    for model in MODELS.values():
        for name in field_names(model):
            column = mapping.columns.get(name) or source_column_for(name, columns)
            if column is not None and name != ATTRIBUTES_FIELD:
                fed.setdefault(column, name)
    prose = frozenset(name for name in columns.names if fed.get(name) in (None, "error_message"))
    timestamps = frozenset(
        column for column, name in fed.items() if name in ("event_at", "sent_at")
    )
    return prose, timestamps


def _text_encoding(path: Path, source_format: SourceFormat, mapping: SourceMapping) -> str | None:
    """The declared or detected encoding of a CSV, JSON Lines or OCEL 1.0 CSV/JSON file;
    ``None`` for others.

    Raises:
        UnreadableFileError: no encoding reads the file (see :func:`detect_encoding`).
    """
    if source_format not in (
        SourceFormat.CSV,
        SourceFormat.JSONL,
        SourceFormat.OCEL1_CSV,
        SourceFormat.OCEL1_JSON,
    ):
        return None
    if mapping.csv.encoding is not None:
        return codec_name(mapping.csv.encoding)
    return detect_encoding(path)


def _register(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source_format: SourceFormat,
    mapping: SourceMapping,
    policy: PseudonymizationPolicy,
) -> tuple[str, SourceColumns, OcelSource | None, ContentScan]:
    """Register the file as the source view, personal data replaced, before the load's
    transaction; the name of the view to validate from, its columns, the OCEL log
    with its case type, and what the content scan found (OCEL logs are pseudonymized by
    name only, in Python).

    Reading writes only temporary tables, and reading outside the transaction gives them
    ordinary row ids (file order), which the CSV and JSON Lines readers number records by.
    """
    if source_format in OCEL1_FORMATS | OCEL2_FORMATS:
        if source_format in OCEL1_FORMATS:
            read = read_ocel1(path, source_format, timezone=mapping.timezone)
            case_type = choose_ocel1_case_type(read, mapping.case_object_type)
        else:
            read = read_ocel(path, source_format, timezone=mapping.timezone)
            case_type = choose_case_type(read, mapping.case_object_type)
        log = pseudonymize_log(read, policy)
        columns = register_ocel(con, log, case_type=case_type.object_type)
        caseless = _count(con, f"SELECT count(*) FROM {SOURCE_VIEW} WHERE case_id IS NULL")
        return SOURCE_VIEW, columns, OcelSource(log, case_type, caseless), ContentScan()
    if source_format is SourceFormat.PARQUET:
        columns = register_parquet(con, path)
    elif source_format is SourceFormat.CSV:
        columns = register_csv(con, path, mapping.csv)
    elif source_format is SourceFormat.JSONL:
        columns = register_jsonl(con, path)
    else:
        columns = register_xes(con, path)
    prose, timestamps = _content_rules(columns, mapping)
    view, columns, scan = pseudonymize_source(
        con, columns, policy, prose_allowed=prose, unscanned=timestamps
    )
    return view, columns, None, scan


def _drop_temporaries(con: duckdb.DuckDBPyConnection) -> None:
    """Free what reading one file left behind (a large CSV's text copy, side tables)."""
    for registered in (XES_TABLE, OCEL_TABLE):
        con.unregister(registered)
    for name, kind in con.execute(
        "SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary "
        "AND view_name LIKE '\\_ingest%' ESCAPE '\\' "
        "UNION ALL SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary "
        "AND table_name LIKE '\\_ingest%' ESCAPE '\\'"
    ).fetchall():
        con.execute(f"DROP {kind} IF EXISTS {name}")


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _load(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source_view: str,
    columns: SourceColumns,
    mapping: SourceMapping,
    load_id: str,
    source_file: str,
    window: TimestampWindow,
    *,
    expected_invalid: int = 0,
) -> FileResult:
    """Validate, deduplicate and append one registered source, in as few passes as possible.

    The typed-and-checked records are a view. A first pass reads only the identity
    columns: when every identity in the file is distinct, no event lacks an id, and none
    is already loaded, nothing can be a duplicate, and one ``INSERT ... SELECT ... WHERE
    valid`` pass validates and appends the whole file, never materialised; the failing
    records are collected afterwards, and only when the append left some out. Otherwise
    the careful path checks the records once into a temporary table and runs from it:
    ids for id-less valid events, then duplicates among the valid records, then the
    append; failing records are collected last. A file failing the rule of
    :mod:`orderlens.ingest.failures` raises, and the caller rolls it back;
    ``expected_invalid`` records (an OCEL log's events with no object of the case type,
    which another case type would load) are quarantined but do not count towards it.

    Raises:
        MostlyInvalidError: more records failed validation than were loaded.
    """
    plan = plan_validation(columns, mapping, window=window, source_view=source_view)
    target = plan.target
    model = MODELS[target]
    raw_table = qualified_name(model)
    keys = IDENTITY_COLUMNS[target]
    con.execute(f"CREATE OR REPLACE TEMP VIEW {CHECKED_VIEW} AS {plan.select_sql}")
    rows_read = _count(con, f"SELECT count(*) FROM {SOURCE_VIEW}")
    written = plan.written_columns
    supplied = set(columns.names) | set(mapping.columns) | set(mapping.constants)
    carries_event_ids = "event_id" in supplied
    if target is Target.WORKFLOW and not carries_event_ids:
        event_id_sql = _content_ids_if_new(con, raw_table)
        new = event_id_sql is not None
    else:
        event_id_sql = None
        new = _identities_are_new(con, raw_table, keys)
    if new:
        loaded, invalid, duplicates = _append_directly(
            con, model, written, rows_read, load_id, source_file, event_id_sql=event_id_sql
        )
    else:
        loaded, invalid, duplicates = _append_carefully(
            con,
            raw_table,
            model,
            target,
            written,
            rows_read,
            load_id,
            source_file,
            carries_event_ids=carries_event_ids,
        )
    if loaded != rows_read - invalid - duplicates:
        raise RuntimeError(
            f"{path}: counts do not add up ({loaded} + {invalid} + {duplicates} != {rows_read})"
        )
    if is_mostly_invalid(loaded=loaded, invalid=invalid - expected_invalid):
        raise MostlyInvalidError(
            describe_failure(
                con, rows_read=rows_read, loaded=loaded, invalid=invalid, window=window
            ),
            target_table=raw_table,
        )
    repeated = _repeated_idempotency_keys(con, load_id) if target is Target.INTEGRATION else 0
    return FileResult(
        str(path),
        FileStatus.LOADED,
        rows_read=rows_read,
        loaded=loaded,
        quarantined=invalid + duplicates,
        duplicates=duplicates,
        target_table=raw_table,
        repeated_idempotency_keys=repeated,
    )


def _identities_are_new(
    con: duckdb.DuckDBPyConnection, raw_table: str, keys: tuple[str, ...]
) -> bool:
    """Whether no record of the file can be a duplicate, judged on identity columns alone.

    True when every record (valid or not) carries an id, the ids are pairwise distinct
    (as many distinct 64-bit hashes as records proves it; distinct ids make distinct
    identities whatever the source system), and none of the identities is in the raw
    table already. A missing id hashes to DuckDB's fixed hash of NULL, so a record with
    that hash, id-less or an id colliding with it, sends the file down the careful path,
    which is exact. DuckDB hashes the ids in parallel and numpy looks for a repeat.
    """
    key_list = ", ".join(keys)
    id_column = keys[-1]
    null_hash = con.execute("SELECT hash(NULL::VARCHAR)").fetchone()
    hashes = np.asarray(
        con.execute(f"SELECT hash({id_column}) AS id_hash FROM {CHECKED_VIEW}").fetchnumpy()[
            "id_hash"
        ]
    )
    if null_hash is not None and (hashes == np.uint64(null_hash[0])).any():
        return False
    if _any_repeated(hashes):
        return False
    del hashes
    has_rows = con.execute(f"SELECT EXISTS (SELECT 1 FROM {raw_table})").fetchone()
    if not has_rows or not has_rows[0]:
        return True
    overlap = con.execute(
        f"SELECT EXISTS (SELECT 1 FROM (SELECT {key_list} FROM {CHECKED_VIEW}) AS c "
        f"SEMI JOIN (SELECT {key_list} FROM {raw_table}) AS r USING ({key_list}))"
    ).fetchone()
    return not (overlap and overlap[0])


def _content_ids_if_new(con: duckdb.DuckDBPyConnection, raw_table: str) -> str | None:
    """The event id expression for a file without event ids, when nothing can repeat.

    Content ids (:func:`~orderlens.ingest.validation.content_id_sql`) never repeat within
    a file: identical records get occurrence numbers 1, 2, .... So a file can only
    duplicate events already loaded, and only when a record's content is in the raw table;
    64-bit hashes of the content compared with the raw table's prove that cheaply (a hash
    collision only sends the file down the careful path, which is exact). Occurrence
    numbers are then computed for the records whose content hash repeats in the file, if
    any, and every other record is occurrence 1: no window over the whole file, and the
    validating pass appends the records with their ids, never materialised.

    Returns:
        The SQL of ``event_id`` over ``CHECKED_VIEW`` (joined to the occurrence table when
        some content repeats), or None when the careful path must decide.
    """
    content_hash = f"hash({', '.join(HASHED_CONTENT)})"
    hashes = np.asarray(
        con.execute(
            f"SELECT {content_hash} AS content_hash FROM {CHECKED_VIEW} WHERE {VALID_COLUMN}"
        ).fetchnumpy()["content_hash"]
    )
    repeats = _any_repeated(hashes)
    del hashes
    has_rows = con.execute(f"SELECT EXISTS (SELECT 1 FROM {raw_table})").fetchone()
    if has_rows and has_rows[0]:
        overlap = con.execute(
            f"SELECT EXISTS (SELECT 1 FROM "
            f"(SELECT {content_hash} AS h FROM {CHECKED_VIEW} WHERE {VALID_COLUMN}) AS c "
            f"SEMI JOIN (SELECT {content_hash} AS h FROM {raw_table}) AS r USING (h))"
        ).fetchone()
        if overlap and overlap[0]:
            return None
    if not repeats:
        return content_id_sql("1")
    partition = ", ".join(HASHED_CONTENT)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_OCCURRENCES} AS "
        f"SELECT {ROW}, row_number() OVER (PARTITION BY {partition} ORDER BY {ROW}) AS occurrence "
        f"FROM {CHECKED_VIEW} WHERE {VALID_COLUMN} AND {content_hash} IN ("
        f"  SELECT {content_hash} FROM {CHECKED_VIEW} WHERE {VALID_COLUMN} "
        "  GROUP BY ALL HAVING count(*) > 1)"
    )
    return content_id_sql(f"coalesce({_OCCURRENCES}.occurrence, 1)")


def _any_repeated(hashes: np.ndarray) -> bool:
    """Whether any 64-bit hash occurs twice: sort and compare neighbours.

    Equal values share their top bit, so the two halves split on it are sorted and
    checked apart, in two threads (numpy sorts without the interpreter lock): on ten
    million hashes that halves the sort, the costliest step of proving ids distinct.
    """
    upper = hashes >= np.uint64(1 << 63)
    halves = (hashes[upper], hashes[~upper])

    def repeats_within(half: np.ndarray) -> bool:
        half.sort()
        return bool((half[1:] == half[:-1]).any())

    with ThreadPoolExecutor(max_workers=2) as pool:
        return any(pool.map(repeats_within, halves))


def _append(
    con: duckdb.DuckDBPyConnection,
    model: type[SQLModel],
    names: Sequence[str],
    select: str,
    load_id: str,
    source_file: str,
) -> int:
    """Append ``select`` (``__row`` and the contract columns ``names``) with its lineage to
    the raw model's stored table, which gains any of ``names`` it lacks; rows appended.

    Columns the file does not supply are left out: writing ten million NULLs per absent
    column costs DuckDB about as much as writing a real one.
    """
    base = _max_event_seq(con)
    store_raw_columns(con, model, names)
    # event_seq carries the order, so the append need not keep it (less memory, parallel)
    con.execute("SET preserve_insertion_order = false")
    try:
        inserted = con.execute(
            f"INSERT INTO {stored_table_name(model)} "
            f"({', '.join(names)}, event_seq, source_file, source_row, load_id) "
            f"SELECT {', '.join(names)}, {base} + {ROW}, ?, {ROW}, ? FROM ({select})",
            [source_file, load_id],
        ).fetchone()
    finally:
        con.execute("RESET preserve_insertion_order")
    return int(inserted[0]) if inserted else 0


def _quarantine_invalid(con: duckdb.DuckDBPyConnection, load_id: str, source_file: str) -> None:
    """Move the collected failing records into the quarantine table."""
    con.execute(
        f"INSERT INTO {QUARANTINE_TABLE} "
        f"SELECT ?, ?, {ROW}, {FAILED_COLUMN}, {REASON_COLUMN}, {RECORD_COLUMN}, "
        f"CASE WHEN {FAILED_COLUMN} IS NULL THEN 'unreadable' ELSE 'invalid' END "
        f"FROM {REJECTED_TABLE} ORDER BY {ROW}",
        [load_id, source_file],
    )


def _collect_invalid(con: duckdb.DuckDBPyConnection) -> int:
    """Keep the failing records in a temporary table; how many there are."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {REJECTED_TABLE} AS "
        f"SELECT {ROW}, {REASON_COLUMN}, {FAILED_COLUMN}, {RECORD_COLUMN} "
        f"FROM {CHECKED_VIEW} WHERE NOT {VALID_COLUMN}"
    )
    return _count(con, f"SELECT count(*) FROM {REJECTED_TABLE}")


def _append_directly(
    con: duckdb.DuckDBPyConnection,
    model: type[SQLModel],
    written: Sequence[str],
    rows_read: int,
    load_id: str,
    source_file: str,
    *,
    event_id_sql: str | None = None,
) -> tuple[int, int, int]:
    """One validating pass appends every valid record; failing ones are collected after.

    ``event_id_sql`` gives id-less records their content ids (from
    :func:`_content_ids_if_new`).

    Returns:
        ``(loaded, invalid, duplicates)``; duplicates is always 0 on this path.
    """
    outputs = [
        f"{event_id_sql} AS event_id" if name == "event_id" and event_id_sql else name
        for name in written
    ]
    source = CHECKED_VIEW
    if event_id_sql and _OCCURRENCES in event_id_sql:
        source += f" LEFT JOIN {_OCCURRENCES} USING ({ROW})"
    select = f"SELECT {ROW}, {', '.join(outputs)} FROM {source} WHERE {VALID_COLUMN}"
    loaded = _append(con, model, written, select, load_id, source_file)
    if loaded == rows_read:
        return loaded, 0, 0
    invalid = _collect_invalid(con)
    _quarantine_invalid(con, load_id, source_file)
    return loaded, invalid, 0


def _append_carefully(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    model: type[SQLModel],
    target: Target,
    written: Sequence[str],
    rows_read: int,
    load_id: str,
    source_file: str,
    *,
    carries_event_ids: bool = True,
) -> tuple[int, int, int]:
    """Ids for id-less valid events, then duplicates among the valid records, then the
    append; failing records are collected last, and only when some records are missing.
    ``carries_event_ids`` is false when the file (with its mapping) has no event id at all.

    Returns:
        ``(loaded, invalid, duplicates)``.
    """
    keys = IDENTITY_COLUMNS[target]
    # This path reads the checked records three times or more (ids, duplicates, append):
    # typing and checking them once into a temporary table costs less than re-running
    # every check on each read.
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_CHECKED_COPY} AS SELECT * FROM {CHECKED_VIEW}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {CHECKED_VIEW} AS SELECT * FROM {_CHECKED_COPY}")
    hashed = 0
    if target is Target.WORKFLOW:
        con.execute(content_hash_sql())
        hashed = _count(con, f"SELECT count(*) FROM {HASHED_TABLE}")
    valid = _valid_records(keys, hashed=hashed)
    every_id_hashed = hashed > 0 and not carries_event_ids
    duplicates = _find_duplicates(con, raw_table, keys, valid, every_id_hashed=every_id_hashed)
    selected = _valid_records(written, hashed=hashed, duplicates=duplicates)
    loaded = _append(con, model, written, selected, load_id, source_file)
    invalid = 0
    if loaded + duplicates < rows_read:
        invalid = _collect_invalid(con)
        _quarantine_invalid(con, load_id, source_file)
    if duplicates:
        names = field_names(model)
        record = "to_json(struct_pack(" + ", ".join(f"{name} := v.{name}" for name in names) + "))"
        every = _valid_records(names, hashed=hashed)
        con.execute(
            f"INSERT INTO {QUARANTINE_TABLE} "
            f"SELECT ?, ?, v.{ROW}, {quote_literal(keys[-1])}, d.reason, {record}, 'duplicate' "
            f"FROM ({every}) AS v JOIN {_DUPLICATES} AS d ON v.{ROW} = d.{ROW} ORDER BY v.{ROW}",
            [load_id, source_file],
        )
    return loaded, invalid, duplicates


def _valid_records(names: Sequence[str], *, hashed: int, duplicates: int = 0) -> str:
    """SELECT of ``__row`` and ``names`` over the valid records (ids filled in)."""
    outputs = [
        "coalesce(c.event_id, h.hashed_id) AS event_id"
        if name == "event_id" and hashed
        else f"c.{name}"
        for name in names
    ]
    sql = f"SELECT c.{ROW}, {', '.join(outputs)} FROM {CHECKED_VIEW} AS c"
    if duplicates:
        sql += f" ANTI JOIN {_DUPLICATES} AS d ON c.{ROW} = d.{ROW}"
    if hashed:
        sql += f" LEFT JOIN {HASHED_TABLE} AS h ON c.{ROW} = h.{ROW}"
    return sql + f" WHERE c.{VALID_COLUMN}"


def _find_duplicates(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    keys: tuple[str, ...],
    valid: str,
    *,
    every_id_hashed: bool = False,
) -> int:
    """Collect the valid records repeating an event (earlier in the file or already loaded).

    Counting distinct 64-bit hashes of the identities is cheap and proves a file free of
    repeats in the common case; only when hashes repeat are the rows grouped by their
    real key, so a hash collision cannot make two different events duplicates. When
    every valid record got a content id (``every_id_hashed``, an XES log without ids),
    the ids alone decide, so the small table of content ids is counted instead of the
    validated records.
    """
    key_list = ", ".join(keys)
    described = " and ".join(keys)
    parts = []
    counted = con.execute(
        f"SELECT count(*), count(DISTINCT hashed_id) FROM {HASHED_TABLE}"
        if every_id_hashed
        else f"SELECT count(*), count(DISTINCT hash({key_list})) FROM ({valid})"
    ).fetchone()
    if counted and counted[0] != counted[1]:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _ingest_keys AS "
            f"SELECT {ROW}, {key_list}, hash({key_list}) AS key_hash FROM ({valid})"
        )
        parts.append(
            f"SELECT k.{ROW}, "
            f"'duplicate of row ' || d.first_row || ' of this file (same {described})' AS reason "
            f"FROM _ingest_keys AS k JOIN ("
            f"  SELECT {key_list}, min({ROW}) AS first_row FROM _ingest_keys "
            f"  WHERE key_hash IN (SELECT key_hash FROM _ingest_keys "
            f"    GROUP BY key_hash HAVING count(*) > 1) "
            f"  GROUP BY {key_list} HAVING count(*) > 1"
            f") AS d USING ({key_list}) WHERE k.{ROW} > d.first_row"
        )
    has_rows = con.execute(f"SELECT EXISTS (SELECT 1 FROM {raw_table})").fetchone()
    if has_rows and has_rows[0]:
        parts.append(
            f"SELECT v.{ROW}, 'duplicate of the event loaded from ' || r.source_file || ' row ' "
            f"|| r.source_row AS reason "
            f"FROM ({valid}) AS v JOIN {raw_table} AS r USING ({key_list})"
        )
    if not parts:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_DUPLICATES} ({ROW} BIGINT, reason VARCHAR)")
        return 0
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_DUPLICATES} AS "
        f"SELECT {ROW}, min(reason) AS reason FROM ({' UNION ALL '.join(parts)}) GROUP BY {ROW}"
    )
    con.execute("DROP TABLE IF EXISTS _ingest_keys")
    return _count(con, f"SELECT count(*) FROM {_DUPLICATES}")


def _max_event_seq(con: duckdb.DuckDBPyConnection) -> int:
    """Highest arrival number in both raw tables (0 when empty): the next file starts after it."""
    row = con.execute(
        "SELECT coalesce(max(seq), 0) FROM ("
        f"SELECT max(event_seq) AS seq FROM {qualified_name(MODELS[Target.WORKFLOW])} UNION ALL "
        f"SELECT max(event_seq) FROM {qualified_name(MODELS[Target.INTEGRATION])})"
    ).fetchone()
    return int(row[0]) if row else 0


def _repeated_idempotency_keys(con: duckdb.DuckDBPyConnection, load_id: str) -> int:
    """Messages of this load whose idempotency key an earlier message already carried."""
    table = qualified_name(MODELS[Target.INTEGRATION])
    row = con.execute(
        "SELECT count(*) FROM (SELECT event_seq, "
        "  min(event_seq) OVER (PARTITION BY idempotency_key) AS first_seq "
        f"FROM {table} "
        f"WHERE idempotency_key IN (SELECT idempotency_key FROM {table} WHERE load_id = ?)) "
        "WHERE event_seq > first_seq AND event_seq IN "
        f"(SELECT event_seq FROM {table} WHERE load_id = ?)",
        [load_id, load_id],
    ).fetchone()
    return int(row[0]) if row else 0


def _record(
    con: duckdb.DuckDBPyConnection,
    result: FileResult,
    source_file: str,
    size: int,
    started_at: datetime,
    window: TimestampWindow | None = None,
) -> None:
    """Write the file's manifest row (inside the caller's transaction)."""
    con.execute(
        f"INSERT INTO {MANIFEST_TABLE} (load_id, file_path, checksum, size_bytes, format, "
        "target_table, rows_read, loaded, quarantined, duplicates, repeated_idempotency_keys, "
        "status, message, started_at, finished_at, encoding, earliest_plausible, "
        "latest_plausible) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.load_id,
            source_file,
            result.checksum,
            size,
            result.format,
            result.target_table,
            result.rows_read,
            result.loaded,
            result.quarantined,
            result.duplicates,
            result.repeated_idempotency_keys,
            str(result.status),
            result.message or None,
            started_at,
            datetime.now(UTC),
            result.encoding,
            None if window is None else window.earliest,
            None if window is None else window.latest,
        ],
    )
