"""Write a synthetic MovieLens-1M-shaped data set (for the import benchmark).

    python scripts/generate_ml1m.py OUT_DIR [--ratings 1000000] [--seed 7]

Layout and encoding match the real 1M release: ratings.dat, movies.dat and users.dat with "::"
separators, latin-1, one line per row. Shape follows the real data: 6,040 users with at least
20 ratings each and a long-tailed activity, ~3,700 movies (ids 1..3952 with gaps) whose
popularity follows a Zipf-like curve, ratings 1-5 skewed towards 3-4, timestamps 2000-2003,
and each user's ratings in time order. The same seed always gives byte-identical files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

GENRES = [
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip
GENRE_WEIGHTS = np.array([9, 5, 2, 4, 19, 4, 2, 25, 1, 1, 5, 2, 2, 7, 4, 8, 2, 1], dtype=float)
AGE_CODES = [1, 18, 25, 35, 45, 50, 56]
AGE_WEIGHTS = [0.04, 0.18, 0.35, 0.20, 0.09, 0.08, 0.06]
RATING_WEIGHTS = [0.056, 0.108, 0.261, 0.349, 0.226]  # shares of 1..5 stars in the real 1M
ARTICLES = ["The", "A", "An", "Les", "La"]
FIRST_TIME, LAST_TIME = 956_703_932, 1_046_454_590  # the real 1M's first and last timestamps


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="latin-1", newline="\n")


def movie_lines(rng: np.random.Generator, movie_ids: np.ndarray) -> list[str]:
    lines = []
    for movie_id in movie_ids:
        year = int(rng.integers(1919, 2001))
        name = f"Synthetic Movie {movie_id}"
        if rng.random() < 0.1:  # MovieLens puts leading articles at the end
            name = f"{name}, {ARTICLES[int(rng.integers(len(ARTICLES)))]}"
        count = int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15]))
        picks = rng.choice(len(GENRES), size=count, replace=False, p=GENRE_WEIGHTS / GENRE_WEIGHTS.sum())
        lines.append(f"{movie_id}::{name} ({year})::{'|'.join(GENRES[i] for i in sorted(picks))}")
    return lines


def user_lines(rng: np.random.Generator, users: int) -> list[str]:
    genders = rng.choice(["M", "F"], size=users, p=[0.72, 0.28])
    ages = rng.choice(AGE_CODES, size=users, p=AGE_WEIGHTS)
    occupations = rng.integers(0, 21, size=users)
    postcodes = rng.integers(1000, 99999, size=users)
    return [
        f"{user}::{genders[user - 1]}::{ages[user - 1]}::{occupations[user - 1]}::{postcodes[user - 1]:05d}"
        for user in range(1, users + 1)
    ]


def activity(rng: np.random.Generator, users: int, ratings: int, movies: int) -> np.ndarray:
    """Ratings per user: at least 20, long-tailed (lognormal), summing exactly to `ratings`."""
    raw = rng.lognormal(mean=0.0, sigma=1.1, size=users)
    counts = 20 + np.floor(raw / raw.sum() * (ratings - 20 * users)).astype(int)
    counts = np.minimum(counts, int(movies * 0.6))
    while (short := ratings - counts.sum()) > 0:  # hand out the rounding remainder to random users
        lucky = rng.choice(users, size=min(short, users), replace=False)
        counts[lucky[counts[lucky] < int(movies * 0.6)]] += 1
    return counts


def rating_lines(rng: np.random.Generator, counts: np.ndarray, movie_ids: np.ndarray) -> list[str]:
    popularity = 1.0 / (np.arange(len(movie_ids)) + 10.0) ** 1.1  # Zipf-like head and long tail
    popularity = rng.permutation(popularity)  # popular movies spread over the id range
    popularity /= popularity.sum()
    lines: list[str] = []
    for user, count in enumerate(counts, start=1):
        movies = movie_ids[rng.choice(len(movie_ids), size=count, replace=False, p=popularity)]
        stars = rng.choice(5, size=count, p=RATING_WEIGHTS) + 1
        start = int(rng.integers(FIRST_TIME, LAST_TIME - 86_400 * 30))
        times = np.sort(start + rng.integers(0, 86_400 * 30, size=count))
        lines.extend(f"{user}::{m}::{s}::{t}" for m, s, t in zip(movies, stars, times, strict=True))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=6040)
    parser.add_argument("--movies", type=int, default=3706)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    # The real ids run to 3,952 with gaps; a larger catalogue keeps the same share of gaps.
    top_id = 3952 if args.movies <= 3706 else round(args.movies * 3952 / 3706)
    movie_ids = np.sort(rng.choice(np.arange(1, top_id + 1), size=args.movies, replace=False))
    write_lines(args.out_dir / "movies.dat", movie_lines(rng, movie_ids))
    write_lines(args.out_dir / "users.dat", user_lines(rng, args.users))
    counts = activity(rng, args.users, args.ratings, args.movies)
    write_lines(args.out_dir / "ratings.dat", rating_lines(rng, counts, movie_ids))
    print(f"wrote {counts.sum():,} ratings by {args.users:,} users of {args.movies:,} movies to {args.out_dir}")


if __name__ == "__main__":
    main()
