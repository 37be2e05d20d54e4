"""Reading and validating an editors' catalogue file (CSV or JSON) into clean rows. No database here.

docs/catalog-import.md describes the columns. Every value is checked here, so that the writer
only has to resolve names against the database; a bad value stops the import with its line
(CSV) or item (JSON) before anything is written.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from catalog.importers.errors import ImportDataError

TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}
KINDS = {"movie", "course"}
SKILL_LEVELS = {"beginner", "intermediate", "advanced"}
SLUG_PATTERN = re.compile(r"^[-a-zA-Z0-9_]+$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_YEAR, MAX_YEAR = 1800, 2200
LIST_SEPARATOR = "|"
TAG_MAX_LENGTH = 100  # catalog.Tag.name

# Alternative column names editors may use, and the field each stands for.
ALIASES = {"published": "is_published", "staff_pick": "is_staff_pick"}
RELATION_COLUMNS = ("tags", "prerequisites", "directors", "cast")


@dataclass
class Where:
    """Where a row came from, for error messages: a CSV line or a JSON item."""

    path: Path
    line: int | None = None
    item: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}" if self.line is not None else f"item {self.item}"

    def error(self, message: str) -> ImportDataError:
        return ImportDataError(message, path=self.path, line=self.line, item=self.item)


@dataclass
class CatalogRow:
    where: Where
    fields: dict[str, Any]  # Title field name -> clean value; only the values the row gives
    tags: list[tuple[str | None, str]] = field(default_factory=list)  # (facet slug or None = default, name)
    prerequisites: list[str] = field(default_factory=list)  # slugs
    directors: list[str] = field(default_factory=list)
    cast: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.fields["kind"]


# --- Value cleaners: (where, raw value) -> clean value; raw is a str from CSV or any JSON value ---


def _text(max_length: int | None) -> Callable[[Where, Any, str], str]:
    def clean(where: Where, raw: Any, name: str) -> str:
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise where.error(f"{name} must be text")
        value = str(raw).strip()
        if max_length and len(value) > max_length:
            raise where.error(f"{name} is longer than {max_length} characters")
        return value

    return clean


def _whole_number(low: int, high: int) -> Callable[[Where, Any, str], int]:
    def clean(where: Where, raw: Any, name: str) -> int:
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise where.error(f"{name} must be a whole number, got {raw!r}")
        try:
            value = int(raw.strip()) if isinstance(raw, str) else raw
        except ValueError:
            raise where.error(f"{name} must be a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise where.error(f"{name} must be between {low} and {high}, got {value}")
        return value

    return clean


def _boolean(where: Where, raw: Any, name: str) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise where.error(f"{name} must be true or false, got {raw!r}")


def _choice(choices: set[str]) -> Callable[[Where, Any, str], str]:
    def clean(where: Where, raw: Any, name: str) -> str:
        value = _text(None)(where, raw, name).lower()
        if value not in choices:
            raise where.error(f"{name} must be one of {', '.join(sorted(choices))}, got {raw!r}")
        return value

    return clean


def _slug(where: Where, raw: Any, name: str) -> str:
    value = _text(320)(where, raw, name)
    if not SLUG_PATTERN.match(value):
        raise where.error(f"{name} {value!r} may contain only letters, digits, hyphens and underscores")
    return value


def _release_date(where: Where, raw: Any, name: str) -> date:
    value = _text(None)(where, raw, name)
    try:
        if not DATE_PATTERN.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise where.error(f"{name} must be a date like 2024-03-31, got {raw!r}") from None


def _names(where: Where, raw: Any, name: str) -> list[str]:
    """ "a|b|c" (CSV or JSON) or ["a", "b", "c"] (JSON) -> ["a", "b", "c"]."""
    items = raw if isinstance(raw, list) else str(raw).split(LIST_SEPARATOR)
    if not all(isinstance(item, str) for item in items):
        raise where.error(f"{name} must be text separated by {LIST_SEPARATOR} or a list of text")
    names = [item.strip() for item in items if item.strip()]
    if any(len(item) > 200 for item in names):
        raise where.error(f"a name in {name} is longer than 200 characters")
    return list(dict.fromkeys(names))  # without repeats, in order


TITLE_FIELDS: dict[str, Callable[[Where, Any, str], Any]] = {
    "kind": _choice(KINDS),
    "title": _text(300),
    "slug": _slug,
    "external_id": _text(64),
    "source": _text(32),
    "synopsis": _text(None),
    "year": _whole_number(MIN_YEAR, MAX_YEAR),
    "release_date": _release_date,
    "duration_minutes": _whole_number(1, 2**31 - 1),
    "language": _text(35),
    "skill_level": _choice(SKILL_LEVELS),
    "provider": _text(200),
    "instructor": _text(200),
    "lesson_count": _whole_number(0, 32767),
    "is_published": _boolean,
    "is_staff_pick": _boolean,
}
KNOWN_COLUMNS = set(TITLE_FIELDS) | set(ALIASES) | set(RELATION_COLUMNS)


# --- Reading files --------------------------------------------------------------------------


def read_catalog_file(path: Path) -> list[CatalogRow]:
    """Parse and validate a .csv or .json catalogue file."""
    readers = {".csv": _csv_records, ".json": _json_records}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ImportDataError("unsupported file type; use .csv or .json", path=path)
    if not path.is_file():
        raise ImportDataError("no such file", path=path)
    return [clean_row(where, record) for where, record in reader(path)]


def _csv_records(path: Path) -> Iterator[tuple[Where, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [name.strip() for name in next(reader, [])]
            _check_columns(Where(path, line=1), header)
            previous_end = reader.line_num
            for fields in reader:
                where = Where(path, line=previous_end + 1)  # a quoted synopsis may span lines: report the first
                previous_end = reader.line_num
                if not any(value.strip() for value in fields):
                    continue
                if len(fields) != len(header):
                    raise where.error(f"expected {len(header)} comma-separated fields, got {len(fields)}")
                yield where, dict(zip(header, fields, strict=True))
        except csv.Error as error:
            raise ImportDataError(f"malformed CSV ({error})", path=path, line=reader.line_num) from None
        except UnicodeDecodeError:
            raise ImportDataError("not valid UTF-8 text", path=path, line=reader.line_num + 1) from None


def _json_records(path: Path) -> Iterator[tuple[Where, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportDataError("not valid UTF-8 text", path=path) from None
    except json.JSONDecodeError as error:
        raise ImportDataError(f"invalid JSON ({error.msg})", path=path, line=error.lineno) from None
    if not isinstance(data, list):
        raise ImportDataError("expected a JSON list of objects", path=path)
    for number, record in enumerate(data, start=1):
        where = Where(path, item=number)
        if not isinstance(record, dict):
            raise where.error("expected an object")
        _check_columns(where, list(record))
        yield where, record


def _check_columns(where: Where, names: list[str]) -> None:
    unknown = [name for name in names if name not in KNOWN_COLUMNS]
    if unknown:
        raise where.error(f"unknown column(s) {', '.join(unknown)}; see docs/catalog-import.md")
    repeated = {name for name in names if names.count(name) > 1}
    repeated |= {alias for alias, target in ALIASES.items() if alias in names and target in names}
    if repeated:
        raise where.error(f"column(s) given twice: {', '.join(sorted(repeated))}")
    if where.line is not None:  # CSV: the header must have the required columns
        missing = [name for name in ("kind", "title") if name not in names]
        if missing:
            raise where.error(f"missing column(s) {', '.join(missing)}")


# --- Cleaning one row -----------------------------------------------------------------------


def clean_row(where: Where, record: dict[str, Any]) -> CatalogRow:
    given = {ALIASES.get(name, name): value for name, value in record.items() if not _is_blank(value)}
    for required in ("kind", "title"):
        if required not in given:
            raise where.error(f"{required} is required")
    fields = {name: TITLE_FIELDS[name](where, value, name) for name, value in given.items() if name in TITLE_FIELDS}
    row = CatalogRow(where, fields)
    if "skill_level" in fields and row.kind != "course":
        raise where.error("skill_level applies to courses only")
    if ("external_id" in fields) != ("source" in fields):
        raise where.error("external_id and source go together: give both or neither")
    row.tags = [_split_tag(where, name) for name in _names(where, given.get("tags", ""), "tags")]
    row.prerequisites = [
        _slug(where, slug, "prerequisite") for slug in _names(where, given.get("prerequisites", ""), "prerequisites")
    ]
    row.directors = _names(where, given.get("directors", ""), "directors")
    row.cast = _names(where, given.get("cast", ""), "cast")
    return row


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _split_tag(where: Where, text: str) -> tuple[str | None, str]:
    """ "mood:Dark" -> ("mood", "Dark"); "Drama" -> (None, "Drama") for the kind's default facet."""
    facet, separator, name = text.partition(":")
    if not separator:
        facet, name = "", text
    name = name.strip()
    if not name:
        raise where.error(f"tag {text!r} has no name after the facet")
    if len(name) > TAG_MAX_LENGTH:
        raise where.error(f"tag {text!r} is longer than {TAG_MAX_LENGTH} characters")
    return facet.strip().lower() or None, name
