"""import_catalog: editors' CSV and JSON bulk loads."""

import json
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max

from catalog.models import Credit, Person, Tag, Title
from tests.factories import CourseFactory, TitleFactory

pytestmark = pytest.mark.django_db

CSV_HEADER = (
    "kind,title,slug,synopsis,year,release_date,duration_minutes,language,tags,skill_level,provider,"
    "instructor,lesson_count,prerequisites,directors,cast,published,staff_pick\n"
)
CATALOGUE_CSV = CSV_HEADER + (
    'movie,Heat,,"A crew of thieves,\nand the detective who hunts them.",1995,1995-12-15,170,en,'
    "Crime|Thriller|mood:Tense,,,,,,Michael Mann,Al Pacino|Robert De Niro,true,true\n"
    "course,Python Basics,python-basics,Start here.,2024,,300,en,Programming|skill:Python,beginner,"
    "Open Campus,Ada Lovelace,12,,,,true,false\n"
    "course,Python Testing,,,,,,,topic:Testing,intermediate,Open Campus,Ada Lovelace,8,python-basics,,,,\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path: Path) -> str:
    out = StringIO()
    call_command("import_catalog", str(path), "--no-progress", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "titles": sorted(Title.objects.values_list("slug", "title", "kind", "year", "is_published", "is_staff_pick")),
        "updated": Title.objects.aggregate(Max("updated_at"))["updated_at__max"],
        "tags": Tag.objects.count(),
        "title_tags": Title.tags.through.objects.count(),
        "people": Person.objects.count(),
        "credits": sorted(Credit.objects.values_list("title_id", "person_id", "role", "order")),
        "prerequisites": Title.prerequisites.through.objects.count(),
    }


def tag_labels(title: Title) -> set[str]:
    return {f"{tag.facet.slug}:{tag.name}" for tag in title.tags.select_related("facet")}


def test_csv_creates_movies_and_courses_with_tags_credits_and_prerequisites(tmp_path):
    output = run(write(tmp_path, "catalogue.csv", CATALOGUE_CSV))

    assert "titles" in output and "3 created" in output
    heat = Title.objects.get(slug="heat-1995")
    assert (heat.kind, heat.year, heat.release_date, heat.duration_minutes) == ("movie", 1995, date(1995, 12, 15), 170)
    assert heat.synopsis == "A crew of thieves,\nand the detective who hunts them."
    assert heat.is_published and heat.is_staff_pick
    assert heat.published_at == datetime(1995, 12, 15, tzinfo=UTC)
    assert tag_labels(heat) == {"genre:Crime", "genre:Thriller", "mood:Tense"}
    credits = [
        (c.person.name, c.role, c.order) for c in heat.credits.select_related("person").order_by("role", "order")
    ]
    assert credits == [("Al Pacino", "cast", 0), ("Robert De Niro", "cast", 1), ("Michael Mann", "director", 0)]
    assert Person.objects.get(name="Michael Mann").slug == "michael-mann"

    basics = Title.objects.get(slug="python-basics")
    assert (basics.kind, basics.skill_level, basics.provider, basics.instructor, basics.lesson_count) == (
        "course", "beginner", "Open Campus", "Ada Lovelace", 12,
    )  # fmt: skip
    assert tag_labels(basics) == {"category:Programming", "skill:Python"}  # courses default to "category"
    testing = Title.objects.get(slug="python-testing")
    assert list(testing.prerequisites.values_list("slug", flat=True)) == ["python-basics"]
    assert testing.is_published and testing.published_at is not None


def test_json_happy_path_accepts_native_types_and_lists(tmp_path):
    CourseFactory(slug="intro-to-sql", title="Intro to SQL")
    items = [
        {"kind": "course", "title": "Databases II", "year": 2023, "lesson_count": 10, "skill_level": "Advanced",
         "tags": ["Data", "topic:SQL"], "prerequisites": ["intro-to-sql"], "staff_pick": True},
        {"kind": "movie", "title": "Alien", "year": "1979", "directors": "Ridley Scott", "cast": ["Sigourney Weaver"],
         "is_published": False, "source": "editors", "external_id": "alien-79"},
    ]  # fmt: skip
    run(write(tmp_path, "catalogue.json", json.dumps(items)))

    databases = Title.objects.get(slug="databases-ii-2023")
    assert (databases.skill_level, databases.lesson_count, databases.is_staff_pick) == ("advanced", 10, True)
    assert tag_labels(databases) == {"category:Data", "topic:SQL"}
    assert list(databases.prerequisites.values_list("slug", flat=True)) == ["intro-to-sql"]
    alien = Title.objects.get(source="editors", external_id="alien-79")
    assert (alien.slug, alien.year, alien.is_published, alien.published_at) == ("alien-1979", 1979, False, None)
    assert alien.credits.get(role="director").person.name == "Ridley Scott"


@pytest.mark.parametrize(("name", "text"), [("catalogue.csv", CATALOGUE_CSV), ("catalogue.json", None)])
def test_reimport_is_idempotent(tmp_path, name, text):
    if text is None:
        text = json.dumps(
            [{"kind": "movie", "title": "Heat", "year": 1995, "tags": "Crime", "directors": "Michael Mann"}]
        )
    path = write(tmp_path, name, text)
    run(path)
    before = snapshot()

    output = run(path)

    assert snapshot() == before
    assert " 0 created, 0 updated" in output


def test_reimport_updates_changed_values_and_keeps_what_is_not_given(tmp_path):
    run(write(tmp_path, "catalogue.csv", CATALOGUE_CSV))
    heat = Title.objects.get(slug="heat-1995")
    Title.objects.filter(pk=heat.pk).update(language="fr")  # an editor's change in the admin

    output = run(write(tmp_path, "fix.csv", "kind,title,year,duration_minutes\nmovie,Heat,1995,171\n"))

    assert "1 updated" in output
    heat.refresh_from_db()
    assert (heat.duration_minutes, heat.language, heat.is_staff_pick) == (171, "fr", True)
    assert heat.updated_at > Title.objects.exclude(pk=heat.pk).aggregate(Max("updated_at"))["updated_at__max"]


def test_slug_clash_with_a_title_of_another_kind_is_an_error(tmp_path):
    TitleFactory(slug="heat-1995", title="Heat", kind="movie")
    path = write(tmp_path, "c.csv", "kind,title,year\ncourse,Heat,1995\n")
    with pytest.raises(CommandError, match=r"c\.csv line 2: 'heat-1995' is a movie, not a course"):
        run(path)


def test_external_id_rows_get_a_suffix_instead_of_taking_over_a_title(tmp_path):
    TitleFactory(slug="heat-1995", title="Heat")
    run(write(tmp_path, "c.csv", "kind,title,year,source,external_id\nmovie,Heat,1995,tmdb,949\n"))
    assert Title.objects.get(source="tmdb", external_id="949").slug == "heat-1995-2"


# --- Bad input: file and line (or item), nothing written ------------------------------------

BAD_CSV_ROWS = [
    ("movie,Heat,,,19x5,,,,,,,,,,,,,\n", "line 3: year must be a whole number, got '19x5'"),
    ("movie,Heat,,,1995,,,,villain:Joker,,,,,,,,,\n", "line 3: unknown facet 'villain' in tag villain:Joker"),
    ("movie,Heat,,,1995,15/12/1995,,,,,,,,,,,,\n", "line 3: release_date must be a date like 2024-03-31"),
    ("movie,Heat,,,1995,,,,,beginner,,,,,,,,\n", "line 3: skill_level applies to courses only"),
    ("film,Heat,,,1995,,,,,,,,,,,,,\n", "line 3: kind must be one of course, movie, got 'film'"),
    ("movie,,,,1995,,,,,,,,,,,,,\n", "line 3: title is required"),
    ("course,Go,,,,,,,,,,,,no-such-course,,,,\n", "line 3: prerequisite 'no-such-course' is neither"),
    ("movie,Heat,,,1995,,,,,,,,,,,,maybe,\n", "line 3: is_published must be true or false, got 'maybe'"),
    ("movie,Heat,,,1995,,,,\n", "line 3: expected 18 comma-separated fields, got 9"),
    ("movie,Heat,bad slug!,,,,,,,,,,,,,,,\n", "line 3: slug 'bad slug!' may contain only"),
    ("movie,Sunrise,,,,,,,,,,,,,,,,\nmovie,Sunrise,,,,,,,,,,,,,,,,\n", "line 4: the same title (sunrise) as line 3"),
]


@pytest.mark.parametrize(("rows", "expected"), BAD_CSV_ROWS)
def test_bad_csv_row_fails_with_line_and_writes_nothing(tmp_path, rows, expected):
    run(write(tmp_path, "seed.csv", "kind,title\nmovie,Already Here\n"))
    before = snapshot()
    # Line 2 is valid and would be written if the importer did not check everything first.
    path = write(tmp_path, "bad.csv", CSV_HEADER + "course,Brand New,,,,,,,Programming,,,,,,,,,\n" + rows)

    with pytest.raises(CommandError) as caught:
        run(path)

    assert f"{path} {expected}" in str(caught.value)
    assert snapshot() == before


def test_csv_line_numbers_count_multiline_cells(tmp_path):
    path = write(tmp_path, "c.csv", 'kind,title,synopsis,year\nmovie,A,"one\ntwo\nthree",1990\nmovie,B,,19x0\n')
    with pytest.raises(CommandError, match=r"c\.csv line 5: year"):
        run(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"kind": "movie", "title": "A"}, {"kind": "movie", "title": "B", "year": "soon"}]', "item 2: year must be"),
        ('[{"kind": "movie", "title": "A", "rating": 5}]', "item 1: unknown column(s) rating"),
        ('[{"kind": "movie", "title": "A", "tags": "nope:x"}]', "item 1: unknown facet 'nope'"),
        ('[{"kind": "movie", "title": "A", "year": true}]', "item 1: year must be a whole number"),
        ('[{"kind": "movie", "title": "A"}, "B"]', "item 2: expected an object"),
        ('{"kind": "movie"}', "expected a JSON list of objects"),
        ('[{"kind": "movie",\n "title": "A",,}]', "line 2: invalid JSON"),
    ],
)
def test_bad_json_item_fails_with_item_number_and_writes_nothing(tmp_path, text, expected):
    path = write(tmp_path, "bad.json", text)
    with pytest.raises(CommandError) as caught:
        run(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)
    assert Title.objects.count() == 0


def test_unknown_csv_columns_are_named(tmp_path):
    path = write(tmp_path, "c.csv", "kind,title,rating,genre\nmovie,A,5,Drama\n")
    with pytest.raises(CommandError, match=r"c\.csv line 1: unknown column\(s\) rating, genre"):
        run(path)


def test_alias_and_column_together_is_an_error(tmp_path):
    path = write(tmp_path, "c.csv", "kind,title,published,is_published\nmovie,A,true,true\n")
    with pytest.raises(CommandError, match=r"line 1: column\(s\) given twice: published"):
        run(path)


def test_unsupported_extension_is_refused(tmp_path):
    with pytest.raises(CommandError, match="use .csv or .json"):
        run(write(tmp_path, "c.xlsx", ""))
