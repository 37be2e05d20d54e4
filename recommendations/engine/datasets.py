"""Loading data sets into `Dataset`s, without Django: MovieLens layouts and the CLI's CSV files.

- MovieLens 100K (u.data, u.item, u.user), 1M (ratings.dat, movies.dat, users.dat; `::`, latin-1)
  and latest / latest-small (ratings.csv, movies.csv, tags.csv), detected from the file names.
- The CLI contract: TRAIN.csv `user_id,item_id[,rating][,timestamp]` (header required, Unix
  seconds), ITEMS.csv `item_id[,title][,tags][,year]` (tags separated by `|`), USERS.csv `user_id`
  plus any feature columns (numeric where every value is a number, categorical otherwise).

Item tags carry a facet: "genre:Drama" from genres, "keyword:funny" from user tags (MovieLens);
tags in ITEMS.csv are kept as written. A malformed file raises `DataError("FILE line N: ...")`.
Parsing goes through pandas' C reader (a million lines in about a second); checks then run on
whole columns, and only a failing row is looked at individually to say what is wrong.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from recommendations.engine.data import Dataset, EventWeights, ItemFeatures, UserFeatures, Vocabulary

GENRES_100K = [  # u.genre, used when that file is missing
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip
# From the 1M README: users.dat stores an occupation code, this list's index.
OCCUPATIONS_1M = [
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student", "customer service",
    "doctor/health care", "executive/managerial", "farmer", "homemaker", "K-12 student", "lawyer", "programmer",
    "retired", "sales/marketing", "scientist", "self-employed", "technician/engineer", "tradesman/craftsman",
    "unemployed", "writer",
]  # fmt: skip
SKIPPED_GENRES = {"unknown", "(no genres listed)"}
YEAR_SUFFIX = re.compile(r"\s*\((\d{4})(?:\s*[-–]\s*\d{0,4})?\)\s*$")
PANDAS_LINE = re.compile(r"line (\d+)")


class DataError(ValueError):
    """A malformed input file; the message names the file and line: "TRAIN.csv line 3: ..."."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None) -> None:
        where = "" if path is None else Path(path).name + (f" line {line}" if line is not None else "")
        super().__init__(f"{where}: {message}" if where else message)


# ---- entry points ---------------------------------------------------------------------------


def load(path: str | Path, *, event_weights: EventWeights | None = None) -> Dataset:
    """A MovieLens directory, a directory holding train.csv (+ items.csv, users.csv), or a CSV file."""
    path = Path(path)
    if path.is_file():
        return load_interactions(path, event_weights=event_weights)
    if not path.is_dir():
        raise DataError(f"{path} does not exist")
    if movielens_layout(path) is not None:
        return load_movielens(path, event_weights=event_weights)
    train = _find(path, "train.csv")
    if train is None:
        raise DataError(f"{path}: no MovieLens ratings file (u.data, ratings.dat, ratings.csv) and no train.csv")
    return load_interactions(
        train, items=_find(path, "items.csv"), users=_find(path, "users.csv"), event_weights=event_weights
    )


def movielens_layout(directory: Path) -> str | None:
    """'100k', '1m', 'latest' or None, from the ratings file present."""
    for layout, ratings_file in (("100k", "u.data"), ("1m", "ratings.dat"), ("latest", "ratings.csv")):
        if (directory / ratings_file).is_file():
            if layout == "latest" and not (directory / "movies.csv").is_file():
                return None  # a folder with a ratings.csv of its own making
            return layout
    return None


def load_movielens(directory: str | Path, *, event_weights: EventWeights | None = None) -> Dataset:
    directory = Path(directory)
    layout = movielens_layout(directory)
    if layout is None:
        raise DataError(f"{directory}: not a MovieLens directory (no u.data, ratings.dat or ratings.csv + movies.csv)")
    reader = {"100k": _read_100k, "1m": _read_1m, "latest": _read_latest}[layout]
    return reader(directory, event_weights or EventWeights())


def load_interactions(
    interactions: str | Path,
    *,
    items: str | Path | None = None,
    users: str | Path | None = None,
    event_weights: EventWeights | None = None,
) -> Dataset:
    """The CLI contract: TRAIN.csv with optional ITEMS.csv and USERS.csv."""
    events = _read_events_csv(Path(interactions))
    catalogue = _read_items_csv(Path(items)) if items else None
    profiles = _read_users_csv(Path(users)) if users else None
    return _assemble(events, catalogue, profiles, event_weights or EventWeights())


def read_user_ids(path: str | Path) -> list[str]:
    """IDS.txt: one user id per line; blank lines are skipped, repeats kept once, in order."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise DataError("the file is not UTF-8 text", path=path) from None
    ids = [line.strip() for line in lines if line.strip()]
    return list(dict.fromkeys(ids))


# ---- the CLI's CSV files --------------------------------------------------------------------


def _read_events_csv(path: Path) -> pd.DataFrame:
    frame = _read_csv(path)
    _require_columns(frame, path, ["user_id", "item_id"])
    if frame.empty:
        raise DataError("no interactions (only a header)", path=path, line=2)
    events = pd.DataFrame(
        {
            "user_id": _ids(frame, "user_id", path),
            "item_id": _ids(frame, "item_id", path),
        }
    )
    if "rating" in frame:
        events["rating"] = _numbers(frame, "rating", path, required=True)
    if "timestamp" in frame:
        events["timestamp"] = _timestamps(frame, "timestamp", path)
    return events


def _read_items_csv(path: Path) -> pd.DataFrame:
    frame = _read_csv(path)
    _require_columns(frame, path, ["item_id"])
    item_ids = _ids(frame, "item_id", path)
    _reject_repeats(item_ids, frame, path, "item_id")
    titles = frame["title"].str.strip() if "title" in frame else pd.Series("", index=frame.index)
    years = _numbers(frame, "year", path, required=False) if "year" in frame else pd.Series(np.nan, index=frame.index)
    parsed = [split_title(title) for title in titles]
    return pd.DataFrame(
        {
            "item_id": item_ids,
            "text": [text for text, _ in parsed],
            "year": years.fillna(pd.Series([year for _, year in parsed], index=frame.index, dtype=float)).to_numpy(),
            "tags": [_split_tags(text) for text in frame["tags"]] if "tags" in frame else [[]] * len(frame),
        }
    )


def _read_users_csv(path: Path) -> pd.DataFrame:
    frame = _read_csv(path)
    _require_columns(frame, path, ["user_id"])
    user_ids = _ids(frame, "user_id", path)
    _reject_repeats(user_ids, frame, path, "user_id")
    profiles = pd.DataFrame({"user_id": user_ids})
    for column in frame.columns:
        if column != "user_id":
            profiles[column] = _feature_column(frame[column].str.strip())
    return profiles


def _feature_column(values: pd.Series) -> pd.Series:
    """Numeric when every non-empty value is a number (empty → NaN); categorical strings otherwise."""
    numbers = pd.to_numeric(values.where(values != ""), errors="coerce")
    filled = values != ""
    if filled.any() and numbers[filled].notna().all():
        return numbers.astype(float)
    return values


def _read_csv(path: Path) -> pd.DataFrame:
    """Every field as stripped-header text; row i of the frame is line i + 2 of the file."""
    frame = _read_table(path, sep=",", header=0, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL)
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    return frame


def _require_columns(frame: pd.DataFrame, path: Path, required: Sequence[str]) -> None:
    missing = [column for column in required if column not in frame.columns]
    if missing:
        found = ",".join(frame.columns) or "nothing"
        raise DataError(f"missing column {', '.join(missing)} in the header (found {found})", path=path, line=1)


def _split_tags(text: str) -> list[str]:
    return list(dict.fromkeys(tag.strip() for tag in text.split("|") if tag.strip()))


def _reject_repeats(ids: pd.Series, frame: pd.DataFrame, path: Path, column: str, offset: int = 2) -> None:
    repeated = ids.duplicated().to_numpy()
    if repeated.any():
        row = int(np.argmax(repeated))
        first = int(np.argmax((ids == ids.iloc[row]).to_numpy()))
        value = _plain([ids.iloc[row]])[0]
        raise DataError(
            f"{column} {value!r} appears twice (first on line {frame.index[first] + offset})",
            path=path,
            line=int(frame.index[row]) + offset,
        )


# ---- MovieLens ------------------------------------------------------------------------------


def _read_100k(directory: Path, weights: EventWeights) -> Dataset:
    ratings = _movielens_ratings(directory / "u.data", "\t")
    genre_names = _read_100k_genres(directory / "u.genre")
    raw = _read_table(directory / "u.item", sep="|", header=None, encoding="latin-1")
    _expect_fields(raw, directory / "u.item", 5 + len(genre_names))
    flags = raw.iloc[:, 5 : 5 + len(genre_names)].to_numpy() == "1"
    genres = [[name for name, flag in zip(genre_names, row, strict=True) if flag] for row in flags]
    movies = _movies(raw, directory / "u.item", titles=raw[1], genres=genres, keywords=None)
    # A few titles lack "(year)"; their release date ("01-Jan-1995") still has it.
    release_years = pd.to_numeric(raw[2].str.strip().str[-4:], errors="coerce").to_numpy(float)
    movies["year"] = movies["year"].fillna(pd.Series(release_years, index=movies.index))
    profiles = None
    if (directory / "u.user").is_file():
        raw_users = _read_table(directory / "u.user", sep="|", header=None, encoding="latin-1")
        _expect_fields(raw_users, directory / "u.user", 5)
        profiles = _movielens_profiles(raw_users, directory / "u.user", age=1, gender=2, occupation=3)
    return _assemble(ratings, movies, profiles, weights)


def _read_1m(directory: Path, weights: EventWeights) -> Dataset:
    ratings = _movielens_ratings(directory / "ratings.dat", "::")
    raw = _read_table(directory / "movies.dat", sep="::", header=None, encoding="latin-1")
    _expect_fields(raw, directory / "movies.dat", 3)
    genres = [text.split("|") for text in raw[2]]
    movies = _movies(raw, directory / "movies.dat", titles=raw[1], genres=genres, keywords=None)
    profiles = None
    if (directory / "users.dat").is_file():
        raw_users = _read_table(directory / "users.dat", sep="::", header=None, encoding="latin-1")
        _expect_fields(raw_users, directory / "users.dat", 5)
        profiles = _movielens_profiles(raw_users, directory / "users.dat", age=2, gender=1, occupation=3)
        profiles["occupation"] = _occupation_names(profiles["occupation"])
    return _assemble(ratings, movies, profiles, weights)


def _read_latest(directory: Path, weights: EventWeights) -> Dataset:
    ratings = _movielens_ratings(directory / "ratings.csv", ",", header=["userId", "movieId", "rating", "timestamp"])
    raw = _read_table(directory / "movies.csv", sep=",", header=0, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL)
    _require_columns(raw, directory / "movies.csv", ["movieId", "title", "genres"])
    raw.columns = range(raw.shape[1])
    genres = [text.split("|") for text in raw[2]]
    keywords = _latest_keywords(directory / "tags.csv")
    movies = _movies(raw, directory / "movies.csv", titles=raw[1], genres=genres, keywords=keywords, header=True)
    return _assemble(ratings, movies, None, weights)


def _occupation_names(codes: pd.Series) -> list[str]:
    """1M occupation codes → names; anything that is not a known code is kept as written."""
    numbers = pd.to_numeric(codes, errors="coerce")
    known = numbers.between(0, len(OCCUPATIONS_1M) - 1) & (numbers == numbers.round())
    return [OCCUPATIONS_1M[int(n)] if ok else text for n, ok, text in zip(numbers, known, codes, strict=True)]


def _movielens_ratings(path: Path, sep: str, header: list[str] | None = None) -> pd.DataFrame:
    raw = _read_table(path, sep=sep, header=0 if header else None, encoding="latin-1")
    if header:
        _require_columns(raw, path, header)
        raw = raw[header]
    _expect_fields(raw, path, 4)
    raw.columns = ["user_id", "item_id", "rating", "timestamp"]
    offset = 2 if header else 1
    return pd.DataFrame(
        {
            "user_id": _int_ids(raw, "user_id", path, offset),
            "item_id": _int_ids(raw, "item_id", path, offset),
            "rating": _numbers(raw, "rating", path, required=True, offset=offset),
            "timestamp": _timestamps(raw, "timestamp", path, offset=offset),
        }
    )


def _movies(
    raw: pd.DataFrame,
    path: Path,
    *,
    titles: pd.Series,
    genres: list[list[str]],
    keywords: dict[int, list[str]] | None,
    header: bool = False,
) -> pd.DataFrame:
    offset = 2 if header else 1
    item_ids = _int_ids(raw.rename(columns={0: "movie id"}), "movie id", path, offset)
    _reject_repeats(item_ids, raw, path, "movie id", offset)
    parsed = [split_title(title) for title in titles]
    tags = [
        [f"genre:{g.strip()}" for g in names if g.strip() and g.strip().lower() not in SKIPPED_GENRES]
        + [f"keyword:{word}" for word in (keywords or {}).get(item, [])]
        for item, names in zip(item_ids, genres, strict=True)
    ]
    return pd.DataFrame(
        {
            "item_id": item_ids,
            "text": [text for text, _ in parsed],
            "year": [np.nan if year is None else float(year) for _, year in parsed],
            "tags": tags,
        }
    )


def _read_100k_genres(path: Path) -> list[str]:
    if not path.is_file():
        return GENRES_100K
    raw = _read_table(path, sep="|", header=None, encoding="latin-1")
    return list(raw[0].str.strip())


def _latest_keywords(path: Path) -> dict[int, list[str]]:
    """Users' free-text tags per movie, lower-cased, each once, in first-applied order."""
    if not path.is_file():
        return {}
    raw = _read_table(path, sep=",", header=0, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL)
    _require_columns(raw, path, ["movieId", "tag"])
    movies = _int_ids(raw.rename(columns={"movieId": "movie id"}), "movie id", path, 2)
    words = raw["tag"].str.strip().str.lower()
    pairs = pd.DataFrame({"movie": movies, "tag": words})
    pairs = pairs[pairs["tag"] != ""].drop_duplicates()
    return pairs.groupby("movie", sort=False)["tag"].agg(list).to_dict()


def _movielens_profiles(raw: pd.DataFrame, path: Path, *, age: int, gender: int, occupation: int) -> pd.DataFrame:
    user_ids = _int_ids(raw.rename(columns={0: "user id"}), "user id", path, 1)
    ages = _numbers(raw.rename(columns={age: "age"}), "age", path, required=True, offset=1)
    return pd.DataFrame(
        {
            "user_id": user_ids,
            "age": ages.astype(float),
            "gender": raw[gender].str.strip().str.upper(),
            "occupation": raw[occupation].str.strip(),
        }
    )


def split_title(raw: str) -> tuple[str, float]:
    """ "Toy Story (1995)" -> ("Toy Story", 1995.0); no year -> NaN."""
    match = YEAR_SUFFIX.search(raw)
    if not match:
        return raw.strip(), np.nan
    return raw[: match.start()].strip(), float(match[1])


# ---- reading and checking columns ----------------------------------------------------------


def _read_table(path: Path, *, sep: str, header: int | None, encoding: str, quoting: int = csv.QUOTE_NONE):
    """All fields as text; blank lines are dropped but the index still counts them, so that
    row i is line i + 1 (i + 2 below a header) of the file, for error messages."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror}") from None
    if len(sep) > 1:  # pandas' fast reader takes one-character separators only
        raw = raw.replace(sep.encode(), b"\x1f")
        sep = "\x1f"
    try:
        frame = pd.read_csv(
            io.BytesIO(raw),
            sep=sep,
            header=header,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding=encoding,
            quoting=quoting,
        )
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty", path=path, line=1) from None
    except pd.errors.ParserError as error:
        line = PANDAS_LINE.search(str(error))
        detail = str(error).split("C error: ")[-1].strip()
        raise DataError(detail, path=path, line=int(line[1]) if line else None) from None
    except UnicodeDecodeError:
        raise DataError(f"the file is not {encoding} text", path=path) from None
    blank = (frame == "").all(axis=1).to_numpy()
    return frame[~blank] if blank.any() else frame


def _expect_fields(raw: pd.DataFrame, path: Path, n_fields: int) -> None:
    if raw.shape[1] != n_fields:
        raise DataError(f"expected {n_fields} fields, found {raw.shape[1]}", path=path, line=1)


def _first_bad(frame: pd.DataFrame, bad: np.ndarray, column: str, path: Path, what: str, offset: int):
    row = int(np.argmax(bad))
    value = frame[column].iloc[row].strip()
    message = f"empty {column}" if value == "" else f"{column} {value!r} {what}"
    return DataError(message, path=path, line=int(frame.index[row]) + offset)


def _ids(frame: pd.DataFrame, column: str, path: Path, offset: int = 2) -> pd.Series:
    values = frame[column].str.strip()
    bad = (values == "").to_numpy()
    if bad.any():
        raise _first_bad(frame, bad, column, path, "is empty", offset)
    return values


def _int_ids(frame: pd.DataFrame, column: str, path: Path, offset: int) -> pd.Series:
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce")
    bad = (values.isna() | (values != values.round())).to_numpy()
    if bad.any():
        raise _first_bad(frame, bad, column, path, "is not a whole number", offset)
    return values.astype(np.int64)


def _numbers(frame: pd.DataFrame, column: str, path: Path, *, required: bool, offset: int = 2) -> pd.Series:
    text = frame[column].str.strip()
    values = pd.to_numeric(text, errors="coerce").astype(float)
    bad = (values.isna() & ((text != "") | required)).to_numpy() | ~np.isfinite(values.fillna(0).to_numpy())
    if bad.any():
        raise _first_bad(frame, bad, column, path, "is not a number", offset)
    return values


def _timestamps(frame: pd.DataFrame, column: str, path: Path, offset: int = 2) -> pd.Series:
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce")
    bad = (values.isna() | (values < 0)).to_numpy()
    if bad.any():
        raise _first_bad(frame, bad, column, path, "is not a time in Unix seconds", offset)
    return np.floor(values).astype(np.int64)


def _find(directory: Path, name: str) -> Path | None:
    """A file in `directory` whose name matches `name` in any letter case."""
    matches = sorted(child for child in directory.iterdir() if child.name.lower() == name)
    return matches[0] if matches else None


# ---- building the Dataset -------------------------------------------------------------------


def _assemble(
    events: pd.DataFrame, items: pd.DataFrame | None, users: pd.DataFrame | None, weights: EventWeights
) -> Dataset:
    """Vocabularies (catalogue first, then ids only seen in events), indices, weights, features."""
    item_vocabulary = _vocabulary(None if items is None else items["item_id"], events["item_id"])
    user_vocabulary = _vocabulary(events["user_id"], None if users is None else users["user_id"])
    rating = events["rating"].to_numpy(np.float32) if "rating" in events else None
    data = Dataset(
        users=user_vocabulary,
        items=item_vocabulary,
        user_idx=_indices(user_vocabulary, events["user_id"]),
        item_idx=_indices(item_vocabulary, events["item_id"]),
        weight=weights.for_ratings(rating) if rating is not None else np.full(len(events), weights.view, np.float32),
        timestamp=events["timestamp"].to_numpy(np.int64) if "timestamp" in events else np.zeros(len(events), np.int64),
        rating=rating,
    )
    data.item_features = _item_features(item_vocabulary, items)
    data.user_features = _user_features(user_vocabulary, users)
    return data


def _vocabulary(first: pd.Series | None, then: pd.Series | None) -> Vocabulary:
    vocabulary = Vocabulary()
    for ids in (first, then):
        if ids is not None:
            vocabulary.extend(_plain(pd.unique(ids)))  # unique first: the Python loop runs per id, not per event
    return vocabulary


def _plain(values: np.ndarray) -> list:
    """numpy scalars → Python ints/strs, so ids round-trip through JSON and compare as users expect."""
    return [value.item() if isinstance(value, np.generic) else value for value in values]


def _indices(vocabulary: Vocabulary, ids: pd.Series) -> np.ndarray:
    return pd.Index(vocabulary.to_list()).get_indexer(ids).astype(np.int32)


def _item_features(vocabulary: Vocabulary, items: pd.DataFrame | None) -> ItemFeatures:
    features = ItemFeatures.empty(len(vocabulary))
    if items is None:
        return features
    rows = _indices(vocabulary, items["item_id"])
    features.years[rows] = items["year"].to_numpy(float)
    for row, tags, text in zip(rows, items["tags"], items["text"], strict=True):
        features.tags[row] = list(tags)
        features.texts[row] = text
    return features


def _user_features(vocabulary: Vocabulary, users: pd.DataFrame | None) -> UserFeatures | None:
    if users is None:
        return None
    rows = _indices(vocabulary, users["user_id"])
    features = UserFeatures()
    for column in users.columns.drop("user_id"):
        values = users[column]
        if pd.api.types.is_numeric_dtype(values):
            numeric = np.full(len(vocabulary), np.nan)
            numeric[rows] = values.to_numpy(float)
            features.numeric[column] = numeric
        else:
            categorical = np.full(len(vocabulary), "", dtype=object)
            categorical[rows] = values.to_numpy(object)
            features.categorical[column] = categorical.tolist()
    return features
