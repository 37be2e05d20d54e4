"""Reading delimited text files line by line, with 1-based line numbers for every error.

Pure Python (no Django), so the parsers built on it can be tested and reused anywhere.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from catalog.importers.errors import ImportDataError
from catalog.importers.progress import Progress

# Update a progress bar every this many lines: per-line tqdm calls would cost more than parsing.
PROGRESS_EVERY = 1 << 14


def raw_lines(path: Path, progress: Progress | None = None) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without the line ending) for each non-blank line of a file.

    A last line without a line ending is an error: MovieLens files always end with one, so its
    absence means the file was cut off, and the cut line may still parse (a shortened timestamp).
    """
    bar = (progress or Progress(False)).bar(path.name, total=path.stat().st_size, unit="B")
    pending = 0
    number = 0
    with path.open("rb") as handle, bar:
        for number, raw in enumerate(handle, start=1):  # noqa: B007 - number is used after the loop
            pending += len(raw)
            if number % PROGRESS_EVERY == 0:
                bar.update(pending)
                pending = 0
            if not raw.endswith(b"\n"):
                raise ImportDataError(
                    "the last line has no line ending; is the file truncated?", path=path, line=number
                )
            line = raw.rstrip(b"\r\n")
            if line.strip():
                yield number, line
        bar.update(pending)


def text_lines(path: Path, encoding: str, progress: Progress | None = None) -> Iterator[tuple[int, str]]:
    """Like raw_lines, decoded; a byte sequence invalid in `encoding` is reported with its line."""
    for number, raw in raw_lines(path, progress):
        try:
            yield number, raw.decode(encoding)
        except UnicodeDecodeError as error:
            raise ImportDataError(f"not valid {encoding} text ({error.reason})", path=path, line=number) from None


def split_fields(path: Path, number: int, line: str, separator: str, expected: int, separator_name: str) -> list[str]:
    fields = line.split(separator)
    if len(fields) != expected:
        raise ImportDataError(
            f"expected {expected} {separator_name}-separated fields, got {len(fields)}", path=path, line=number
        )
    return fields


def csv_records(
    path: Path, required: Sequence[str], encoding: str = "utf-8", progress: Progress | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for each data row of a CSV file with a header row.

    The header must name every column in `required` (others are ignored), and every row must have
    as many fields as the header.
    """
    lines = text_lines(path, encoding, progress)
    header_line = next(lines, None)
    if header_line is None:
        raise ImportDataError("the file is empty; expected a header row", path=path, line=1)
    header_number, header_text = header_line
    header = parse_csv_line(path, header_number, header_text.lstrip("\ufeff"))
    missing = [column for column in required if column not in header]
    if missing:
        raise ImportDataError(
            f"missing column(s) {', '.join(missing)}; the header is {','.join(header)}",
            path=path,
            line=header_number,
        )
    # Records are single lines in MovieLens CSVs; quoted commas ("Usual Suspects, The (1995)") are fine.
    for number, text in lines:
        fields = parse_csv_line(path, number, text)
        if len(fields) != len(header):
            raise ImportDataError(
                f"expected {len(header)} comma-separated fields, got {len(fields)}", path=path, line=number
            )
        yield number, dict(zip(header, fields, strict=True))


def parse_csv_line(path: Path, number: int, text: str) -> list[str]:
    try:
        return next(csv.reader([text], strict=True))
    except csv.Error as error:
        raise ImportDataError(f"malformed CSV ({error})", path=path, line=number) from None
