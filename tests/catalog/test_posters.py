import xml.etree.ElementTree as ET
from types import SimpleNamespace

from catalog.posters import poster_svg

SVG = "{http://www.w3.org/2000/svg}"


def a_title(**fields) -> SimpleNamespace:
    """Posters need only a few attributes, so no database is involved."""
    return SimpleNamespace(**({"slug": "heat", "title": "Heat", "kind": "movie", "year": 1995} | fields))


def test_poster_is_valid_svg_with_an_accessible_name():
    root = ET.fromstring(poster_svg(a_title()))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Poster for Heat"
    assert root.find(f"{SVG}title").text == "Poster for Heat"


def test_title_text_is_escaped_in_text_and_attributes():
    name = 'Fish & Chips <Live> "Tonight"'
    svg = poster_svg(a_title(title=name), label="Comedy & Co")
    root = ET.fromstring(svg)  # would raise on a stray & or <
    assert root.get("aria-label") == f"Poster for {name}"
    assert "Fish &amp; Chips &lt;Live&gt;" in svg
    assert "COMEDY &amp; CO" in svg


def test_poster_is_deterministic_and_differs_between_titles():
    assert poster_svg(a_title()) == poster_svg(a_title())
    assert poster_svg(a_title(slug="heat")) != poster_svg(a_title(slug="ronin", title="Heat"))


def test_long_titles_are_wrapped_into_at_most_five_lines():
    name = "An Extraordinarily Long Title That Goes On and On Through Several Clauses Until Nobody Remembers"
    root = ET.fromstring(poster_svg(a_title(title=name)))
    lines = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") == "700"]
    assert 2 <= len(lines) <= 5
    assert lines[-1].endswith("…")
    assert all(len(line) <= 18 for line in lines)


def test_courses_and_movies_look_different_and_say_what_they_are():
    course = poster_svg(a_title(kind="course", title="Python Basics", slug="python-basics", year=None))
    movie = poster_svg(a_title(slug="python-basics", title="Python Basics"))
    assert ">Course<" in course and ">Movie · 1995<" in movie
    assert "<rect x=" in course and "<circle" in movie
