"""Write a sparser copy of a data set in the CLI's contract layout, to see how models fare on sparse data.

    python scripts/thin_dataset.py ../shared/data/ml-100k /tmp/ml-100k-sparse25 --share 0.25 [--min-events 5] [--seed 0]

Each event is kept with probability `share` (seeded), so every user keeps about that share of
their history, in its original time order; users left with fewer than `min-events` events are
dropped, as sparse public sets (5-core Amazon reviews and the like) drop them. OUT gets
train.csv (`user_id,item_id[,rating],timestamp`), items.csv (every item of the source, with its
tags, title and year, so content features stay) and users.csv when the source has user features.
`python -m recommendations.engine evaluate --data OUT` then runs the protocol on it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommendations.engine import datasets  # noqa: E402
from recommendations.engine.data import Dataset  # noqa: E402


def kept_events(data: Dataset, share: float, min_events: int, seed: int) -> np.ndarray:
    """Boolean mask over events: a seeded `share` of them, from users left with `min_events` or more."""
    keep = np.random.default_rng(seed).random(data.n_events) < share
    counts = np.bincount(data.user_idx[keep], minlength=data.n_users)
    return keep & (counts[data.user_idx] >= min_events)


def events_frame(data: Dataset, keep: np.ndarray) -> pd.DataFrame:
    columns = {"user_id": data.users.ids(data.user_idx[keep]), "item_id": data.items.ids(data.item_idx[keep])}
    if data.rating is not None:
        columns["rating"] = data.rating[keep]
    columns["timestamp"] = data.timestamp[keep].astype(np.int64)
    return pd.DataFrame(columns)


def items_frame(data: Dataset) -> pd.DataFrame:
    features = data.item_features
    years = [None if np.isnan(year) else int(year) for year in features.years]
    return pd.DataFrame(
        {
            "item_id": data.items.ids(np.arange(data.n_items)),
            "title": features.texts,
            "tags": ["|".join(tags) for tags in features.tags],
            "year": pd.array(years, dtype="Int64"),
        }
    )


def users_frame(data: Dataset) -> pd.DataFrame | None:
    features = data.user_features
    if features is None or not (features.numeric or features.categorical):
        return None
    return pd.DataFrame(
        {"user_id": data.users.ids(np.arange(data.n_users)), **features.numeric, **features.categorical}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a MovieLens directory or one with train.csv")
    parser.add_argument("out", type=Path)
    parser.add_argument("--share", type=float, required=True, help="probability of keeping each event (0-1]")
    parser.add_argument("--min-events", type=int, default=5, help="drop users left with fewer events")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not 0 < args.share <= 1:
        parser.error("--share must be in (0, 1]")
    data = datasets.load(args.source)
    keep = kept_events(data, args.share, args.min_events, args.seed)
    events = events_frame(data, keep)
    args.out.mkdir(parents=True, exist_ok=True)
    events.to_csv(args.out / "train.csv", index=False)
    items_frame(data).to_csv(args.out / "items.csv", index=False)
    users = users_frame(data)
    if users is not None:
        users.to_csv(args.out / "users.csv", index=False)
    per_user = events.groupby("user_id").size()
    print(
        f"{args.out}: {len(events):,} events, {len(per_user):,} users, {events.item_id.nunique():,} items with "
        f"events; events per user: median {per_user.median():.0f}, min {per_user.min()}, max {per_user.max()}"
    )


if __name__ == "__main__":
    main()
