"""Unique slug allocation that gives the same answer every time for the same input order."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.text import slugify


class SlugAllocator:
    """Hands out slugs that are unique among `taken` and among everything allocated so far.

    A clash gets "-2", "-3", ... appended. Callers allocate in a stable order (e.g. by external
    id), so the same data always gets the same slugs.
    """

    def __init__(self, taken: Iterable[str], max_length: int) -> None:
        self.taken = set(taken)
        self.max_length = max_length

    def allocate(self, text: str, fallback: str) -> str:
        base = slugify(text)[: self.max_length].strip("-") or fallback
        slug = base
        suffix = 1
        while slug in self.taken:
            suffix += 1
            tail = f"-{suffix}"
            slug = base[: self.max_length - len(tail)].rstrip("-") + tail
        self.taken.add(slug)
        return slug

    def claim(self, slug: str) -> None:
        """Mark a slug as used (one kept by an existing row, or given explicitly)."""
        self.taken.add(slug)
