"""One reader for every CSV file an officer uploads (units, served counts, ...).

Spreadsheets save CSV in many ways; this reader accepts what Excel and LibreOffice
write when asked for "CSV UTF-8" (BOM or not, comma, semicolon or tab) and refuses
the rest with a message that says how to save the file properly. It only reads:
each importer validates its own columns and values, line by line.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Protocol, Sequence

from flask_babel import lazy_gettext as _l

MAX_BYTES = 5 * 1024 * 1024
DELIMITERS = ",;\t"


@dataclass(frozen=True)
class CsvProblem:
    """One problem with the file: the line (header = 1; 0 = the whole file), the column
    (may be empty) and a lazy message rendered in the active locale."""

    line: int
    column: str
    message: Any


class Located(Protocol):
    """Anything that says where a problem is and what it is (read-only)."""

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> str: ...

    @property
    def message(self) -> Any: ...


def problems_by_line(problems: Iterable[Located]) -> dict[str, list]:
    """``{"<line>": [messages]}`` (``""`` for the whole file), the shape of
    :attr:`ServiceError.errors`; the column, if any, is named in the message."""
    errors: dict[str, list] = {}
    for problem in problems:
        message = (_l("column %(column)s: %(error)s", column=problem.column,
                      error=problem.message) if problem.column else problem.message)
        errors.setdefault(str(problem.line or ""), []).append(message)
    return errors


class CsvFileError(Exception):
    """The file cannot be read as a table; ``problems`` says why."""

    def __init__(self, problems: list[CsvProblem]):
        super().__init__("; ".join(str(p.message) for p in problems))
        self.problems = problems


@dataclass
class CsvTable:
    """The header (lower-case, aliases applied) and the non-blank rows with their line."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    #: Lines with more cells than the header (their extra cells are not read).
    problems: list[CsvProblem] = field(default_factory=list)


def decode(data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """The text of a UTF-8 file (BOM optional); a clear error for any other encoding."""
    if len(data) > max_bytes:
        raise CsvFileError([CsvProblem(0, "", _l("The file is too large (%(size)s MB at most).",
                                                 size=max_bytes // (1024 * 1024)))])
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvFileError([CsvProblem(0, "", _l(
            "The file is UTF-16 (“Unicode Text”); save it as “CSV UTF-8 (Comma delimited)”."))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFileError([CsvProblem(0, "", _l(
            "The file is not UTF-8 (bad byte at offset %(offset)s); it may be Windows-1258 "
            "or TCVN3. In Excel use Save As “CSV UTF-8 (Comma delimited)”.",
            offset=exc.start))]) from None


def sniff_delimiter(header_line: str) -> str:
    """The separator the header uses most: ``,`` (default), ``;`` (Excel in many locales)
    or a tab."""
    return max(DELIMITERS, key=header_line.count)


def read_csv(data: bytes, required: Sequence[str], aliases: Mapping[str, str] | None = None,
             max_bytes: int = MAX_BYTES) -> CsvTable:
    """Decode, sniff and split ``data``; refuse a file without the ``required`` columns or
    without data rows. Cells are stripped; a cell missing from a short row reads ``""``."""
    text = decode(data, max_bytes)
    header_line = text.splitlines()[0] if text.strip() else ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(header_line))
    names = [(name or "").strip().lower() for name in next(reader, [])]
    columns = [(aliases or {}).get(name, name) for name in names]
    missing = [name for name in required if name not in columns]
    if missing:
        raise CsvFileError([CsvProblem(1, ", ".join(missing), _l("required column missing"))])
    table = CsvTable(columns)
    line = reader.line_num
    for values in reader:
        start, line = line + 1, reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(columns):
            table.problems.append(CsvProblem(start, "", _l("more cells than the header")))
        table.rows.append((start, {name: (values[i].strip() if i < len(values) else "")
                                   for i, name in enumerate(columns) if name}))
    if not table.rows:
        raise CsvFileError([CsvProblem(1, "", _l("the file has no rows"))])
    return table
