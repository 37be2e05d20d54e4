"""The CLI contract, end to end: the files others benchmark us with, and clean failures."""

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from recommendations.engine.cli import main
from recommendations.engine.registry import algorithm_names

ROOT = Path(__file__).resolve().parents[2]
K = 5
N_ITEMS = 20


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "recommendations.engine", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """20 items in two taste groups; 24 users; "greedy" has rated all but 2 items, some badly."""
    folder = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    rows = []
    for user in range(24):
        liked = [i for i in range(N_ITEMS) if i % 2 == user % 2]
        for step, item in enumerate(rng.choice(liked, size=6, replace=False)):
            rows.append((f"u{user}", f"m{item}", int(rng.integers(3, 6)), 1_600_000_000 + 100 * user + step))
    rows += [("greedy", f"m{i}", 1 if i < 5 else 4, 1_600_100_000 + i) for i in range(N_ITEMS - 2)]
    train = folder / "TRAIN.csv"
    with train.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "item_id", "rating", "timestamp"])
        writer.writerows(rows)
    items = folder / "ITEMS.csv"
    lines = [f"m{i},Movie {i} ({1990 + i}),{'Drama' if i % 2 else 'Comedy'}|tag{i}," for i in range(N_ITEMS + 3)]
    items.write_text("item_id,title,tags,year\n" + "\n".join(lines) + "\n")  # m20..m22: nobody has seen them
    ids = folder / "IDS.txt"
    ids.write_text("u0\nu1\nbrand-new\ngreedy\nu0\n")
    seen = defaultdict(set)
    for user, item, *_ in rows:
        seen[user].add(item)
    return {"train": train, "items": items, "ids": ids, "folder": folder, "seen": seen}


def read_recs(path: Path) -> dict[str, list[dict]]:
    by_user = defaultdict(list)
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["user_id", "item_id", "rank", "score"]
        for row in reader:
            by_user[row["user_id"]].append(row)
    return by_user


def check_recommendations(recs: dict[str, list[dict]], seen: dict[str, set], catalogue: int) -> None:
    assert set(recs) == {"u0", "u1", "brand-new", "greedy"}  # u0 asked twice, answered once
    for user, rows in recs.items():
        expected = min(K, catalogue - len(seen[user]))
        assert len(rows) == expected, user
        assert [int(row["rank"]) for row in rows] == list(range(1, expected + 1))
        items = [row["item_id"] for row in rows]
        assert len(set(items)) == len(items)
        assert not set(items) & seen[user], f"{user} was recommended an item from TRAIN"
        scores = [float(row["score"]) for row in rows]
        assert scores == sorted(scores, reverse=True)


def test_recommend_end_to_end(files, tmp_path):
    out = tmp_path / "RECS.csv"
    result = run_cli(
        "recommend", "--interactions", files["train"], "--items", files["items"], "--algorithm", "popularity",
        "--for-users", files["ids"], "--k", K, "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    recs = read_recs(out)
    check_recommendations(recs, files["seen"], N_ITEMS + 3)
    # greedy has seen 18 of 23 (even the ones rated 1): the 5 left are m18, m19 and the unseen m20-m22.
    assert {row["item_id"] for row in recs["greedy"]} == {"m18", "m19", "m20", "m21", "m22"}


SLOW_ALGORITHMS = {"neural"}  # trains for tens of seconds even on this toy data


@pytest.mark.parametrize(
    "algorithm",
    [pytest.param(name, marks=pytest.mark.slow) if name in SLOW_ALGORITHMS else name for name in algorithm_names()],
)
def test_every_algorithm_honours_the_contract(files, tmp_path, algorithm):
    """In-process (a subprocess per algorithm would cost seconds each); the same code path."""
    out = tmp_path / "RECS.csv"
    code = main(
        ["recommend", "--interactions", str(files["train"]), "--items", str(files["items"]),
         "--algorithm", algorithm, "--for-users", str(files["ids"]), "--k", str(K), "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    check_recommendations(read_recs(out), files["seen"], N_ITEMS + 3)


@pytest.mark.parametrize(
    "algorithm",
    [pytest.param(name, marks=pytest.mark.slow) if name in SLOW_ALGORITHMS else name for name in algorithm_names()],
)
def test_every_algorithm_works_from_the_two_required_columns_alone(files, tmp_path, algorithm):
    """The least the contract allows: TRAIN.csv with user_id,item_id only, no items file, so no
    ratings, times, tags or years; every feature the models use may be missing."""
    train = tmp_path / "TRAIN.csv"
    lines = files["train"].read_text().splitlines()[1:]
    train.write_text("user_id,item_id\n" + "\n".join(",".join(line.split(",")[:2]) for line in lines) + "\n")
    out = tmp_path / "RECS.csv"
    code = main(
        ["recommend", "--interactions", str(train), "--algorithm", algorithm, "--for-users", str(files["ids"]),
         "--k", str(K), "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    check_recommendations(read_recs(out), files["seen"], N_ITEMS)


def test_catalogue_without_items_file_is_train_items(files, tmp_path):
    out = tmp_path / "RECS.csv"
    code = main(
        ["recommend", "--interactions", str(files["train"]), "--algorithm", "popularity",
         "--for-users", str(files["ids"]), "--k", str(K), "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    recs = read_recs(out)
    assert {row["item_id"] for row in recs["greedy"]} == {"m18", "m19"}  # the catalogue is smaller than K


def test_algorithm_list():
    result = run_cli("recommend", "--algorithm", "list")
    assert result.returncode == 0
    assert result.stdout.split() == algorithm_names()
    assert "popularity" in result.stdout.split()


def test_malformed_file_exits_2_with_the_line_and_no_traceback(files, tmp_path):
    bad = tmp_path / "TRAIN.csv"
    bad.write_text("user_id,item_id,rating\nu1,m1,4\nu1,m2,lots\n")
    result = run_cli(
        "recommend", "--interactions", bad, "--algorithm", "popularity", "--for-users", files["ids"],
        "--k", 3, "--out", tmp_path / "RECS.csv",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "error: TRAIN.csv line 3: rating 'lots' is not a number"
    assert not (tmp_path / "RECS.csv").exists()


def test_unknown_algorithm_exits_2(files, tmp_path, capsys):
    args = ["--interactions", str(files["train"]), "--for-users", str(files["ids"]), "--k", "3"]
    code = main(["recommend", *args, "--algorithm", "magic", "--out", str(tmp_path / "R.csv")])
    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith("error: unknown algorithm 'magic'; choose from") and error.count("\n") == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ('{"no_such": 1}', "popularity has no parameter no_such"),
        ("{not json", "--params is not valid JSON"),
        ("[1]", "--params must be a JSON object"),
    ],
)
def test_bad_params_exit_2(files, tmp_path, capsys, params, message):
    args = ["--interactions", str(files["train"]), "--for-users", str(files["ids"]), "--k", "3"]
    code = main(["recommend", *args, "--algorithm", "popularity", "--params", params, "--out", str(tmp_path / "R.csv")])
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_bad_value_is_named_before_any_fitting(files, tmp_path, capsys):
    args = ["--interactions", str(files["train"]), "--for-users", str(files["ids"]), "--k", "3"]
    params = '{"validation_protocol": "leave-one-out"}'
    code = main(["recommend", *args, "--algorithm", "hybrid", "--params", params, "--out", str(tmp_path / "R.csv")])
    assert code == 2
    error = capsys.readouterr().err
    assert error == "error: hybrid: validation_protocol must be one of auto, temporal, random, not 'leave-one-out'\n"
    assert not (tmp_path / "R.csv").exists()


def test_params_reach_the_model(files, tmp_path):
    out = tmp_path / "RECS.csv"
    args = ["--interactions", str(files["train"]), "--for-users", str(files["ids"]), "--k", "3", "--out", str(out)]
    assert main(["recommend", *args, "--algorithm", "popularity", "--params", '{"half_life_days": 1.5}']) == 0


def test_missing_arguments_exit_2(capsys):
    assert main(["recommend", "--algorithm", "popularity"]) == 2
    assert "recommend needs --interactions, --for-users, --k, --out" in capsys.readouterr().err


def test_evaluate_prints_the_table_and_writes_json(files, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text(files["train"].read_text())
    (data / "items.csv").write_text(files["items"].read_text())
    out = tmp_path / "results.json"
    code = main(
        ["evaluate", "--data", str(data), "--algorithms", "popularity,trending", "--no-peers", "--max-configs", "2",
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "nDCG@10" in printed and "Recall@20" in printed and "trending" in printed
    document = json.loads(out.read_text())
    assert [row["algorithm"] for row in document["rows"]] == ["popularity", "trending"]
    assert document["split"]["users"] == 25


def test_evaluate_refuses_unknown_algorithms_before_loading(tmp_path, capsys):
    assert main(["evaluate", "--data", str(tmp_path), "--algorithms", "popularity,nope"]) == 2
    assert "unknown algorithm 'nope'" in capsys.readouterr().err
