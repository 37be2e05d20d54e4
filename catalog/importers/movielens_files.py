"""Parsing and validating MovieLens data sets (100K, 1M, latest / latest-small). No Django here.

Everything is read and checked before the importer writes anything, so a bad line anywhere
aborts the import with its file and line number and leaves the database untouched.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from catalog.importers.errors import ImportDataError
from catalog.importers.progress import Progress
from catalog.importers.readers import csv_records, raw_lines, split_fields, text_lines

MIN_RATING, MAX_RATING = 0.5, 5.0
# Column sizes of catalog.Title.title and catalog.Tag.name (this module stays free of Django).
TITLE_MAX_LENGTH = 300
TAG_MAX_LENGTH = 100
SKIPPED_GENRES = {"unknown", "(no genres listed)"}

# From the 1M README ("Occupation is chosen from the following choices").
OCCUPATIONS_1M = [
    "other",
    "academic/educator",
    "artist",
    "clerical/admin",
    "college/grad student",
    "customer service",
    "doctor/health care",
    "executive/managerial",
    "farmer",
    "homemaker",
    "K-12 student",
    "lawyer",
    "programmer",
    "retired",
    "sales/marketing",
    "scientist",
    "self-employed",
    "technician/engineer",
    "tradesman/craftsman",
    "unemployed",
    "writer",
]
AGE_CODES_1M = {1, 18, 25, 35, 45, 50, 56}
GENRES_100K = [  # u.genre, used when the file is missing
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip
MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}


@dataclass(frozen=True)
class Layout:
    name: str  # what the summary calls it
    source: str  # Title/User/Event.source; latest and latest-small share movie ids, so one source
    user_prefix: str
    ratings_file: str
    movies_file: str


LAYOUTS = [
    Layout("MovieLens 100K", "ml-100k", "ml", "u.data", "u.item"),
    Layout("MovieLens 1M", "ml-1m", "ml1m-", "ratings.dat", "movies.dat"),
    Layout("MovieLens latest", "ml-latest", "mll-", "ratings.csv", "movies.csv"),
]


@dataclass(frozen=True)
class Movie:
    movie_id: int
    title: str
    year: int | None
    release_date: date | None
    genres: tuple[str, ...]


@dataclass(frozen=True)
class MovieLensUser:
    user_id: int
    age: int | None = None
    gender: str = ""
    occupation: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class TagApplicationRow:
    user_id: int
    movie_id: int
    tag: str
    timestamp: int


@dataclass
class Ratings:
    """Ratings as parallel typed arrays: a million rows cost ~28 MB instead of ~1 GB of objects."""

    user_ids: array = field(default_factory=lambda: array("q"))
    movie_ids: array = field(default_factory=lambda: array("q"))
    values: array = field(default_factory=lambda: array("d"))
    timestamps: array = field(default_factory=lambda: array("q"))

    def __len__(self) -> int:
        return len(self.values)

    def rows(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, int, float, int]]:
        window = slice(start, stop)
        return zip(
            self.user_ids[window], self.movie_ids[window], self.values[window], self.timestamps[window], strict=True
        )


@dataclass
class Dataset:
    layout: Layout
    movies: dict[int, Movie]
    users: dict[int, MovieLensUser]  # from the users file, if the layout has one
    ratings: Ratings
    tag_applications: list[TagApplicationRow]

    def all_user_ids(self) -> list[int]:
        ids = set(self.users)
        ids.update(self.ratings.user_ids)
        ids.update(row.user_id for row in self.tag_applications)
        return sorted(ids)


# --- Layout detection -----------------------------------------------------------------------


def detect_layout(directory: Path) -> Layout:
    if not directory.is_dir():
        raise ImportDataError(f"{directory} is not a directory")
    for layout in LAYOUTS:
        if (directory / layout.ratings_file).is_file():
            if not (directory / layout.movies_file).is_file():
                raise ImportDataError(f"{layout.movies_file} is missing ({layout.name} layout)", path=directory)
            return layout
    names = ", ".join(layout.ratings_file for layout in LAYOUTS)
    raise ImportDataError(f"no MovieLens ratings file found (looked for {names})", path=directory)


def read_dataset(directory: Path, progress: Progress | None = None) -> Dataset:
    """Parse and validate every file of the data set in `directory`."""
    layout = detect_layout(directory)
    reader = {"ml-100k": _read_100k, "ml-1m": _read_1m, "ml-latest": _read_latest}[layout.source]
    return reader(directory, layout, progress or Progress(False))


def _read_100k(directory: Path, layout: Layout, progress: Progress) -> Dataset:
    genre_file = directory / "u.genre"
    genres = _read_100k_genres(genre_file) if genre_file.is_file() else GENRES_100K
    movies = _by_id(directory / "u.item", _read_100k_movies(directory / "u.item", genres, progress))
    user_file = directory / "u.user"
    users = _by_id(user_file, _read_100k_users(user_file, progress)) if user_file.is_file() else {}
    ratings = read_ratings(directory / "u.data", "\t", "tab", movies, progress)
    return Dataset(layout, movies, users, ratings, [])


def _read_1m(directory: Path, layout: Layout, progress: Progress) -> Dataset:
    movies = _by_id(directory / "movies.dat", _read_1m_movies(directory / "movies.dat", progress))
    user_file = directory / "users.dat"
    users = _by_id(user_file, _read_1m_users(user_file, progress)) if user_file.is_file() else {}
    ratings = read_ratings(directory / "ratings.dat", "::", "::", movies, progress)
    return Dataset(layout, movies, users, ratings, [])


def _read_latest(directory: Path, layout: Layout, progress: Progress) -> Dataset:
    movies = _by_id(directory / "movies.csv", _read_latest_movies(directory / "movies.csv", progress))
    ratings = read_ratings(directory / "ratings.csv", ",", "comma", movies, progress, header=True)
    tag_file = directory / "tags.csv"
    tags = list(_read_latest_tags(tag_file, movies, progress)) if tag_file.is_file() else []
    return Dataset(layout, movies, {}, ratings, tags)


def _by_id(path: Path, rows: Iterator[tuple[int, Movie | MovieLensUser]]) -> dict:
    """Index rows by id; a repeated id is an error (which line should win is anybody's guess)."""
    result: dict = {}
    for number, row in rows:
        key = row.movie_id if isinstance(row, Movie) else row.user_id
        if key in result:
            raise ImportDataError(f"id {key} appears twice", path=path, line=number)
        result[key] = row
    return result


# --- Movies ---------------------------------------------------------------------------------

YEAR_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\((?P<year>\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)\s*$")
TRAILING_ARTICLE = re.compile(
    r"^(?P<main>.+?), (?P<article>The|A|An|Les|La|Le|L'|Il|Das|Der|Die|El|Los|Las|Un|Une)"
    r"(?P<rest>(?: \([^()]*\))*)$"
)


def split_title(raw: str) -> tuple[str, int | None]:
    """ "Shawshank Redemption, The (1994)" -> ("The Shawshank Redemption", 1994)."""
    raw = raw.strip()
    match = YEAR_SUFFIX.match(raw)
    name, year = (match["name"], int(match["year"])) if match else (raw, None)
    return move_trailing_article(name), year


def move_trailing_article(name: str) -> str:
    """MovieLens files sort by title, so "The" sits at the end: "City, The (alt title)" -> "The City (alt title)"."""
    match = TRAILING_ARTICLE.match(name)
    if not match:
        return name
    separator = "" if match["article"].endswith("'") else " "
    return f"{match['article']}{separator}{match['main']}{match['rest']}"


def _movie(path: Path, number: int, id_text: str, raw_title: str, genres: list[str], released: date | None) -> Movie:
    movie_id = _parse_id(path, number, "movie id", id_text)
    title, year = split_title(raw_title)
    if not title:
        raise ImportDataError("the title is empty", path=path, line=number)
    if len(title) > TITLE_MAX_LENGTH:
        raise ImportDataError(f"the title is longer than {TITLE_MAX_LENGTH} characters", path=path, line=number)
    if year is None and released is not None:
        year = released.year
    kept = tuple(genre.strip() for genre in genres if genre.strip() and genre.strip().lower() not in SKIPPED_GENRES)
    return Movie(movie_id, title, year, released, kept)


def _read_100k_genres(path: Path) -> list[str]:
    names: dict[int, str] = {}
    for number, line in text_lines(path, "latin-1"):
        name, index = split_fields(path, number, line, "|", 2, "pipe")
        names[_parse_id(path, number, "genre index", index)] = name
    if sorted(names) != list(range(len(names))):
        raise ImportDataError("genre indexes are not 0..n-1", path=path)
    return [names[index] for index in range(len(names))]


def _read_100k_movies(path: Path, genres: list[str], progress: Progress) -> Iterator:
    expected = 5 + len(genres)
    for number, line in text_lines(path, "latin-1", progress):
        fields = split_fields(path, number, line, "|", expected, "pipe")
        flags = fields[5:]
        if any(flag not in ("0", "1") for flag in flags):
            raise ImportDataError("genre flags must be 0 or 1", path=path, line=number)
        movie_genres = [name for name, flag in zip(genres, flags, strict=True) if flag == "1"]
        released = _parse_100k_date(path, number, fields[2])
        yield number, _movie(path, number, fields[0], fields[1], movie_genres, released)


def _parse_100k_date(path: Path, number: int, text: str) -> date | None:
    """ "01-Jan-1995" (month names parsed here, not by strptime, so the locale cannot matter)."""
    if not text.strip():
        return None
    try:
        day, month, year = text.strip().split("-")
        return date(int(year), MONTHS[month.lower()], int(day))
    except (ValueError, KeyError):
        raise ImportDataError(f"release date {text!r} is not like 01-Jan-1995", path=path, line=number) from None


def _read_1m_movies(path: Path, progress: Progress) -> Iterator:
    for number, line in text_lines(path, "latin-1", progress):
        movie_id, title, genres = split_fields(path, number, line, "::", 3, "::")
        yield number, _movie(path, number, movie_id, title, genres.split("|"), None)


def _read_latest_movies(path: Path, progress: Progress) -> Iterator:
    for number, row in csv_records(path, ["movieId", "title", "genres"], progress=progress):
        yield number, _movie(path, number, row["movieId"], row["title"], row["genres"].split("|"), None)


# --- Users ----------------------------------------------------------------------------------


def _read_100k_users(path: Path, progress: Progress) -> Iterator:
    for number, line in text_lines(path, "latin-1", progress):
        user_id, age, gender, occupation, postcode = split_fields(path, number, line, "|", 5, "pipe")
        user = MovieLensUser(
            user_id=_parse_id(path, number, "user id", user_id),
            age=_parse_age(path, number, age),
            gender=_parse_gender(path, number, gender),
            occupation=occupation.strip(),
            postcode=_parse_postcode(path, number, postcode),
        )
        yield number, user


def _read_1m_users(path: Path, progress: Progress) -> Iterator:
    for number, line in text_lines(path, "latin-1", progress):
        user_id, gender, age, occupation, postcode = split_fields(path, number, line, "::", 5, "::")
        age_code = _parse_age(path, number, age)
        if age_code not in AGE_CODES_1M:
            raise ImportDataError(f"age code {age!r} is not one of {sorted(AGE_CODES_1M)}", path=path, line=number)
        code = _parse_id(path, number, "occupation code", occupation)
        if code >= len(OCCUPATIONS_1M):
            raise ImportDataError(f"occupation code {code} is not 0-{len(OCCUPATIONS_1M) - 1}", path=path, line=number)
        user = MovieLensUser(
            user_id=_parse_id(path, number, "user id", user_id),
            age=age_code,
            gender=_parse_gender(path, number, gender),
            occupation=OCCUPATIONS_1M[code],
            postcode=_parse_postcode(path, number, postcode),
        )
        yield number, user


def _parse_age(path: Path, number: int, text: str) -> int:
    age = _parse_id(path, number, "age", text)
    if not 0 < age < 150:
        raise ImportDataError(f"age {age} is out of range", path=path, line=number)
    return age


def _parse_gender(path: Path, number: int, text: str) -> str:
    gender = text.strip().upper()
    if gender not in ("M", "F"):
        raise ImportDataError(f"gender {text!r} is not M or F", path=path, line=number)
    return gender


def _parse_postcode(path: Path, number: int, text: str) -> str:
    postcode = text.strip()
    if len(postcode) > 16:
        raise ImportDataError(f"postcode {postcode!r} is longer than 16 characters", path=path, line=number)
    return postcode


def _parse_id(path: Path, number: int, what: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ImportDataError(f"{what} {text.strip()!r} is not a whole number", path=path, line=number) from None
    if value < 0:
        raise ImportDataError(f"{what} {value} is negative", path=path, line=number)
    return value


# --- Ratings and tags -----------------------------------------------------------------------


def read_ratings(
    path: Path,
    separator: str,
    separator_name: str,
    movies: dict[int, Movie],
    progress: Progress,
    header: bool = False,
) -> Ratings:
    """Parse `user, movie, rating, timestamp` lines into typed arrays.

    This is the hot loop of a million-row import, so it works on bytes and does the checks in
    one `try`; only a failing line is parsed again, slowly, to say exactly what is wrong.
    """
    ratings = Ratings()
    append_user, append_movie = ratings.user_ids.append, ratings.movie_ids.append
    append_value, append_time = ratings.values.append, ratings.timestamps.append
    sep = separator.encode()
    lines = raw_lines(path, progress)
    if header:
        _check_ratings_header(path, next(lines, None))
    for number, line in lines:
        fields = line.split(sep)
        try:
            user_id, movie_id, value, timestamp = fields
            user_id, movie_id, value, timestamp = int(user_id), int(movie_id), float(value), int(timestamp)
            if not (MIN_RATING <= value <= MAX_RATING and movie_id in movies and user_id >= 0 and timestamp >= 0):
                raise ValueError
        except ValueError:
            _explain_bad_rating(path, number, fields, separator_name, movies)
            raise  # pragma: no cover - _explain_bad_rating always raises
        append_user(user_id)
        append_movie(movie_id)
        append_value(value)
        append_time(timestamp)
    return ratings


def _check_ratings_header(path: Path, first: tuple[int, bytes] | None) -> None:
    expected = ["userId", "movieId", "rating", "timestamp"]
    if first is None:
        raise ImportDataError("the file is empty; expected a header row", path=path, line=1)
    number, line = first
    found = line.decode("utf-8", "replace").lstrip("\ufeff").split(",")
    if found != expected:
        raise ImportDataError(
            f"expected the header {','.join(expected)}, got {','.join(found)}", path=path, line=number
        )


def _explain_bad_rating(
    path: Path, number: int, fields: list[bytes], separator_name: str, movies: dict[int, Movie]
) -> None:
    def fail(message: str) -> ImportDataError:
        return ImportDataError(message, path=path, line=number)

    if len(fields) != 4:
        raise fail(f"expected 4 {separator_name}-separated fields, got {len(fields)}")
    texts = [field.decode("latin-1").strip() for field in fields]
    parse: dict[str, Callable[[str], float]] = {"user id": int, "movie id": int, "rating": float, "timestamp": int}
    values = []
    for (what, convert), text in zip(parse.items(), texts, strict=True):
        try:
            values.append(convert(text))
        except ValueError:
            kind = "a number" if what == "rating" else "a whole number"
            raise fail(f"{what} {text!r} is not {kind}") from None
    user_id, movie_id, value, timestamp = values
    if user_id < 0 or timestamp < 0:
        raise fail("user id and timestamp must not be negative")
    if not MIN_RATING <= value <= MAX_RATING:
        raise fail(f"rating {texts[2]} is outside {MIN_RATING}-{MAX_RATING}")
    raise fail(f"movie {movie_id} is not in the movies file")


def _read_latest_tags(path: Path, movies: dict[int, Movie], progress: Progress) -> Iterator[TagApplicationRow]:
    for number, row in csv_records(path, ["userId", "movieId", "tag", "timestamp"], progress=progress):
        user_id = _parse_id(path, number, "user id", row["userId"])
        movie_id = _parse_id(path, number, "movie id", row["movieId"])
        timestamp = _parse_id(path, number, "timestamp", row["timestamp"])
        if movie_id not in movies:
            raise ImportDataError(f"movie {movie_id} is not in the movies file", path=path, line=number)
        tag = row["tag"].strip()
        if not tag:
            raise ImportDataError("the tag is empty", path=path, line=number)
        if len(tag) > TAG_MAX_LENGTH:
            raise ImportDataError(f"the tag is longer than {TAG_MAX_LENGTH} characters", path=path, line=number)
        yield TagApplicationRow(user_id, movie_id, tag, timestamp)
