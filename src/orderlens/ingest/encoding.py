"""Text encodings of CSV and JSON Lines files: detected on a bounded sample, transcoded when
DuckDB cannot read them.

Real exports come as UTF-8, UTF-8 with a byte-order mark, UTF-16 (Excel's "Unicode text",
with or without a BOM) and Windows-1252 / Latin-1. :func:`detect_encoding` reads at most
:data:`SAMPLE_BYTES` of the (decompressed) file: a BOM decides; a sample that is valid
UTF-8 and not UTF-16 in disguise (no run of NUL bytes) is UTF-8; anything else goes to
charset-normalizer. Among the single-byte encodings that read the sample equally well the
library cannot tell Windows-1252 from its neighbours on a short sample, so Windows-1252,
by far the most common for Western exports, is taken whenever it is one of them. A file no
encoding reads cleanly is undecidable and rejected with its first byte that is not UTF-8.

DuckDB reads UTF-8 (and skips its BOM) itself. Any other encoding is transcoded to a
temporary UTF-8 copy in chunks of :data:`CHUNK_BYTES` (memory stays bounded whatever the
file's size), which the readers then read; a byte the encoding cannot decode rejects the
file with its line and column, as DuckDB does for UTF-8.
"""

from __future__ import annotations

import codecs
import gzip
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import charset_normalizer

from orderlens.ingest.source import UnreadableFileError

SAMPLE_BYTES = 1 << 20
"""Bytes of the decompressed file the detection looks at."""
CHUNK_BYTES = 1 << 20
"""Bytes decoded at a time while transcoding."""
UTF8_NAMES = frozenset({"utf-8", "utf-8-sig"})
"""Encodings DuckDB reads without a transcoded copy."""
PREFERRED_SINGLE_BYTE = "cp1252"
"""Taken when it reads the sample as well as the library's first choice."""
_EQUALLY_GOOD_CHAOS = 0.01
"""charset-normalizer's 'chaos' (share of odd characters) within which two reads are equal."""
_DECLARE_HINT = "declare the file's encoding in the mapping, e.g. csv: {encoding: cp1252}"


def codec_name(encoding: str) -> str:
    """Python's canonical name of an encoding (``latin-1`` -> ``iso8859-1``)."""
    return codecs.lookup(encoding).name


def _open(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when its name ends in ``.gz``."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_sample(path: Path) -> bytes:
    """Up to :data:`SAMPLE_BYTES` of the file's (decompressed) bytes.

    A damaged gzip stream yields what could be read: the reader that follows names the
    damage.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        with _open(path) as handle:
            while size < SAMPLE_BYTES and (chunk := handle.read(SAMPLE_BYTES - size)):
                chunks.append(chunk)
                size += len(chunk)
    except (EOFError, zlib.error, gzip.BadGzipFile):
        pass
    return b"".join(chunks)


def _utf8_error(sample: bytes, *, complete: bool) -> UnicodeDecodeError | None:
    """The first UTF-8 error of the sample (a character cut by the sample's end is none)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(sample, final=complete)
    except UnicodeDecodeError as error:
        return error
    return None


def _looks_utf16(sample: bytes) -> bool:
    """Text in UTF-16 without a BOM has a NUL in every other byte for ASCII characters."""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) * 4 > len(sample) // 2 and min(even, odd) * 4 < max(even, odd)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (bytes) of ``offset`` in ``data``."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _best_single_guess(sample: bytes) -> str | None:
    """charset-normalizer's encoding of the sample, Windows-1252 among equals; ``None`` when
    nothing reads it cleanly."""
    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    if best is None:
        return None
    equals = [match for match in matches if match.chaos <= best.chaos + _EQUALLY_GOOD_CHAOS]
    if any(
        PREFERRED_SINGLE_BYTE in (match.encoding, *match.could_be_from_charset) for match in equals
    ):
        return PREFERRED_SINGLE_BYTE
    return codec_name(best.encoding)


def detect_encoding(path: Path) -> str:
    """The encoding of a text file, by its BOM, its validity as UTF-8, or charset-normalizer.

    Returns:
        A Python codec name: ``utf-8``, ``utf-8-sig``, ``utf-16``, ``utf-16-le``,
        ``cp1252``, ...

    Raises:
        UnreadableFileError: no encoding reads the sample cleanly; the message names the
            first byte that is not UTF-8 by line and column.
    """
    sample = read_sample(path)
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    complete = len(sample) < SAMPLE_BYTES
    error = _utf8_error(sample, complete=complete)
    if error is None and not _looks_utf16(sample):
        return "utf-8"
    guess = _best_single_guess(sample)
    if guess is not None:
        return guess
    line, column = _position(sample, error.start if error is not None else 0)
    raise UnreadableFileError(
        f"cannot tell the file's encoding: not valid utf-8 (first at line {line}, column "
        f"{column}) and no other encoding reads it cleanly; {_DECLARE_HINT}"
    )


def _transcode(path: Path, encoding: str, target: Path) -> None:
    """Write ``path`` decoded from ``encoding`` to ``target`` as UTF-8, chunk by chunk.

    Raises:
        UnreadableFileError: a byte sequence the encoding cannot decode (line and column of
            the first, columns counted in characters), or a damaged gzip stream.
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines_before = 0
    line_tail = ""
    try:
        with _open(path) as source, target.open("w", encoding="utf-8", newline="") as out:
            while True:
                chunk = source.read(CHUNK_BYTES)
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as error:
                    readable = error.object[: error.start].decode(encoding, errors="replace")
                    before = line_tail + readable
                    line = lines_before + before.count("\n") + 1
                    column = len(before) - before.rfind("\n")
                    raise UnreadableFileError(
                        f"not valid {encoding} (first at line {line}, column {column}); "
                        f"{_DECLARE_HINT}"
                    ) from error
                out.write(text)
                lines_before += text.count("\n")
                newline = text.rfind("\n")
                line_tail = text[newline + 1 :] if newline >= 0 else line_tail + text
                if not chunk:
                    return
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise UnreadableFileError(f"the compressed file is damaged: {error}") from error


@contextmanager
def utf8_text(path: Path, encoding: str | None, scratch_dir: Path | None) -> Iterator[Path]:
    """A path DuckDB can read as UTF-8: the file itself, or a transcoded temporary copy.

    ``encoding`` ``None`` (a binary format) or UTF-8 gives the file itself. The copy lives
    in ``scratch_dir`` (the data directory: the system's temporary folder, used when
    ``None``, may be a small memory disk) under the file's name less ``.gz``, so readers
    that look at the name (``.tsv``) still see it, and is deleted on leaving the context.
    """
    if encoding is None or codec_name(encoding) in UTF8_NAMES:
        yield path
        return
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    if scratch_dir is not None:
        scratch_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".ingest-transcoded-", dir=scratch_dir))
    target = folder / name
    try:
        _transcode(path, encoding, target)
        yield target
    finally:
        target.unlink(missing_ok=True)
        folder.rmdir()
