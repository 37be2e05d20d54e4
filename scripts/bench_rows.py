"""Benchmark precomputing the home rows: users per second for every personalised user of a data set.

    python scripts/bench_rows.py [--datasets ml-100k synthetic-100k] [--movielens PATH]
        [--database marquee_rows_bench] [--server postgres://postgres@127.0.0.1:5432]
        [--redis-url redis://127.0.0.1:6379/13] [--var-dir /tmp/marquee-bench-rows]
        [--chunk 500] [--max-users N] [--single 20] [--skip-training] [--recreate] [--profile]
        [--algorithm ease] [--max-configs 1]
        [--synthetic-users 100000] [--synthetic-titles 3000] [--seed 7]

For each data set, in its own PostgreSQL database (created when missing, dropped first with
--recreate, migrated), with its own scratch MARQUEE_VAR_DIR (artifacts, model cache) and the
Redis cache on a dedicated database number (flushed before each pass: use one nobody else uses):

  ml-100k         `manage.py import_movielens PATH --no-progress` unless its titles are there.
                  Database `<database>`.
  synthetic-100k  Generated unless already there (database `<database>_synth`): --synthetic-titles
                  titles in 18 genres with Zipf-like popularity, and --synthetic-users users (unusable
                  password, no hashing), each with 10-40 events (60 % ratings, 30 % progress, 10 %
                  completions) over the last 90 days, drawn without replacement from one of 8 hidden
                  taste clusters (favourite genres and a per-cluster taste per title), seeded numpy RNG.
                  Users by bulk_create, events by COPY.

Then ANALYZE, and in child processes with the data set's environment (plain settings, no Celery
broker: tasks would run eagerly, none is sent here):

  1. train: `training.start_run(--algorithm, options={"max_configs": --max-configs})` +
     `training.run_training`, the work of `manage.py train --algorithm ease --max-configs 1` without
     its eager precompute at the end; wall time of the run with its stages. --skip-training serves
     the active model instead.
  2. precompute: the user rows table is emptied and the cache flushed, the active model loaded (timed
     apart), then `rows.refresh_chunk(chunk)` for every chunk of `rows.personal_user_chunks(--chunk)`
     in this one process: what the Celery fan-out (`precompute_rows`) runs, without the broker. Wall
     time, users/s, the process's CPU, its PostgreSQL backend's CPU and the other processes' CPU
     (machine busy time from /proc/stat minus those two). --max-users stops after that many users
     (a sample: the output says so). Then `rows.refresh_by_id` (the task that runs after an event)
     for --single users drawn from those just computed (seeded), one at a time: p50 / p95 ms.
     --profile: cProfile of one more refresh_chunk of the first chunk, top functions to stdout.

A markdown table goes to stdout at the end. The load average and the busiest other processes are
printed at the start and the end: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import redis
from benchkit import ROOT, analyze, commit, machine, machine_busy, manage, prepare_database, process_cpu, with_database

SYNTH_SOURCE = "synth-100k"
DATASETS = ("ml-100k", "synthetic-100k")
GENRES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip


# --- Machine ---------------------------------------------------------------------------------


def busiest_processes(seconds: float = 2.0, floor: float = 0.1) -> list[str]:
    """Processes that used more than `floor` of a core over the next `seconds` (this one excluded)."""

    def snapshot() -> dict[int, float]:
        cpu = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                cpu[int(entry.name)] = process_cpu(int(entry.name))
        return cpu

    before = snapshot()
    time.sleep(seconds)
    after = snapshot()
    busy = []
    for pid, cpu in after.items():
        share = (cpu - before.get(pid, cpu)) / seconds
        if share > floor:
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            busy.append((share, f"{share:.2f} cores: {command.strip()[:110]}"))
    return [line for _, line in sorted(busy, reverse=True)]


def describe_load(moment: str) -> None:
    print(f"load average {moment}: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for line in busiest_processes() or ["(no other process above 0.1 cores)"]:
        print(f"  {line}")


# --- Database ---------------------------------------------------------------------------------


def scalar(url: str, sql: str, params: list | None = None):
    with psycopg.connect(url) as connection:
        return connection.execute(sql, params or []).fetchone()[0]


def sizes(url: str) -> dict[str, int]:
    return {
        "titles": scalar(url, "SELECT count(*) FROM catalog_title WHERE is_published"),
        "users with events": scalar(url, "SELECT count(DISTINCT user_id) FROM recommendations_event"),
        "events": scalar(url, "SELECT count(*) FROM recommendations_event"),
    }


# --- Children ---------------------------------------------------------------------------------


def run_child(stage: str, env: dict[str, str], options: dict, scratch: Path) -> dict:
    """Run one stage of this script in a child with the data set's environment; its JSON result,
    with the child's wall time and peak RSS (from wait4) added."""
    result = scratch / f"result-{stage}.json"
    result.unlink(missing_ok=True)
    command = [sys.executable, __file__, "--child", stage, "--child-options", json.dumps(options)]
    command += ["--result", str(result)]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"stage {stage} exited with {os.waitstatus_to_exitcode(status)}")
    return {**json.loads(result.read_text()), "child_wall_s": wall, "child_peak_rss_mib": usage.ru_maxrss / 1024}


# --- Stages (run in the child, Django set up) ---------------------------------------------------


def stage_generate(options: dict) -> dict:
    """The synthetic data set: titles with genres, users, events (COPY). Skipped when present."""
    from datetime import timedelta

    import numpy as np
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from accounts.models import User
    from catalog.models import Facet, Tag, Title

    n_users, n_titles, seed = options["users"], options["titles"], options["seed"]
    present = User.objects.filter(source=SYNTH_SOURCE).count()
    if present:
        if present != n_users:
            sys.exit(f"the database holds {present:,} synthetic users, not {n_users:,}: run with --recreate")
        print(f"synthetic data: {present:,} users already there, not generating again")
        return {"generated": False}
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    now = timezone.now().replace(microsecond=0)
    n_genres, n_clusters = len(GENRES), 8

    # Titles: 1-3 genres each, Zipf-like popularity in a random order.
    title_genres = [list(rng.choice(n_genres, size=rng.integers(1, 4), replace=False)) for _ in range(n_titles)]
    popularity = 1.0 / (rng.permutation(n_titles) + 10.0) ** 0.9
    # Clusters: three favourite genres each, and a taste of their own for every title.
    favourites = [set(rng.choice(n_genres, size=3, replace=False).tolist()) for _ in range(n_clusters)]
    match = np.array([[any(g in favourites[c] for g in genres) for genres in title_genres] for c in range(n_clusters)])
    taste = rng.normal(0.0, 0.7, size=(n_clusters, n_titles))
    log_weight = np.log(popularity)[None, :] + 2.0 * match + taste

    with transaction.atomic():
        genre_facet = Facet.objects.get(slug="genre")
        tags = Tag.objects.bulk_create(
            [Tag(facet=genre_facet, name=f"Synth {name}", slug=slugify(f"synth {name}")) for name in GENRES]
        )
        days = rng.integers(0, 40 * 365, size=n_titles)
        staff = set(rng.choice(n_titles, size=30, replace=False).tolist())
        titles = Title.objects.bulk_create(
            [
                Title(
                    kind=Title.Kind.MOVIE,
                    title=f"Synthetic title {i}",
                    slug=f"synthetic-title-{i}",
                    year=(now - timedelta(days=int(days[i]))).year,
                    release_date=(now - timedelta(days=int(days[i]))).date(),
                    is_published=True,
                    published_at=now - timedelta(days=int(days[i])),
                    is_staff_pick=i in staff,
                    source=SYNTH_SOURCE,
                    external_id=str(i),
                )
                for i in range(n_titles)
            ],
            batch_size=2000,
        )
        title_pk = np.array([t.pk for t in titles])
        through = Title.tags.through
        through.objects.bulk_create(
            [
                through(title_id=titles[i].pk, tag_id=tags[g].pk)
                for i, genres in enumerate(title_genres)
                for g in genres
            ],
            batch_size=5000,
        )
        password = make_password(None)  # unusable ("!" + random); hashed once, not 100,000 times
        users = User.objects.bulk_create(
            [User(username=f"synth{i}", password=password, source=SYNTH_SOURCE) for i in range(n_users)],
            batch_size=5000,
        )
        user_pk = np.array([u.pk for u in users])
        print(f"  titles, tags and {n_users:,} users in {time.perf_counter() - started:.1f} s", flush=True)

        # Events: each user's titles drawn without replacement in proportion to the cluster's
        # weights (Gumbel top-k), 10-40 per user.
        cluster_of = rng.integers(0, n_clusters, size=n_users)
        counts = rng.integers(10, 41, size=n_users)
        events = 0
        copy_sql = 'COPY recommendations_event (user_id, title_id, type, value, "timestamp", source) FROM STDIN'
        with connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for start in range(0, n_users, 5000):
                stop = min(start + 5000, n_users)
                keys = log_weight[cluster_of[start:stop]] + rng.gumbel(size=(stop - start, n_titles))
                top = np.argpartition(-keys, 40, axis=1)[:, :40]
                order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1)
                top = np.take_along_axis(top, order, axis=1)
                lines = []
                for row, user in enumerate(range(start, stop)):
                    picked = top[row, : counts[user]]
                    kind = rng.random(len(picked))
                    liked = match[cluster_of[user], picked]
                    ratings = np.clip(np.rint(3.0 + 1.2 * liked + rng.normal(0, 0.9, len(picked))), 1, 5)
                    progress = np.round(rng.uniform(0.05, 1.0, len(picked)), 3)
                    stamps = now.timestamp() - rng.uniform(0, 90 * 86400, len(picked))
                    stamp_text = np.datetime_as_string(stamps.astype("datetime64[s]"), unit="s")
                    for j, title in enumerate(picked):
                        if kind[j] < 0.6:
                            event_type, value = "rate", f"{ratings[j]:.0f}"
                        elif kind[j] < 0.9:
                            event_type, value = "progress", f"{progress[j]:.3f}"
                        else:
                            event_type, value = "complete", "\\N"
                        lines.append(
                            f"{user_pk[user]}\t{title_pk[title]}\t{event_type}\t{value}\t{stamp_text[j]}+00\t"
                            f"{SYNTH_SOURCE}\n"
                        )
                copy.write("".join(lines))
                events += len(lines)
        print(f"  {events:,} events copied in {time.perf_counter() - started:.1f} s; committing", flush=True)
    seconds = time.perf_counter() - started
    print(f"synthetic data: {n_titles:,} titles, {n_users:,} users, {events:,} events in {seconds:.1f} s")
    return {"generated": True, "seconds": seconds}


def stage_train(options: dict) -> dict:
    from recommendations import training

    stages: list[tuple[float, str]] = []
    started = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        stages.append((time.perf_counter() - started, stage))
        print(f"  [{fraction:4.0%}] {time.perf_counter() - started:7.1f} s  {stage}", flush=True)

    run = training.start_run(options["algorithm"], trigger="command", options={"max_configs": options["max_configs"]})
    run = training.run_training(run.pk, on_progress=progress)
    seconds = time.perf_counter() - started
    if run.status != run.Status.SUCCEEDED:
        sys.exit(f"training run #{run.pk} failed: {run.error}")
    version = run.version
    breakdown = [
        f"{stages[i + 1][0] - at:.1f} s {label.split(' (')[0]}" for i, (at, label) in enumerate(stages[:-1])
    ]  # each stage lasts until the next one starts
    return {
        "seconds": seconds,
        "version": f"{version.algorithm}-v{version.pk}",
        "params": version.params,
        "decision": version.decision,
        "ndcg10": (version.metrics.get("all") or {}).get("ndcg@10"),
        "stages": breakdown,
    }


def stage_precompute(options: dict) -> dict:
    import random
    import resource

    from django.core.cache import cache
    from django.db import connection

    from accounts.models import User
    from recommendations import rows, serving
    from recommendations.models import ModelVersion, UserRows

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE recommendations_userrows")
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cache.clear()  # the benchmark's own Redis database
    version = ModelVersion.objects.filter(is_active=True).first()
    if version is None:
        sys.exit("no active model version: train one first (run without --skip-training)")
    started = time.perf_counter()
    serving.active(), serving.item_to_item()
    load_seconds = time.perf_counter() - started
    candidates = User.objects.filter(is_active=True, personalization=True, events__isnull=False).distinct().count()
    limit = options["max_users"] or candidates
    print(
        f"precompute: {candidates:,} personalised users with events; computing {min(limit, candidates):,} "
        f"in chunks of {options['chunk']} with {version.algorithm}-v{version.pk} (loaded in {load_seconds:.1f} s)",
        flush=True,
    )

    def cpu_self() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    done, chunk_seconds, computed = 0, [], []
    busy0, self0, backend0 = machine_busy(), cpu_self(), process_cpu(backend)
    started = time.perf_counter()
    last_report = started
    for chunk in rows.personal_user_chunks(options["chunk"]):
        if done >= limit:
            break
        chunk = chunk[: limit - done]
        began = time.perf_counter()
        done += rows.refresh_chunk(chunk)
        chunk_seconds.append(time.perf_counter() - began)
        computed.extend(chunk)
        if time.perf_counter() - last_report > 30:
            elapsed = time.perf_counter() - started
            print(f"  {done:,} users in {elapsed:.0f} s ({done / elapsed:.1f} users/s)", flush=True)
            last_report = time.perf_counter()
    seconds = time.perf_counter() - started
    own, database = cpu_self() - self0, process_cpu(backend) - backend0
    other = max(0.0, machine_busy() - busy0 - own - database)
    stored = UserRows.objects.count()
    print(f"  {done:,} users in {seconds:.1f} s ({done / seconds:.1f} users/s); {stored:,} rows stored", flush=True)

    # What the pages got: the rows of the first 2,000 users computed.
    kinds: dict[str, int] = {}
    sample = list(UserRows.objects.order_by("user_id").values_list("rows", flat=True)[:2000])
    for page in sample:
        for key in {row["key"].split("-")[0] if row["key"].startswith(("because", "popular")) else row["key"]
                    for row in page}:  # fmt: skip
            kinds[key] = kinds.get(key, 0) + 1
    rows_per_user = statistics.mean(len(page) for page in sample) if sample else 0.0

    # The refresh after an event: one user at a time through the task body.
    single = []
    for user_id in random.Random(options["seed"]).sample(computed, min(options["single"], len(computed))):
        began = time.perf_counter()
        rows.refresh_by_id(user_id)
        single.append((time.perf_counter() - began) * 1000)

    profile = ""
    if options["profile"] and computed:
        import cProfile
        import io
        import pstats

        first = computed[: options["chunk"]]
        profiler = cProfile.Profile()
        began = time.perf_counter()
        profiler.runcall(rows.refresh_chunk, first)
        profiled = time.perf_counter() - began
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(20)
        profile = f"cProfile of refresh_chunk over {len(first)} users ({profiled:.1f} s under the profiler):\n"
        profile += text.getvalue()

    return {
        "candidates": candidates,
        "users": done,
        "sample": done < candidates,
        "seconds": seconds,
        "chunks": len(chunk_seconds),
        "chunk_p50_s": statistics.median(chunk_seconds) if chunk_seconds else 0.0,
        "chunk_max_s": max(chunk_seconds, default=0.0),
        "cpu_self_s": own,
        "cpu_postgres_s": database,
        "other_cores": other / seconds if seconds else 0.0,
        "model": f"{version.algorithm}-v{version.pk}",
        "load_model_s": load_seconds,
        "rows_per_user": rows_per_user,
        "row_kinds": {k: v / len(sample) for k, v in sorted(kinds.items())} if sample else {},
        "single_ms": single,
        "profile": profile,
    }


def child_main(stage: str, options: dict, result: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    output = {"generate": stage_generate, "train": stage_train, "precompute": stage_precompute}[stage](options)
    result.write_text(json.dumps(output))


# --- Report -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def report(results: list[dict], chunk: int) -> None:
    print(
        f"\n| data set | users (rows computed / with events) | titles | events | model, training run | "
        f"precompute (chunks of {chunk}) | users/s | single-user refresh p50 / p95 ms (n) | "
        "CPU: process / PostgreSQL backend / other processes (cores) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        p, t, s = r["precompute"], r.get("train"), r["sizes"]
        users = f"{p['users']:,} / {p['candidates']:,}" + (" (**sample**)" if p["sample"] else "")
        model = f"{p['model']}, {t['seconds']:.1f} s" if t else f"{p['model']} (trained earlier)"
        single = p["single_ms"]
        print(
            f"| {r['name']} | {users} | {s['titles']:,} | {s['events']:,} | {model} | {p['seconds']:.1f} s "
            f"| {p['users'] / p['seconds']:.1f} | {percentile(single, 50):.0f} / {percentile(single, 95):.0f} "
            f"({len(single)}) | {p['cpu_self_s']:.0f} s / {p['cpu_postgres_s']:.0f} s / {p['other_cores']:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--movielens", type=Path, default=Path("/work/shared/data/ml-100k"))
    parser.add_argument("--database", default="marquee_rows_bench", help="synthetic-100k uses <database>_synth")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13", help="flushed before each pass")
    parser.add_argument("--var-dir", type=Path, default=Path(tempfile.gettempdir()) / "marquee-bench-rows")
    parser.add_argument("--chunk", type=int, default=500, help="users per refresh_chunk (precompute_rows' default)")
    parser.add_argument("--max-users", type=int, default=0, help="stop after this many users (0: all)")
    parser.add_argument("--single", type=int, default=20, help="users timed one at a time with refresh_by_id")
    parser.add_argument("--skip-training", action="store_true", help="serve the active model; train none")
    parser.add_argument("--recreate", action="store_true", help="drop the databases first (and reload the data)")
    parser.add_argument("--profile", action="store_true", help="cProfile one more chunk after the pass")
    parser.add_argument("--synthetic-users", type=int, default=100_000)
    parser.add_argument("--synthetic-titles", type=int, default=3000, help="EASE's fit grows with titles squared")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--algorithm", default="ease", help="the model trained (and so served) before the pass")
    parser.add_argument("--max-configs", type=int, default=1, help="tuning configurations per model")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-options", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, json.loads(args.child_options), args.result)
        return

    if redis.Redis.from_url(args.redis_url).ping() is not True:
        sys.exit(f"Redis does not answer at {args.redis_url}")
    print(f"command: python scripts/bench_rows.py {' '.join(sys.argv[1:])}")
    print(f"commit: {commit()}")
    print(f"machine: {machine()}")
    with psycopg.connect(with_database(args.server, "postgres")) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        autovacuum = connection.execute("SHOW autovacuum").fetchone()[0]
    print(f"PostgreSQL {version} (autovacuum {autovacuum}), Redis {args.redis_url}")
    describe_load("at the start")

    results = []
    for name in args.datasets:
        database = args.database if name == "ml-100k" else f"{args.database}_synth"
        url = with_database(args.server, database)
        scratch = args.var_dir / name
        scratch.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            # Production settings, as a worker runs them: with DEBUG on, Django keeps every query's
            # SQL (the rows' JSON included), which inflated the process's memory to a gigabyte.
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(48),
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=url,
            REDIS_URL=args.redis_url,
            MARQUEE_VAR_DIR=str(scratch),
            LOG_LEVEL="WARNING",
            OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"),
        )
        print(f"\n## {name}: database {database}, MARQUEE_VAR_DIR {scratch}", flush=True)
        prepare_database(url, args.recreate)
        manage(env, "migrate", "--noinput", "-v0")
        if name == "ml-100k":
            present = scalar(url, "SELECT count(*) FROM catalog_title WHERE source = 'ml-100k'")
            if present:
                print(f"data: {present:,} ml-100k titles already there, not importing again")
            else:
                seconds = manage(env, "import_movielens", str(args.movielens), "--no-progress")
                print(f"data: imported {args.movielens} in {seconds:.1f} s")
        else:
            options = {"users": args.synthetic_users, "titles": args.synthetic_titles, "seed": args.seed}
            run_child("generate", env, options, scratch)
        analyze(url)
        result = {"name": name, "sizes": sizes(url)}
        print("data: " + ", ".join(f"{k} {v:,}" for k, v in result["sizes"].items()), flush=True)
        if not args.skip_training:
            print(f"training {args.algorithm} (max_configs {args.max_configs}):", flush=True)
            train = run_child("train", env, {"algorithm": args.algorithm, "max_configs": args.max_configs}, scratch)
            result["train"] = train
            print(
                f"trained {train['version']} ({train['params']}) in {train['seconds']:.1f} s "
                f"(child process {train['child_wall_s']:.1f} s, peak RSS {train['child_peak_rss_mib']:.0f} MiB): "
                f"{train['decision']}\n  stages: " + "; ".join(train["stages"]),
                flush=True,
            )
        options = {
            "chunk": args.chunk,
            "max_users": args.max_users,
            "single": args.single,
            "seed": args.seed,
            "profile": args.profile,
        }
        precompute = run_child("precompute", env, options, scratch)
        result["precompute"] = p = precompute
        single = p["single_ms"]
        print(
            f"precomputed {p['users']:,} of {p['candidates']:,} users"
            + (" (A SAMPLE: --max-users)" if p["sample"] else "")
            + f" in {p['seconds']:.1f} s: {p['users'] / p['seconds']:.1f} users/s; {p['chunks']} chunks, "
            f"p50 {p['chunk_p50_s']:.2f} s, max {p['chunk_max_s']:.2f} s; CPU: this process {p['cpu_self_s']:.1f} s, "
            f"its PostgreSQL backend {p['cpu_postgres_s']:.1f} s, other processes {p['other_cores']:.2f} cores on "
            f"average; peak RSS {p['child_peak_rss_mib']:.0f} MiB\n"
            f"  rows per user {p['rows_per_user']:.1f}; share of users with each row: "
            + ", ".join(f"{k} {v:.0%}" for k, v in p["row_kinds"].items())
            + f"\n  single-user refresh (refresh_by_id, {len(single)} users, one at a time): "
            f"p50 {percentile(single, 50):.0f} ms, p95 {percentile(single, 95):.0f} ms, max {max(single):.0f} ms",
            flush=True,
        )
        if p["profile"]:
            print(p["profile"])
        results.append(result)

    describe_load("at the end")
    report(results, args.chunk)


if __name__ == "__main__":
    main()
