"""import_movielens: layouts, parsing rules, idempotence, and all-or-nothing failure."""

import shutil
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Max

from catalog.importers.movielens_files import split_title
from catalog.models import Tag, TagSynonym, Title
from recommendations.models import Event, TagApplication
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
FIXTURES = Path(__file__).parent / "fixtures"
ML100K_MINI = FIXTURES / "ml-100k-mini"
ML1M_MINI = FIXTURES / "ml-1m-mini"
LATEST_MINI = FIXTURES / "ml-latest-mini"


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_movielens", str(path), "--no-progress", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Everything an import could touch, to prove that a second run (or a failed one) changed nothing."""
    return {
        "titles": Title.objects.count(),
        "users": User.objects.count(),
        "events": Event.objects.count(),
        "tags": Tag.objects.count(),
        "synonyms": TagSynonym.objects.count(),
        "title_tags": Title.tags.through.objects.count(),
        "tag_applications": TagApplication.objects.count(),
        "titles_updated": Title.objects.aggregate(Max("updated_at"))["updated_at__max"],
        "slugs": sorted(Title.objects.values_list("slug", flat=True)),
        "user_rows": sorted(
            User.objects.values_list("username", "password", "age", "gender", "occupation", "postcode")
        ),
    }


def genre_names(title: Title) -> set[str]:
    return set(title.tags.filter(facet__slug="genre").values_list("name", flat=True))


def corrupt_copy(source: Path, tmp_path: Path, name: str, edit) -> Path:
    """A copy of a data set directory in tmp_path with one file rewritten by edit(bytes) -> bytes."""
    target = tmp_path / source.name
    shutil.copytree(source, target)
    path = target / name
    path.chmod(0o644)
    path.write_bytes(edit(path.read_bytes()))
    return target


def cut_inside_line(number: int):
    """Truncate a file in the middle of line `number`, as an interrupted download would."""

    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")
        return b"\n".join(lines[: number - 1]) + b"\n" + lines[number - 1][:5]

    return edit


def replace_line(number: int, new: bytes, ending: bytes = b"\n"):
    def edit(data: bytes) -> bytes:
        lines = data.split(ending)
        lines[number - 1] = new
        return ending.join(lines)

    return edit


# --- Title parsing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Toy Story (1995)", ("Toy Story", 1995)),
        ("Shawshank Redemption, The (1994)", ("The Shawshank Redemption", 1994)),
        ("Misérables, Les (1995)", ("Les Misérables", 1995)),
        ("Eclisse, L' (1962)", ("L'Eclisse", 1962)),
        ("Boot, Das (Boat, The) (1981)", ("Das Boot (Boat, The)", 1981)),
        ("Good, the Bad and the Ugly, The (1966)", ("The Good, the Bad and the Ugly", 1966)),
        ("Death Note: Desu nôto (2006–2007)", ("Death Note: Desu nôto", 2006)),
        ("Babylon 5", ("Babylon 5", None)),
        ("Sex, Lies, and Videotape (1989)", ("Sex, Lies, and Videotape", 1989)),
    ],
)
def test_split_title_moves_trailing_article_and_takes_year(raw, expected):
    assert split_title(raw) == expected


# --- Hand-made fixtures, one per layout -----------------------------------------------------


def test_100k_layout_creates_titles_users_events_and_genres():
    output = run(ML100K_MINI)

    assert Title.objects.filter(source="ml-100k").count() == 6
    assert User.objects.filter(source="ml-100k").count() == 3
    assert Event.objects.filter(source="ml-100k", type="rate").count() == 10
    assert "rating events" in output and "elapsed" in output

    toy_story = Title.objects.get(source="ml-100k", external_id="1")
    assert (toy_story.title, toy_story.year, toy_story.kind) == ("Toy Story", 1995, "movie")
    assert toy_story.release_date == date(1995, 1, 1)
    assert toy_story.published_at == datetime(1995, 1, 1, tzinfo=UTC)
    assert toy_story.is_published
    assert genre_names(toy_story) == {"Animation", "Children", "Comedy"}
    assert TagSynonym.objects.get(name="Children's").tag.name == "Children"
    assert not Tag.objects.filter(name__iexact="unknown").exists()

    shawshank = Title.objects.get(source="ml-100k", external_id="64")
    assert (shawshank.title, shawshank.slug) == ("The Shawshank Redemption", "the-shawshank-redemption-1994")
    # Latin-1 decoding, and the year from the title even though it was released the year after.
    nenette = Title.objects.get(source="ml-100k", external_id="1120")
    assert (nenette.title, nenette.year, nenette.release_date) == ("Nénette et Boni", 1996, date(1997, 11, 13))
    unknown = Title.objects.get(source="ml-100k", external_id="267")
    assert (unknown.year, unknown.release_date, unknown.published_at is not None) == (None, None, True)


def test_100k_users_have_demographics_and_no_usable_password():
    run(ML100K_MINI)

    user = User.objects.get(username="ml196")
    assert (user.age, user.gender, user.occupation, user.postcode, user.source) == (
        49,
        "M",
        "writer",
        "55105",
        "ml-100k",
    )
    assert not user.has_usable_password()

    event = Event.objects.get(user=user, title__external_id="1")
    assert (event.type, event.value, event.source) == ("rate", 3.0, "ml-100k")
    assert event.timestamp == datetime.fromtimestamp(881250949, tz=UTC)


def test_same_name_gets_a_deterministic_suffix_and_keeps_it():
    run(ML100K_MINI)
    slugs = dict(Title.objects.filter(source="ml-100k").values_list("external_id", "slug"))
    assert (slugs["246"], slugs["268"]) == ("chasing-amy-1997", "chasing-amy-1997-2")

    Title.objects.filter(slug="chasing-amy-1997").update(title="Edited by hand")  # a data change...
    run(ML100K_MINI)
    title = Title.objects.get(source="ml-100k", external_id="246")
    assert (title.title, title.slug) == ("Chasing Amy", "chasing-amy-1997")  # ...is reverted, the slug stays


def test_slug_clash_with_an_existing_title_gets_a_suffix():
    Title.objects.create(title="Toy Story", slug="toy-story-1995", year=1995)
    run(ML100K_MINI)
    assert Title.objects.get(source="ml-100k", external_id="1").slug == "toy-story-1995-2"


def test_1m_layout_maps_occupation_and_age_codes():
    run(ML1M_MINI)

    assert Title.objects.filter(source="ml-1m").count() == 4
    assert Event.objects.filter(source="ml-1m").count() == 10
    # Users come from users.dat and ratings.dat (user 5 only rated).
    assert set(User.objects.filter(source="ml-1m").values_list("username", flat=True)) == {
        "ml1m-1", "ml1m-2", "ml1m-3", "ml1m-4", "ml1m-5", "ml1m-6040",
    }  # fmt: skip
    profiles = {
        user.username: (user.gender, user.age, user.occupation, user.postcode)
        for user in User.objects.filter(source="ml-1m")
    }
    assert profiles["ml1m-1"] == ("F", 1, "K-12 student", "48067")
    assert profiles["ml1m-2"] == ("M", 56, "self-employed", "70072")
    assert profiles["ml1m-4"] == ("M", 45, "executive/managerial", "02460")
    assert profiles["ml1m-6040"] == ("M", 25, "doctor/health care", "11106")
    assert profiles["ml1m-5"] == ("", None, "", "")
    assert Title.objects.get(source="ml-1m", external_id="3952").title == "The Contender"
    assert genre_names(Title.objects.get(source="ml-1m", external_id="1")) == {"Animation", "Children", "Comedy"}


def test_latest_layout_imports_half_stars_tags_and_tag_applications():
    run(LATEST_MINI)

    assert Title.objects.filter(source="ml-latest").count() == 5
    assert Event.objects.filter(source="ml-latest").count() == 7
    assert Event.objects.get(user__username="mll-2", title__external_id="29").value == 0.5
    # User 4 only tagged.
    assert User.objects.filter(source="ml-latest").count() == 4
    assert User.objects.get(username="mll-4").tag_applications.count() == 1

    city = Title.objects.get(source="ml-latest", external_id="29")
    assert city.title == "The City of Lost Children (Cité des enfants perdus, La)"
    assert Title.objects.get(source="ml-latest", external_id="114935").tags.filter(facet__slug="genre").count() == 0

    # Case-insensitive keyword tags: the first spelling wins, whitespace is stripped.
    keywords = set(Tag.objects.filter(facet__slug="keyword").values_list("name", flat=True))
    assert keywords == {"dark", "Funny", "pixar, animation", "politics"}
    # "dark" and "Dark" by the same user on the same title are one application.
    assert TagApplication.objects.filter(source="ml-latest").count() == 5
    application = TagApplication.objects.get(user__username="mll-3", tag__name="Funny")
    assert application.title.external_id == "1"
    assert application.timestamp == datetime.fromtimestamp(1306463600, tz=UTC)
    toy_story = Title.objects.get(source="ml-latest", external_id="1")
    assert {"Funny", "pixar, animation"} <= set(toy_story.tags.values_list("name", flat=True))


def test_progress_goes_to_stderr_unless_switched_off(capsys):
    call_command("import_movielens", str(ML100K_MINI), stdout=StringIO())
    assert "u.data" in capsys.readouterr().err
    run(ML100K_MINI)
    assert capsys.readouterr().err == ""


def test_user_prefix_option_overrides_the_default():
    run(ML100K_MINI, "--user-prefix", "hundredk-")
    assert User.objects.filter(username="hundredk-196").exists()
    assert not User.objects.filter(username="ml196").exists()


def test_data_sets_share_genre_tags_but_not_people():
    run(ML100K_MINI)
    run(ML1M_MINI)
    assert Tag.objects.filter(facet__slug="genre", name="Children").count() == 1
    assert User.objects.filter(username__in=["ml1", "ml1m-1"]).count() == 2


@pytest.mark.parametrize("fixture", [ML100K_MINI, ML1M_MINI, LATEST_MINI], ids=["100k", "1m", "latest"])
def test_reimport_changes_nothing(fixture):
    run(fixture)
    before = snapshot()
    output = run(fixture)
    assert snapshot() == before
    assert " 0 created, 0 updated" in output


def test_repeated_rating_line_is_stored_once(tmp_path):
    repeated = corrupt_copy(ML1M_MINI, tmp_path, "ratings.dat", lambda data: data + b"1::1::5::978300760\n")
    output = run(repeated)
    assert Event.objects.filter(source="ml-1m").count() == 10
    assert "rating events    10 created, 0 updated, 1 unchanged" in output


def test_reimport_updates_only_changed_titles(tmp_path):
    run(ML1M_MINI)
    changed = corrupt_copy(ML1M_MINI, tmp_path, "movies.dat", replace_line(2, b"2::Jumanji (1996)::Adventure"))
    stamps = dict(Title.objects.values_list("external_id", "updated_at"))

    output = run(changed)

    assert "titles           0 created, 1 updated, 3 unchanged" in output
    after = dict(Title.objects.values_list("external_id", "updated_at"))
    assert [key for key in stamps if stamps[key] != after[key]] == ["2"]
    assert Title.objects.get(external_id="2", source="ml-1m").year == 1996


# --- Bad input: non-zero exit naming file and line, nothing written -------------------------


@pytest.mark.parametrize(
    ("fixture", "name", "edit", "expected"),
    [
        (ML100K_MINI, "u.data", cut_inside_line(10), "u.data line 10: the last line has no line ending"),
        (
            ML100K_MINI,
            "u.data",
            replace_line(4, b"1\t1\tfive\t874965758"),
            "u.data line 4: rating 'five' is not a number",
        ),
        (ML100K_MINI, "u.data", replace_line(7, b"305\t1"), "u.data line 7: expected 4 tab-separated fields, got 2"),
        (ML100K_MINI, "u.data", replace_line(2, b"196\t9999\t5\t881251863"), "u.data line 2: movie 9999 is not in the"),
        (ML100K_MINI, "u.data", replace_line(3, b"196\t246\t7\t881250950"), "u.data line 3: rating 7 is outside"),
        (
            ML100K_MINI,
            "u.item",
            replace_line(3, b"246|Chasing Amy (1997)|31-Foo-1997||x|" + b"0|" * 18 + b"0"),
            "u.item line 3: release date",
        ),
        (
            ML100K_MINI,
            "u.user",
            replace_line(2, b"196|old|M|writer|55105"),
            "u.user line 2: age 'old' is not a whole number",
        ),
        (
            ML1M_MINI,
            "ratings.dat",
            replace_line(5, b"3::1::4"),
            "ratings.dat line 5: expected 4 ::-separated fields, got 3",
        ),
        (ML1M_MINI, "users.dat", replace_line(3, b"3::M::25::21::55117"), "users.dat line 3: occupation code 21"),
        (ML1M_MINI, "users.dat", replace_line(3, b"3::M::26::2::55117"), "users.dat line 3: age code '26'"),
        (
            ML1M_MINI,
            "movies.dat",
            replace_line(4, b"1::Toy Story again (1995)::Drama"),
            "movies.dat line 4: id 1 appears twice",
        ),
    ],
    ids=[
        "truncated",
        "non-numeric",
        "short-line",
        "unknown-movie",
        "out-of-range",
        "bad-date",
        "bad-age",
        "1m-short-line",
        "1m-occupation",
        "1m-age-code",
        "1m-duplicate-movie",
    ],
)
def test_bad_line_fails_with_file_and_line_and_writes_nothing(tmp_path, fixture, name, edit, expected):
    run(LATEST_MINI)  # a database that already holds data
    before = snapshot()
    broken = corrupt_copy(fixture, tmp_path, name, edit)

    with pytest.raises(CommandError) as caught:
        run(broken)

    assert expected in str(caught.value)
    assert str(broken / name) in str(caught.value)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "edit", "expected"),
    [
        (
            "ratings.csv",
            replace_line(1, b"userId,movieId,timestamp", b"\r\n"),
            "ratings.csv line 1: expected the header",
        ),
        ("movies.csv", replace_line(1, b"movieId,title", b"\r\n"), "movies.csv line 1: missing column(s) genres"),
        (
            "tags.csv",
            replace_line(5, b"4,11,politics", b"\r\n"),
            "tags.csv line 5: expected 4 comma-separated fields, got 3",
        ),
        ("tags.csv", replace_line(3, b"2,999,Funny,1445714996", b"\r\n"), "tags.csv line 3: movie 999 is not in the"),
        ("ratings.csv", replace_line(3, b"1,11,3.5,yesterday", b"\r\n"), "ratings.csv line 3: timestamp 'yesterday'"),
        (
            "movies.csv",
            lambda data: data.replace("Cité".encode(), "Cité".encode("latin-1")),
            "movies.csv line 4: not valid utf-8",
        ),
    ],
    ids=[
        "ratings-missing-column",
        "movies-missing-column",
        "tags-short-line",
        "tags-unknown-movie",
        "bad-timestamp",
        "bad-utf8",
    ],
)
def test_bad_latest_csv_fails_with_file_and_line_and_writes_nothing(tmp_path, name, edit, expected):
    run(ML100K_MINI)
    before = snapshot()
    broken = corrupt_copy(LATEST_MINI, tmp_path, name, edit)

    with pytest.raises(CommandError, match="nothing was imported") as caught:
        run(broken)

    assert expected in str(caught.value)
    assert snapshot() == before


def test_failure_while_writing_rolls_everything_back(monkeypatch):
    run(ML1M_MINI)
    before = snapshot()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("catalog.importers.movielens.insert_rating_events", explode)
    with pytest.raises(RuntimeError):
        run(ML100K_MINI)  # titles, tags and users were written before the events failed...
    assert snapshot() == before  # ...and rolled back with them


def test_user_name_taken_by_someone_else_is_refused():
    UserFactory(username="ml196")
    before = snapshot()
    with pytest.raises(CommandError, match="ml196 already belongs to an account"):
        run(ML100K_MINI)
    assert snapshot() == before


def test_directory_without_movielens_files_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no MovieLens ratings file found"):
        run(tmp_path)


# --- The real data sets (../shared/data; skipped when absent) -------------------------------


@pytest.mark.realdata
@pytest.mark.slow
def test_real_100k_counts_profiles_and_idempotence(ml100k):
    run(ml100k)

    assert Event.objects.filter(source="ml-100k", type="rate").count() == 100_000
    assert Title.objects.filter(source="ml-100k").count() == 1_682
    assert User.objects.filter(source="ml-100k").count() == 943
    user = User.objects.get(username="ml196")
    assert (user.age, user.gender, user.occupation, user.postcode) == (49, "M", "writer", "55105")
    assert not user.has_usable_password()
    assert genre_names(Title.objects.get(source="ml-100k", external_id="1")) == {"Animation", "Children", "Comedy"}
    assert Title.objects.get(source="ml-100k", external_id="64").title == "The Shawshank Redemption"

    before = snapshot()
    run(ml100k)
    assert snapshot() == before


@pytest.mark.realdata
@pytest.mark.slow
def test_real_latest_small_counts_tags_and_idempotence(ml_latest_small):
    output = run(ml_latest_small)

    assert Event.objects.filter(source="ml-latest").count() == 100_836
    assert Title.objects.filter(source="ml-latest").count() == 9_742
    assert TagApplication.objects.filter(source="ml-latest").count() == 3_683
    assert User.objects.filter(source="ml-latest").count() == 610
    assert "tag applications  3683 created" in output
    assert Event.objects.filter(source="ml-latest", value=0.5).exists()
    assert genre_names(Title.objects.get(source="ml-latest", external_id="1")) == {
        "Adventure", "Animation", "Children", "Comedy", "Fantasy",
    }  # fmt: skip

    before = snapshot()
    run(ml_latest_small)
    assert snapshot() == before


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "edit", "expected"),
    [
        ("u.data", cut_inside_line(46_000), "u.data line 46000: the last line has no line ending"),
        ("u.data", replace_line(17, b"92\t2\tabc\t875654590"), "u.data line 17: rating 'abc' is not a number"),
        ("u.data", replace_line(50_000, b"92\t1683\t3\t875654590"), "u.data line 50000: movie 1683 is not in the"),
    ],
    ids=["truncated", "non-numeric", "unknown-movie"],
)
def test_real_100k_corrupt_copy_fails_and_writes_nothing(ml100k, tmp_path, name, edit, expected):
    run(LATEST_MINI)
    before = snapshot()
    broken = corrupt_copy(ml100k, tmp_path, name, edit)

    with pytest.raises(CommandError) as caught:
        run(broken)

    assert expected in str(caught.value)
    assert snapshot() == before


@pytest.mark.realdata
def test_real_latest_small_csv_with_a_missing_column_fails(ml_latest_small, tmp_path):
    def drop_timestamp_column(data: bytes) -> bytes:
        return b"\r\n".join(line.rsplit(b",", 1)[0] for line in data.split(b"\r\n") if line) + b"\r\n"

    run(ML100K_MINI)
    before = snapshot()
    broken = corrupt_copy(ml_latest_small, tmp_path, "tags.csv", drop_timestamp_column)

    with pytest.raises(CommandError, match=r"tags\.csv line 1: missing column\(s\) timestamp"):
        run(broken)
    assert snapshot() == before
