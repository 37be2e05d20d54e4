"""Progress bars (tqdm on stderr, switchable off) and the small batching helpers importers share."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")


class Progress:
    """Creates progress bars, or silent stand-ins when progress is switched off (tests, cron)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def bar(self, desc: str, total: float | None = None, unit: str = "it", **kwargs: Any) -> tqdm:
        unit_options = {"unit_scale": True, "unit_divisor": 1024} if unit == "B" else {}
        return tqdm(
            desc=desc,
            total=total,
            unit=unit,
            file=sys.stderr,
            disable=not self.enabled,
            leave=False,
            dynamic_ncols=True,
            **unit_options,
            **kwargs,
        )


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items; keeps IN (...) lists and memory bounded."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class ImportReport:
    """What an import did, per kind of row, for the closing summary."""

    started: float = field(default_factory=time.perf_counter)
    tallies: dict[str, Tally] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per phase, to show where the time goes

    def tally(self, kind: str) -> Tally:
        return self.tallies.setdefault(kind, Tally())

    def add(self, kind: str, *, created: int = 0, updated: int = 0, unchanged: int = 0) -> None:
        tally = self.tally(kind)
        tally.created += created
        tally.updated += updated
        tally.unchanged += unchanged

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - started

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def summary_lines(self) -> Sequence[str]:
        width = max((len(kind) for kind in self.tallies), default=0)
        lines = [f"{kind.ljust(width)}  {tally}" for kind, tally in self.tallies.items()]
        if self.seconds:
            lines.append("phases: " + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in self.seconds.items()))
        lines.append(f"elapsed {self.elapsed:.1f} s")
        return lines
