"""Generated poster art for titles without an uploaded poster, so every page looks finished.

The art is deterministic (colours come from a hash of the slug) and carries the title text,
so a shelf of placeholder posters still reads like a shelf of distinct titles.
"""

import hashlib
import textwrap
from xml.sax.saxutils import escape

_PALETTES = [
    ("#1f2a44", "#e85d75"),
    ("#0f3d3e", "#f2b134"),
    ("#2d1e2f", "#f45b69"),
    ("#102a43", "#48bb78"),
    ("#3c1642", "#29a0b1"),
    ("#1b263b", "#ffb703"),
    ("#22223b", "#c9ada7"),
    ("#14213d", "#fca311"),
]


def poster_svg(title) -> str:
    digest = hashlib.sha256(title.slug.encode()).digest()
    background, accent = _PALETTES[digest[0] % len(_PALETTES)]
    angle = digest[1] % 180
    lines = textwrap.wrap(title.title, width=16)[:5]
    text = "".join(
        f'<text x="20" y="{150 + i * 30}" font-size="24" font-weight="700">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    subtitle = escape(f"{title.get_kind_display()}{f' · {title.year}' if title.year else ''}")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 450" width="300" height="450" '
        f'role="img" aria-label="Poster for {escape(title.title)}">'
        f'<defs><linearGradient id="g" gradientTransform="rotate({angle})">'
        f'<stop offset="0" stop-color="{background}"/><stop offset="1" stop-color="{accent}"/>'
        "</linearGradient></defs>"
        '<rect width="300" height="450" fill="url(#g)"/>'
        f'<circle cx="{60 + digest[2] % 180}" cy="{300 + digest[3] % 100}" r="{40 + digest[4] % 60}" '
        'fill="#ffffff" fill-opacity="0.08"/>'
        f'<g fill="#ffffff" font-family="system-ui, sans-serif">{text}'
        f'<text x="20" y="420" font-size="16" fill-opacity="0.8">{subtitle}</text></g>'
        "</svg>"
    )
