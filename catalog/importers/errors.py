"""Errors that point an editor at the exact place in an input file that needs fixing."""

from __future__ import annotations

from pathlib import Path


class ImportDataError(Exception):
    """The input cannot be imported; nothing has been (or will be) written.

    `line` is a 1-based physical line number (text files); `item` is a 1-based position in a JSON
    list. The message reads like "u.data line 17: expected 4 tab-separated fields, got 2".
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        item: int | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.item = item
        super().__init__(str(self))

    @property
    def location(self) -> str:
        parts = [self.path] if self.path else []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.item is not None:
            parts.append(f"item {self.item}")
        return " ".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message
