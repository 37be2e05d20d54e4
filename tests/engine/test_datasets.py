"""Loaders on tiny hand-made files: each MovieLens layout, the CLI's CSVs, and each error's line."""

import math

import numpy as np
import pytest

from recommendations.engine.data import EventWeights
from recommendations.engine.datasets import DataError, load, load_interactions, load_movielens, read_user_ids

FLAGS_DRAMA_COMEDY = "|".join("1" if i in (5, 8) else "0" for i in range(19))  # Comedy, Drama
FLAGS_UNKNOWN = "|".join("1" if i == 0 else "0" for i in range(19))


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def tags_of(data, item_id):
    return data.item_features.tags[data.items.index(item_id)]


def year_of(data, item_id):
    return data.item_features.years[data.items.index(item_id)]


# ---- MovieLens layouts ----------------------------------------------------------------------


@pytest.fixture
def ml100k(tmp_path):
    write(tmp_path / "u.data", "1\t10\t5\t881250949\n2\t10\t3\t881250950\n1\t20\t1\t881250951\n")
    write(
        tmp_path / "u.item",
        f"10|Shawshank Redemption, The (1994)|01-Jan-1994||http://x|{FLAGS_DRAMA_COMEDY}\n"
        f"20|Amélie|01-Jan-2001||http://y|{FLAGS_UNKNOWN}\n"
        f"30|Unrated (1999)|01-Jan-1999||http://z|{FLAGS_UNKNOWN}\n",
        encoding="latin-1",
    )
    write(tmp_path / "u.user", "1|24|M|technician|85711\n2|53|F|other|94043\n")
    return tmp_path


def test_100k_events_weights_and_catalogue(ml100k):
    data = load(ml100k)
    assert (data.n_users, data.n_items, data.n_events) == (2, 3, 3)
    assert data.items.to_list() == [10, 20, 30]  # the whole catalogue, rated or not
    np.testing.assert_array_equal(data.rating, [5, 3, 1])
    np.testing.assert_allclose(data.weight, EventWeights().for_ratings(np.array([5.0, 3.0, 1.0])))
    assert data.timestamp.tolist() == [881250949, 881250950, 881250951]


def test_100k_item_features(ml100k):
    data = load(ml100k)
    assert tags_of(data, 10) == ["genre:Comedy", "genre:Drama"]
    assert tags_of(data, 20) == []  # "unknown" is not a genre
    assert year_of(data, 10) == 1994 and year_of(data, 20) == 2001  # from the release date
    assert data.item_features.texts[data.items.index(20)] == "Amélie"  # latin-1 decoded


def test_100k_user_features(ml100k):
    data = load(ml100k)
    features = data.user_features
    assert features.numeric["age"][data.users.index(2)] == 53
    assert features.categorical["gender"][data.users.index(1)] == "M"
    assert features.categorical["occupation"][data.users.index(2)] == "other"


def test_1m_layout(tmp_path):
    write(tmp_path / "ratings.dat", "1::10::5::978300760\n1::20::2::978300761\n2::10::4::978300762\n")
    write(tmp_path / "movies.dat", "10::Toy Story (1995)::Animation|Children's\n20::Heat (1995)::Action\n")
    write(tmp_path / "users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n")
    data = load_movielens(tmp_path)
    assert (data.n_users, data.n_items, data.n_events) == (2, 2, 3)
    assert tags_of(data, 10) == ["genre:Animation", "genre:Children's"]
    assert year_of(data, 20) == 1995
    assert data.user_features.categorical["occupation"] == ["K-12 student", "self-employed"]
    assert data.user_features.numeric["age"].tolist() == [1.0, 56.0]


def test_latest_layout_with_crlf_quoted_titles_and_user_tags(tmp_path):
    write(
        tmp_path / "ratings.csv",
        "userId,movieId,rating,timestamp\r\n1,1,4.5,964982703\r\n2,3,2.0,964981247\r\n",
    )
    write(
        tmp_path / "movies.csv",
        'movieId,title,genres\r\n1,"American President, The (1995)",Comedy|Drama\r\n'
        "3,Nothing,(no genres listed)\r\n4,Unrated (2003),Horror\r\n",
    )
    write(tmp_path / "tags.csv", "userId,movieId,tag,timestamp\r\n2,1,Funny,1\r\n3,1,funny ,2\r\n2,1,politics,3\r\n")
    data = load(tmp_path)
    assert data.items.to_list() == [1, 3, 4]
    assert tags_of(data, 1) == ["genre:Comedy", "genre:Drama", "keyword:funny", "keyword:politics"]
    assert tags_of(data, 3) == []
    assert data.item_features.texts[0] == "American President, The"
    assert year_of(data, 1) == 1995 and math.isnan(year_of(data, 3))
    np.testing.assert_array_equal(data.rating, [4.5, 2.0])
    assert data.user_features is None


def test_movielens_errors_name_the_file_and_line(tmp_path):
    write(tmp_path / "u.data", "1\t10\t5\t881250949\n1\t10\tfive\t881250949\n")
    write(tmp_path / "u.item", f"10|A (1990)|||x|{FLAGS_UNKNOWN}\n", encoding="latin-1")
    with pytest.raises(DataError, match=r"^u\.data line 2: rating 'five' is not a number$"):
        load(tmp_path)


def test_movielens_repeated_movie_id(tmp_path):
    write(tmp_path / "ratings.dat", "1::10::5::978300760\n")
    write(tmp_path / "movies.dat", "10::A (1990)::Drama\n11::B (1991)::Drama\n10::C (1992)::Drama\n")
    with pytest.raises(DataError, match=r"^movies\.dat line 3: movie id 10 appears twice \(first on line 1\)"):
        load(tmp_path)


# ---- the CLI's CSV files --------------------------------------------------------------------


def test_contract_csvs(tmp_path):
    train = write(
        tmp_path / "TRAIN.csv",
        "user_id,item_id,rating,timestamp\n007,a,5,1600000000\n007,b,1,1600000100\nx,a,4,1600000200\n",
    )
    items = write(
        tmp_path / "ITEMS.csv",
        "item_id,title,tags,year\n"
        'a,"Heat, Again (1995)",Drama| crime |Drama,\n'
        "b,Plain,,2001\n"
        "c,Only In The Catalogue,,\n",
    )
    users = write(tmp_path / "USERS.csv", "user_id,age,plan\n007,31,gold\nnew-user,,free\n")
    data = load_interactions(train, items=items, users=users)
    assert data.users.to_list() == ["007", "x", "new-user"]  # ids stay text: "007" is not 7
    assert data.items.to_list() == ["a", "b", "c"]  # the catalogue is TRAIN ∪ ITEMS
    assert tags_of(data, "a") == ["Drama", "crime"]
    assert data.item_features.texts[0] == "Heat, Again"
    assert year_of(data, "a") == 1995 and year_of(data, "b") == 2001 and math.isnan(year_of(data, "c"))
    age = data.user_features.numeric["age"]
    assert age[0] == 31 and math.isnan(age[1]) and math.isnan(age[2])
    assert data.user_features.categorical["plan"] == ["gold", "", "free"]
    assert data.timestamp.tolist() == [1600000000, 1600000100, 1600000200]


def test_contract_csv_without_rating_or_time_counts_each_event_once(tmp_path):
    train = write(tmp_path / "train.csv", "item_id,user_id\nx,u1\ny,u1\n\n")  # any column order; blank end
    data = load(train)
    assert data.rating is None
    assert data.weight.tolist() == [1.0, 1.0] and data.timestamp.tolist() == [0, 0]
    assert data.users.to_list() == ["u1"]


def test_directory_with_train_items_users(tmp_path):
    write(tmp_path / "train.csv", "user_id,item_id\nu,a\n")
    write(tmp_path / "items.csv", "item_id,title\nb,Bee\n")
    write(tmp_path / "users.csv", "user_id,city\nu,Oslo\n")
    data = load(tmp_path)
    assert data.items.to_list() == ["b", "a"]
    assert data.user_features.categorical["city"] == ["Oslo"]


def test_a_directory_without_data(tmp_path):
    with pytest.raises(DataError, match="no MovieLens ratings file"):
        load(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user,item_id\nu,a\n", r"TRAIN\.csv line 1: missing column user_id"),
        ("user_id,item_id,rating\nu,a,4\nu,b,great\n", r"TRAIN\.csv line 3: rating 'great' is not a number"),
        ("user_id,item_id,rating\nu,a,4\nu,b,\n", r"TRAIN\.csv line 3: empty rating"),
        ("user_id,item_id,timestamp\nu,a,2020-01-01\n", r"TRAIN\.csv line 2: timestamp '2020-01-01' is not a time"),
        ("user_id,item_id,timestamp\nu,a,-5\n", r"TRAIN\.csv line 2: timestamp '-5' is not a time"),
        ("user_id,item_id\nu,a\n\n ,b\n", r"TRAIN\.csv line 4: empty user_id"),  # the blank line still counts
        ("user_id,item_id\nu,a\nv,\n", r"TRAIN\.csv line 3: empty item_id"),
        ("user_id,item_id\nu,a\nv,b,c\n", r"TRAIN\.csv line 3: Expected 2 fields in line 3, saw 3"),
        ("user_id,item_id\n", r"TRAIN\.csv line 2: no interactions"),
        ("", r"TRAIN\.csv line 1: the file is empty"),
    ],
)
def test_malformed_train_csv(tmp_path, text, message):
    train = write(tmp_path / "TRAIN.csv", text)
    with pytest.raises(DataError, match=f"^{message}"):
        load_interactions(train)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("ITEMS.csv", "title\nHeat\n", r"ITEMS\.csv line 1: missing column item_id"),
        ("ITEMS.csv", "item_id,year\na,1999\nb,soon\n", r"ITEMS\.csv line 3: year 'soon' is not a number"),
        ("ITEMS.csv", "item_id\na\nb\na\n", r"ITEMS\.csv line 4: item_id 'a' appears twice \(first on line 2\)"),
        ("USERS.csv", "age\n3\n", r"USERS\.csv line 1: missing column user_id"),
        ("USERS.csv", "user_id,age\nu,3\n,4\n", r"USERS\.csv line 3: empty user_id"),
    ],
)
def test_malformed_items_and_users_csv(tmp_path, name, text, message):
    train = write(tmp_path / "TRAIN.csv", "user_id,item_id\nu,a\n")
    side = write(tmp_path / name, text)
    kwargs = {"items": side} if name == "ITEMS.csv" else {"users": side}
    with pytest.raises(DataError, match=f"^{message}"):
        load_interactions(train, **kwargs)


def test_a_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        load_interactions(tmp_path / "nope.csv")


def test_read_user_ids_skips_blanks_and_repeats(tmp_path):
    ids = write(tmp_path / "IDS.txt", "\ufeffu1\r\n\r\n u2 \nu1\n")
    assert read_user_ids(ids) == ["u1", "u2"]
