"""Personal data found by what the values look like, whatever their column is called.

Column names miss personal data (``card_number``, ``iban``, ``dob``, ``mail``,
``Kundennummer``, an email address in ``resource``), so a bounded sample of every
column's values and of every top-level key of ``attributes`` is checked for emails,
payment card numbers (Luhn), IBANs (ISO 13616 mod 97), phone numbers and dates of birth
(:func:`classify_values`). A column or key found so is pseudonymized whole, like a column
personal by name (:mod:`orderlens.ingest.pseudonymization`).

Free text (notes, comments, descriptions: most sampled values hold several words) is not
an identifier to pseudonymize: it is scrubbed of those patterns in one vectorised
``regexp_replace`` pass (:func:`scrub_sql`), or kept out of the warehouse, as
``Settings.free_text`` or the mapping's ``free_text_handling`` says.

The sample costs one reservoir pass over the source (about half a second on ten million
rows) plus a bounded query per column or key the sample left empty. What is and is not
found is listed in ``docs/security.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import duckdb

from orderlens.ingest.source import json_key_path, quote_identifier, quote_literal

SAMPLE_ROWS = 10_000
"""Rows of a file sampled (reservoir, all of them when fewer) for content checks."""
VALUES_PER_COLUMN = 2_000
"""Distinct non-empty values per column or attributes key that the checks look at."""
RARE_VALUES = 200
"""Values fetched for a column or key that the sampled rows leave empty."""
CHECKSUMMED_SHARE = 0.5
"""Share of card- or IBAN-shaped values that must pass their checksum: real numbers all
pass, while random digits pass Luhn one time in ten and mod 97 one in 97 (order ids)."""
FREE_TEXT_SHARE = 0.5
"""Share of sampled values with :data:`FREE_TEXT_WORDS` words or more that makes free text."""
FREE_TEXT_WORDS = 3
"""Words (blank-separated, holding two letters or more) a value needs to count as prose: a
card number or an IBAN written in groups is not, nor is an email address."""
BIRTH_DATE_SHARE = 0.9
"""Share of sampled values that must be plausible birth dates for a date-of-birth column."""
BIRTH_DATE_SPREAD_YEARS = 10
"""Birth dates of many people span decades; event dates of one log rarely do."""
YOUNGEST_AGE_YEARS = 14
EARLIEST_BIRTH_YEAR = 1900


class PersonalKind(StrEnum):
    """What a value was recognised as."""

    EMAIL = "email"
    CARD = "card number"
    IBAN = "IBAN"
    PHONE = "phone number"
    BIRTH_DATE = "date of birth"


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_PHONE = re.compile(
    r"(?:(?<![\w+])(?:\+|00)[1-9]\d{0,2}[ ./-]?(?:\(0?\d{1,4}\)[ ./-]?)?"
    r"\d{2,5}(?:[ ./-]?\d{2,6}){1,3}"
    r"|(?<![\w])\(\d{3}\) ?\d{3}[ .-]\d{4}"
    r"|(?<![\w.-])0[1-9]\d{1,4}[ /-]\d{3,8}(?:[ -]\d{2,6})?)(?![\w])"
)
_DATE_ONLY = re.compile(
    r"\s*(?:(?P<y1>\d{4})[-/.](?P<m1>\d{1,2})[-/.](?P<d1>\d{1,2})"
    r"|(?P<d2>\d{1,2})[./](?P<m2>\d{1,2})[./](?P<y2>\d{4})"
    r"|(?P<m3>\d{1,2})/(?P<d3>\d{1,2})/(?P<y3>\d{4}))\s*"
)
_LETTERS = re.compile(r"[^\W\d_].*[^\W\d_]", re.DOTALL)

SCRUB_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", "[email withheld]"),
    (r"\b[A-Z]{2}\d{2}( ?[A-Z0-9]){11,30}\b", "[IBAN withheld]"),
    (r"\b\d([ -]?\d){12,18}\b", "[card number withheld]"),
    (
        r"(\+|\b00)[1-9]\d{0,2}[ ./-]?(\(0?\d{1,4}\)[ ./-]?)?\d{2,5}([ ./-]?\d{2,6}){1,3}\b"
        r"|\(\d{3}\) ?\d{3}[ .-]\d{4}\b"
        r"|\b0[1-9]\d{1,4}[ /-]\d{3,8}([ -]\d{2,6})?\b",
        "[phone number withheld]",
    ),
)
"""RE2 patterns (DuckDB's ``regexp_replace``) scrubbed from free text, in this order
(emails before the digit patterns they contain), with their placeholders. No checksum
runs here, so any 13 to 19 digit run is scrubbed as a card number."""


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check of payment card numbers."""
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """Whether ``text`` (spaces allowed) is an IBAN passing ISO 13616's mod-97 check."""
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(character, 36)) for character in rearranged)) % 97 == 1


def _birth_year(value: str, today: date) -> int | None:
    """The year of a date-only value that could be someone's birthday, else ``None``."""
    found = _DATE_ONLY.fullmatch(value)
    if found is None:
        return None
    parts = [(found[f"y{n}"], found[f"m{n}"], found[f"d{n}"]) for n in (1, 2, 3)]
    year, month, day = next((int(y), int(m), int(d)) for y, m, d in parts if y)
    try:
        date(year, month, day)
    except ValueError:
        return None
    if EARLIEST_BIRTH_YEAR <= year <= today.year - YOUNGEST_AGE_YEARS:
        return year
    return None


def _has_checksummed(
    values: Sequence[str], pattern: re.Pattern[str], valid: Callable[[str], bool]
) -> bool:
    """Whether values holding ``pattern`` pass ``valid`` often enough (see
    :data:`CHECKSUMMED_SHARE`)."""
    shaped = 0
    passing = 0
    for value in values:
        candidates = pattern.findall(value)
        if not candidates:
            continue
        shaped += 1
        if any(valid(re.sub(r"[ -]", "", candidate)) for candidate in candidates):
            passing += 1
    return passing > 0 and passing >= CHECKSUMMED_SHARE * shaped


def classify_values(values: Sequence[str], *, today: date | None = None) -> PersonalKind | None:
    """The kind of personal data a column's sampled values hold, else ``None``.

    * an email address in any value;
    * card numbers: 13-19 digits (spaces or dashes between them allowed) passing Luhn,
      in at least half of the values holding such a run;
    * IBANs: country code, check digits and 11-30 letters or digits passing mod 97, in
      at least half of the values holding such a shape;
    * phone numbers: a value holding an international number (``+49 170 5550123``,
      ``0049-170-...``), a North American ``(555) 123-4567``, or a national number
      with a separator after its area code (``0170 5550123``, ``030/1234567``);
    * dates of birth: at least 90 % of the values are dates without a time of day, in
      1900 up to 14 years ago, spanning at least 10 years.
    """
    if not values:
        return None
    if any(_EMAIL.search(value) for value in values):
        return PersonalKind.EMAIL
    if _has_checksummed(values, _IBAN, iban_valid):
        return PersonalKind.IBAN
    if _has_checksummed(values, _CARD, luhn_valid):
        return PersonalKind.CARD
    if any(_PHONE.search(value) for value in values):
        return PersonalKind.PHONE
    years = [_birth_year(value, today or date.today()) for value in values]
    known = [year for year in years if year is not None]
    if (
        len(known) >= BIRTH_DATE_SHARE * len(values)
        and known
        and max(known) - min(known) >= BIRTH_DATE_SPREAD_YEARS
    ):
        return PersonalKind.BIRTH_DATE
    return None


def is_free_text(values: Sequence[str]) -> bool:
    """Whether most sampled values are prose: :data:`FREE_TEXT_WORDS` words or more
    (``Order Created`` is a name; ``left at the door`` is prose)."""
    if not values:
        return False
    wordy = sum(
        1
        for value in values
        if sum(1 for word in value.split() if _LETTERS.search(word)) >= FREE_TEXT_WORDS
    )
    return wordy >= FREE_TEXT_SHARE * len(values)


def scrub_sql(text_sql: str) -> str:
    """DuckDB expression of ``text_sql`` with every :data:`SCRUB_PATTERNS` match replaced
    by its placeholder (NULL stays NULL)."""
    scrubbed = f"CAST({text_sql} AS VARCHAR)"
    for pattern, placeholder in SCRUB_PATTERNS:
        scrubbed = (
            f"regexp_replace({scrubbed}, {quote_literal(pattern)}, "
            f"{quote_literal(placeholder)}, 'g')"
        )
    return scrubbed


@dataclass(frozen=True)
class ContentFinding:
    """A column or ``attributes`` key whose values are personal data.

    Attributes:
        name: The column name, or the key inside ``attributes``.
        kind: What its values were recognised as.
        in_attributes: True for a key of the source's ``attributes`` object.
    """

    name: str
    kind: PersonalKind
    in_attributes: bool = False

    def describe(self) -> str:
        """``card_number (card number)`` or ``attributes.mail (email)``."""
        where = f"attributes.{self.name}" if self.in_attributes else self.name
        return f"{where} ({self.kind})"


@dataclass(frozen=True)
class ContentScan:
    """What the sampled values of one file revealed.

    Attributes:
        personal: Columns and keys to pseudonymize whole.
        free_text_columns: Columns of free text (declared or found).
        free_text_keys: ``attributes`` keys of free text.
    """

    personal: tuple[ContentFinding, ...] = ()
    free_text_columns: tuple[str, ...] = ()
    free_text_keys: tuple[str, ...] = ()

    @property
    def personal_columns(self) -> list[str]:
        """Columns found personal by content."""
        return [finding.name for finding in self.personal if not finding.in_attributes]

    @property
    def personal_keys(self) -> list[str]:
        """``attributes`` keys found personal by content."""
        return [finding.name for finding in self.personal if finding.in_attributes]


def _text_values(raw: Iterable[object]) -> list[str]:
    """Distinct non-empty texts, at most :data:`VALUES_PER_COLUMN`, in first-seen order."""
    seen: dict[str, None] = {}
    for value in raw:
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        text = text.strip()
        if text and text not in seen:
            seen[text] = None
            if len(seen) >= VALUES_PER_COLUMN:
                break
    return list(seen)


def sample_values(
    con: duckdb.DuckDBPyConnection,
    view: str,
    columns: Sequence[str],
    *,
    attributes_column: str | None,
    attribute_keys: Sequence[str] = (),
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Sampled texts per column and per ``attributes`` key of ``view``.

    A reservoir of :data:`SAMPLE_ROWS` rows (repeatable), then, for each column or known
    key left without a value, up to :data:`RARE_VALUES` of its values wherever they are.
    """
    selected = [f"CAST({quote_identifier(name)} AS VARCHAR)" for name in columns]
    if attributes_column is not None:
        selected.append(f"CAST({quote_identifier(attributes_column)} AS VARCHAR)")
    if not selected:
        return {}, {}
    rows = con.execute(
        f"SELECT {', '.join(selected)} FROM {view} "
        f"USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (7)"
    ).fetchall()
    by_column = {
        name: _text_values(row[index] for row in rows) for index, name in enumerate(columns)
    }
    for name, values in by_column.items():
        if not values:
            rare = con.execute(
                f"SELECT CAST({quote_identifier(name)} AS VARCHAR) FROM {view} "
                f"WHERE nullif(trim(CAST({quote_identifier(name)} AS VARCHAR)), '') IS NOT NULL "
                f"LIMIT {RARE_VALUES}"
            ).fetchall()
            by_column[name] = _text_values(row[0] for row in rare)
    by_key: dict[str, list[object]] = {}
    if attributes_column is not None:
        for row in rows:
            try:
                parsed = json.loads(row[-1]) if row[-1] else None
            except ValueError:
                continue
            if isinstance(parsed, dict):
                for key, value in parsed.items():
                    by_key.setdefault(str(key), []).append(value)
        text = f"CAST({quote_identifier(attributes_column)} AS VARCHAR)"
        for key in attribute_keys:
            if key not in by_key:
                path = quote_literal(json_key_path(key))
                rare = con.execute(
                    f"SELECT json_extract({text}, {path}) FROM {view} "
                    f"WHERE json_valid({text}) AND json_extract({text}, {path}) IS NOT NULL "
                    f"LIMIT {RARE_VALUES}"
                ).fetchall()
                by_key[key] = [json.loads(row[0]) for row in rare if row[0] is not None]
    return by_column, {key: _text_values(values) for key, values in by_key.items()}


def scan_values(
    by_column: dict[str, list[str]],
    by_key: dict[str, list[str]],
    *,
    declared_free_text: frozenset[str] = frozenset(),
    prose_allowed: frozenset[str] = frozenset(),
    today: date | None = None,
) -> ContentScan:
    """Classify sampled values: free text first (declared, or prose in a column listed in
    ``prose_allowed`` or any ``attributes`` key), else personal by content."""
    personal: list[ContentFinding] = []
    free_columns: list[str] = []
    free_keys: list[str] = []
    for in_attributes, sampled in ((False, by_column), (True, by_key)):
        for name, values in sampled.items():
            may_be_prose = in_attributes or name in prose_allowed
            if name in declared_free_text or (may_be_prose and is_free_text(values)):
                (free_keys if in_attributes else free_columns).append(name)
                continue
            kind = classify_values(values, today=today)
            if kind is not None:
                personal.append(ContentFinding(name, kind, in_attributes))
    return ContentScan(tuple(personal), tuple(free_columns), tuple(free_keys))
