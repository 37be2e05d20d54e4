"""Generated poster art for titles without an uploaded poster, so every page looks finished.

The art is deterministic (colours and shapes come from a hash of the slug) and carries the title
text, so a shelf of placeholder posters still reads like a shelf of distinct titles. The SVG has a
<title> and role="img" so that it is announced properly when opened on its own; pages that embed
it give the <img> its own alt text.
"""

import hashlib
import textwrap
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 300, 450

_PALETTES = [
    ("#1f2a44", "#e85d75"),
    ("#0f3d3e", "#f2b134"),
    ("#2d1e2f", "#f45b69"),
    ("#102a43", "#48bb78"),
    ("#3c1642", "#29a0b1"),
    ("#1b263b", "#ffb703"),
    ("#22223b", "#c9ada7"),
    ("#14213d", "#fca311"),
    ("#2b2d42", "#8d99ae"),
    ("#3d0c11", "#ff8c42"),
]
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "'": "&apos;"}


def poster_svg(title, *, label: str = "") -> str:
    """An SVG poster for `title` (needs .slug, .title, .kind, .year); `label` is a small top line."""
    digest = hashlib.sha256(title.slug.encode()).digest()
    background, accent = _PALETTES[digest[0] % len(_PALETTES)]
    name = title.title or title.slug
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{_attr(f"Poster for {name}")}">',
        f"<title>{escape(f'Poster for {name}')}</title>",
        _background(digest, background, accent),
        _motif(digest, course=title.kind == "course"),
        # A dark veil under the text keeps it readable whatever the colours.
        '<rect y="200" width="300" height="250" fill="url(#veil)"/>',
        '<g fill="#ffffff" font-family="system-ui, -apple-system, \'Segoe UI\', sans-serif">',
        _label(label),
        _title_lines(name),
        f'<text x="22" y="422" font-size="15" fill-opacity="0.85">{escape(_subtitle(title))}</text>',
        "</g></svg>",
    ]
    return "".join(parts)


def _background(digest: bytes, background: str, accent: str) -> str:
    angle = digest[1] % 180
    return (
        "<defs>"
        f'<linearGradient id="bg" gradientTransform="rotate({angle} .5 .5)">'
        f'<stop offset="0" stop-color="{background}"/><stop offset="1" stop-color="{accent}"/></linearGradient>'
        '<linearGradient id="veil" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity=".6"/>'
        "</linearGradient></defs>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="url(#bg)"/>'
    )


def _motif(digest: bytes, *, course: bool) -> str:
    """Movies get rings, courses a grid of blocks: the kind is visible at a glance on a shelf."""
    if course:
        cells = []
        for i in range(12):
            if digest[5 + i] % 3:
                x, y = 30 + (i % 4) * 62, 62 + (i // 4) * 62
                cells.append(f'<rect x="{x}" y="{y}" width="50" height="50" rx="8"/>')
        return f'<g fill="#ffffff" fill-opacity="0.10">{"".join(cells)}</g>'
    cx, cy = 60 + digest[2] % 180, 90 + digest[3] % 120
    rings = "".join(
        f'<circle cx="{cx}" cy="{cy}" r="{30 + k * (18 + digest[4] % 14)}" stroke-width="{2 + k}"/>' for k in range(4)
    )
    return (
        f'<circle cx="{cx}" cy="{cy}" r="{26 + digest[6] % 20}" fill="#ffffff" fill-opacity="0.14"/>'
        f'<g fill="none" stroke="#ffffff" stroke-opacity="0.12">{rings}</g>'
    )


def _label(label: str) -> str:
    if not label:
        return ""
    return (
        f'<text x="22" y="40" font-size="13" font-weight="600" letter-spacing="2" fill-opacity="0.9">'
        f"{escape(label.upper())}</text>"
    )


def _title_lines(name: str) -> str:
    # Short titles are set large; long ones smaller and wrapped wider, at most five lines.
    size, width = (30, 14) if len(name) <= 36 else (24, 18)
    lines = textwrap.wrap(name, width=width) or [name]
    if len(lines) > 5:
        lines = lines[:5]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    top = 392 - size * 1.2 * len(lines)
    return "".join(
        f'<text x="22" y="{top + (i + 1) * size * 1.2:.0f}" font-size="{size}" font-weight="700">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )


def _subtitle(title) -> str:
    kind = "Course" if title.kind == "course" else "Movie"
    year = f" · {title.year}" if title.year else ""
    return f"{kind}{year}"


def _attr(value: str) -> str:
    return escape(value, _ATTRIBUTE_ENTITIES)
