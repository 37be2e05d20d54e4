"""Cost of fitting a recommender and recommending for every user on a MovieLens-1M-sized data set.

Usage: python scripts/bench_engine_cost.py DATA_DIR [ALGORITHM[:KEY=JSON,...] ...]
e.g. `hybrid implicit-als neural:epochs=2`. Prints, per algorithm: fit seconds, recommend-all
seconds (k=10), and this process's peak RSS (it only grows, so run one algorithm per process to
read each one's own peak). Generate the data with scripts/generate_ml1m.py when you have no 1M copy.
"""

import json
import resource
import sys
import time

from recommendations.engine.datasets import load
from recommendations.engine.registry import get_algorithm


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    directory, *names = sys.argv[1:]
    started = time.perf_counter()
    data = load(directory)
    elapsed = time.perf_counter() - started
    print(f"loaded {data.n_users} users, {data.n_items} items, {data.n_events} events in {elapsed:.1f} s")
    for spec in names or ["hybrid", "implicit-als"]:
        name, _, settings = spec.partition(":")
        params = {key: json.loads(value) for key, value in (pair.split("=", 1) for pair in settings.split(",") if pair)}
        started = time.perf_counter()
        model = get_algorithm(name)(**params).fit(data)
        fit = time.perf_counter() - started
        started = time.perf_counter()
        items, _ = model.recommend(data.users.to_list(), k=10)
        recommend = time.perf_counter() - started
        total = fit + recommend
        print(
            f"{spec}: fit {fit:.1f} s, recommend {len(items)} users {recommend:.1f} s, total {total:.1f} s, "
            f"peak RSS so far {peak_rss_mib():.0f} MiB",
            flush=True,
        )
        if hasattr(model, "fit_seconds_"):
            print("  " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in model.fit_seconds_.items()))


if __name__ == "__main__":
    main()
