"""Personal data replaced by a keyed hash at ingestion, before anything is stored.

Customer identifiers, names, email addresses, phone numbers and postal addresses must not
reach the raw tables, and so never the marts, the dashboard or the report. Each such value
is replaced by its pseudonym ``'p_' || hex(HMAC-SHA256(key, UTF-8 text of the value))``:
the same value gives the same pseudonym in every file ingested with the same key (orders
of one customer stay joinable), and without the key a pseudonym cannot be reversed or
recomputed from a guessed value. The key is ``Settings.pseudonymization_key``
(``ORDERLENS_PSEUDONYMIZATION_KEY``); when that is not set, the key kept in the data
directory's key file (:class:`KeyFile`), which the first file holding personal data
creates with a random key readable by its owner only. A log with a ``customer`` column
thus loads on day one, and its pseudonyms stay stable as long as the key file is kept.

A column (or a top-level key of an ``attributes`` JSON object, an XES attribute, an OCEL
attribute) is personal when the mapping lists it under ``personal:``, or when its name
looks personal (:func:`looks_personal`), unless the mapping lists it under ``safe:``.
A column or key is also personal when its sampled values are emails, card numbers,
IBANs, phone numbers or dates of birth (:mod:`orderlens.ingest.personal_content`), and
free-text columns and keys are scrubbed of those patterns or left out (the policy's
``free_text_handling``). The hash runs in DuckDB (:func:`hmac_sql`) so ten million values
cost no Python loop; :func:`pseudonym` is the same function in Python, for OCEL logs read
by Python.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import duckdb

from orderlens.ingest.personal_content import (
    ContentScan,
    sample_values,
    scan_values,
    scrub_sql,
)
from orderlens.ingest.source import (
    SOURCE_VIEW,
    TEXT_COLUMN,
    SourceColumns,
    describe_source,
    json_key_path,
    quote_identifier,
    quote_literal,
)
from orderlens.settings import PSEUDONYMIZATION_KEY_VARIABLE, FreeTextHandling

PSEUDONYM_PREFIX = "p_"
"""Marks a stored value as a pseudonym (followed by 64 hexadecimal digits)."""

_PERSONAL_WORDS = frozenset(
    {
        "email",
        "phone",
        "telephone",
        "mobile",
        "cellphone",
        "fax",
        "address",
        "street",
        "zip",
        "zipcode",
        "postcode",
        "postal",
        "surname",
        "firstname",
        "lastname",
        "fullname",
        "birthdate",
        "birthday",
    }
)
"""A name holding one of these words is personal wherever the word stands."""
_PERSON_WORDS = frozenset(
    {"customer", "client", "buyer", "shopper", "recipient", "consignee", "cardholder", "contact"}
)
"""Who a value may identify; personal when followed by an identifying word, or alone."""
_NAMESPACE_WORDS = frozenset({"case", "trace", "event", "object", "ocel"})
"""Prefixes of XES and OCEL keys (``case:customer``) that do not change what a name means."""
_IDENTIFYING_WORDS = frozenset({"id", "name", "number", "no", "nr", "key", "ref", "code"})
_NAME_QUALIFIERS = frozenset({"first", "last", "given", "family", "middle", "full", "maiden"})
_BLOCK_SIZE = 64
PSEUDONYMIZED_VIEW = "_ingest_pseudonymized"
"""The source view with personal values replaced, when the file holds any."""
ATTRIBUTES_COLUMN = "attributes"


KEY_FILE_BYTES = 32
"""Random bytes of a created key (written as URL-safe text, 43 characters)."""


class PersonalDataError(ValueError):
    """A file holds personal data but no pseudonymization key can be had; it is rejected."""


@dataclass
class KeyFile:
    """The pseudonymization key kept in a file, created with a random key on first use.

    The key is the UTF-8 text of the file (whitespace stripped), exactly as the setting's
    value would be, so the file's content may be moved into
    ``ORDERLENS_PSEUDONYMIZATION_KEY`` without changing a pseudonym.

    Attributes:
        path: The key file (``Settings.pseudonymization_key_path``).
        created: True once this object has created the file.
    """

    path: Path
    created: bool = False
    _key: bytes | None = field(default=None, repr=False)

    def key(self) -> bytes:
        """The key: read from the file, which is created (mode 0600) when missing.

        Raises:
            PersonalDataError: the file exists but is empty or unreadable.
        """
        if self._key is None:
            self.created = _create_key_file(self.path)
            try:
                text = self.path.read_text(encoding="utf-8").strip()
            except OSError as error:
                raise PersonalDataError(
                    f"cannot read the pseudonymization key file {self.path}: {error.strerror}"
                ) from error
            if not text:
                raise PersonalDataError(
                    f"the pseudonymization key file {self.path} is empty: restore it, or set "
                    f"{PSEUDONYMIZATION_KEY_VARIABLE}"
                )
            self._key = text.encode("utf-8")
        return self._key


def _create_key_file(path: Path) -> bool:
    """Write a random key to ``path`` unless a key file is there; whether it was written.

    The key is written whole to a private temporary file and then linked into place, so
    a concurrent ingest never reads a half-written key, and an existing key is never
    replaced (``link`` fails when the name exists).
    """
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(KEY_FILE_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def name_words(name: str) -> list[str]:
    """Lower-case words of a column name: split at non-letters and at camelCase humps.

    ``case:customerEmail`` gives ``['case', 'customer', 'email']``.
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [word for word in re.split(r"[^a-z0-9]+", spaced.lower()) if word]


def looks_personal(name: str) -> bool:
    """Whether a column or attribute name suggests personal data.

    Personal: a word such as email, phone, address, street, zip, postcode, surname,
    firstname/lastname; ``first name``, ``last_name``, ``given-name``; a person word
    (customer, client, buyer, recipient, consignee, ..., or their plural) alone (after an
    XES/OCEL prefix such as ``case:``) or followed by id, name, number, no, key, ref or
    code (``customer_id``, ``clientNumber``). Not personal: ``customer_region``,
    ``customer_segment``, ``resource``, ``node_id``.
    """
    words = name_words(name)
    if any(word in _PERSONAL_WORDS for word in words):
        return True
    for word, after in pairwise(words):
        if word == "e" and after == "mail":
            return True
        if word in _NAME_QUALIFIERS and after == "name":
            return True
        if _is_person_word(word) and after in _IDENTIFYING_WORDS:
            return True
    return bool(words) and _is_person_word(words[-1]) and set(words[:-1]) <= _NAMESPACE_WORDS


def _is_person_word(word: str) -> bool:
    """``customer`` or its plural ``customers`` (an OCEL object type name)."""
    return word in _PERSON_WORDS or (word.endswith("s") and word[:-1] in _PERSON_WORDS)


def pseudonym(key: bytes, value: str) -> str:
    """The pseudonym of ``value``: ``p_`` and the hex HMAC-SHA256 of its UTF-8 text."""
    return PSEUDONYM_PREFIX + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _blob_literal(data: bytes) -> str:
    return "'" + "".join(f"\\x{byte:02x}" for byte in data) + "'::BLOB"


def hmac_sql(text_sql: str, key: bytes) -> str:
    """DuckDB expression of the pseudonym of the text ``text_sql`` (NULL and '' give NULL).

    HMAC-SHA256 written out from its definition (RFC 2104) with DuckDB's ``sha256``:
    ``H((K xor opad) || H((K xor ipad) || message))``; equal to :func:`pseudonym`.
    """
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK_SIZE, b"\0")
    inner = _blob_literal(bytes(byte ^ 0x36 for byte in padded))
    outer = _blob_literal(bytes(byte ^ 0x5C for byte in padded))
    message = f"encode(nullif(CAST({text_sql} AS VARCHAR), ''))"
    return f"('{PSEUDONYM_PREFIX}' || sha256({outer} || unhex(sha256({inner} || {message}))))"


@dataclass(frozen=True)
class PseudonymizationPolicy:
    """Which names are personal in one file, and the key that hides them.

    Attributes:
        key: The HMAC key (UTF-8 bytes of the setting), ``None`` when not set.
        declared: Names the mapping lists under ``personal:``.
        safe: Names the mapping lists under ``safe:`` (never pseudonymized).
        key_file: Where the key comes from when ``key`` is ``None`` (created on first
            need); with neither, personal data is rejected.
        free_text: Names the mapping lists under ``free_text:``.
        free_text_handling: Scrub free text of personal data, or leave it out.
    """

    key: bytes | None = field(default=None, repr=False)
    declared: frozenset[str] = frozenset()
    safe: frozenset[str] = frozenset()
    key_file: KeyFile | None = field(default=None, compare=False)
    free_text: frozenset[str] = frozenset()
    free_text_handling: FreeTextHandling = FreeTextHandling.SCRUB

    def is_personal(self, name: str) -> bool:
        """Whether values under ``name`` are replaced by pseudonyms."""
        if name in self.safe:
            return False
        return name in self.declared or looks_personal(name)

    def personal_names(self, names: Iterable[str]) -> list[str]:
        """The personal ones among ``names``, in their order."""
        return [name for name in names if self.is_personal(name)]

    def require_key(self, names: list[str]) -> bytes:
        """The key (the key file's, created if need be, when none is set), or a rejection
        naming the personal columns and the variable to set.

        Raises:
            PersonalDataError: personal data present and no key to be had.
        """
        if self.key is None and self.key_file is not None:
            return self.key_file.key()
        if self.key is None:
            raise PersonalDataError(
                f"the file holds personal data ({', '.join(names)}) and no pseudonymization "
                f"key is set: set {PSEUDONYMIZATION_KEY_VARIABLE}, or list the column(s) "
                "under safe: in the mapping"
            )
        return self.key

    def pseudonym(self, value: object) -> object:
        """Python twin of :func:`hmac_sql` for one value (``None`` stays ``None``)."""
        key = self.key
        if key is None and self.key_file is not None:
            key = self.key_file.key()
        if value is None or value == "" or key is None:
            return None if value == "" else value
        return pseudonym(key, str(value))


def _attribute_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Top-level keys found in the source's ``attributes`` JSON objects."""
    rows = con.execute(
        f"SELECT DISTINCT unnest(json_keys(a)) FROM (SELECT CAST({ATTRIBUTES_COLUMN} AS VARCHAR) "
        f"AS a FROM {SOURCE_VIEW}) WHERE CASE WHEN json_valid(a) THEN json_type(a) = 'OBJECT' "
        "ELSE false END"
    ).fetchall()
    return sorted(str(row[0]) for row in rows)


_UNSCANNED_TYPES = ("DOUBLE", "FLOAT", "BOOLEAN", "TIMESTAMP", "TIME", "INTERVAL", "DECIMAL")
"""Types whose values cannot hold an email, a card number, an IBAN or a phone number
(dates stay: a DATE column may hold birthdays)."""


def _scannable(kind: str) -> bool:
    return not kind.upper().startswith(_UNSCANNED_TYPES)


def scan_source(
    con: duckdb.DuckDBPyConnection,
    columns: SourceColumns,
    policy: PseudonymizationPolicy,
    *,
    prose_allowed: frozenset[str] = frozenset(),
    unscanned: frozenset[str] = frozenset(),
) -> tuple[list[str], list[str], ContentScan]:
    """Personal columns and ``attributes`` keys (by name, then by content of a sample)
    and the free text of the registered source.

    ``prose_allowed`` are the columns that may be found to be free text (those feeding
    no contract column, and ``error_message``); ``unscanned`` those never checked by
    content (those feeding a contract timestamp).
    """
    personal = policy.personal_names(name for name in columns.names if name != ATTRIBUTES_COLUMN)
    has_attributes = ATTRIBUTES_COLUMN in columns.types
    all_keys = _attribute_keys(con) if has_attributes else []
    keys = policy.personal_names(all_keys)
    scanned = [
        name
        for name, kind in columns.types.items()
        if name != ATTRIBUTES_COLUMN
        and name not in personal
        and name not in policy.safe
        and (name in policy.free_text or (name not in unscanned and _scannable(kind)))
    ]
    scanned_keys = [name for name in all_keys if name not in keys and name not in policy.safe]
    by_column, by_key = sample_values(
        con,
        SOURCE_VIEW,
        scanned,
        attributes_column=ATTRIBUTES_COLUMN if scanned_keys else None,
        attribute_keys=scanned_keys,
    )
    wanted = set(scanned_keys)
    scan = scan_values(
        by_column,
        {name: values for name, values in by_key.items() if name in wanted},
        declared_free_text=policy.free_text,
        prose_allowed=prose_allowed,
    )
    return personal + scan.personal_columns, keys + scan.personal_keys, scan


def pseudonymize_source(
    con: duckdb.DuckDBPyConnection,
    columns: SourceColumns,
    policy: PseudonymizationPolicy,
    *,
    prose_allowed: frozenset[str] = frozenset(),
    unscanned: frozenset[str] = frozenset(),
) -> tuple[str, SourceColumns, ContentScan]:
    """Put a view replacing personal values over the registered source, when needed.

    Personal columns (by name or content, see :func:`scan_source`) become their
    pseudonyms, personal top-level keys of ``attributes`` get pseudonyms as values, free
    text is scrubbed or left out, and the text of records the reader could not split
    (which may hold anything) is replaced by its own pseudonym (scrubbed when the file
    holds free text only). A file without any of these is left as it is.

    Returns:
        The view to validate from, its columns, and what the content scan found.

    Raises:
        PersonalDataError: the file holds personal data and no key is set.
    """
    personal, keys, scan = scan_source(
        con, columns, policy, prose_allowed=prose_allowed, unscanned=unscanned
    )
    if not personal and not keys and not scan.free_text_columns and not scan.free_text_keys:
        return SOURCE_VIEW, columns, scan
    excluding = policy.free_text_handling is FreeTextHandling.EXCLUDE
    replaced: list[str] = []
    dropped: list[str] = []
    for name in scan.free_text_columns:
        if not excluding:
            replaced.append(f"{scrub_sql(quote_identifier(name))} AS {quote_identifier(name)}")
        elif name in prose_allowed:
            dropped.append(quote_identifier(name))
        else:
            replaced.append(f"NULL::VARCHAR AS {quote_identifier(name)}")
    text = f"CAST({ATTRIBUTES_COLUMN} AS VARCHAR)"
    patches: list[str] = []
    for name in scan.free_text_keys:
        value = f"json_extract_string({text}, {quote_literal(json_key_path(name))})"
        patches.append(
            f"{quote_literal(name)}, {'NULL::VARCHAR' if excluding else scrub_sql(value)}"
        )
    key: bytes | None = None
    if personal or keys:
        key = policy.require_key(personal + [f"{ATTRIBUTES_COLUMN}.{name}" for name in keys])
        replaced.extend(
            f"{hmac_sql(quote_identifier(name), key)} AS {quote_identifier(name)}"
            for name in personal
        )
        patches.extend(
            f"{quote_literal(name)}, "
            f"{hmac_sql(f'json_extract_string({text}, {quote_literal(json_key_path(name))})', key)}"
            for name in keys
        )
    if patches:
        replaced.append(
            f"CASE WHEN CASE WHEN json_valid({text}) THEN json_type({text}) = 'OBJECT' "
            f"ELSE false END THEN CAST(json_merge_patch({text}, json_object({', '.join(patches)})) "
            f"AS VARCHAR) ELSE {text} END AS {ATTRIBUTES_COLUMN}"
        )
    withheld = (
        f"'withheld (the file holds personal data): ' || {hmac_sql(TEXT_COLUMN, key)}"
        if key is not None
        else scrub_sql(TEXT_COLUMN)
    )
    replaced.append(f"CASE WHEN {TEXT_COLUMN} IS NOT NULL THEN {withheld} END AS {TEXT_COLUMN}")
    exclude = f" EXCLUDE ({', '.join(dropped)})" if dropped else ""
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {PSEUDONYMIZED_VIEW} AS "
        f"SELECT *{exclude} REPLACE ({', '.join(replaced)}) FROM {SOURCE_VIEW}"
    )
    described = describe_source(con, PSEUDONYMIZED_VIEW)
    return PSEUDONYMIZED_VIEW, described, scan
