"""Benchmark the home page under load: gunicorn on PostgreSQL and Redis, against a trivial view.

    python scripts/bench_home.py [--movielens PATH] [--database-url URL] [--recreate]
        [--workers 2] [--connections 8 [N ...]] [--duration 20] [--warmup 5] [--rounds 1]
        [--users 50] [--seed 7] [--redis-url redis://127.0.0.1:6379/12] [--threads 1]
        [--train ALGORITHM]

Steps:
  1. A dedicated PostgreSQL database (default `marquee_bench` for the offline demo,
     `marquee_bench_<source>` with --movielens): created when missing (dropped first with
     --recreate), migrated, and loaded with `manage.py load_demo` or `manage.py import_movielens PATH`
     unless that data is already there; static files collected into a scratch MARQUEE_VAR_DIR.
     The impression log (every home page view writes one row per title shown) is emptied, so that
     runs start from the same data, unless --keep-impressions. With --train ALGORITHM,
     `manage.py train --algorithm ALGORITHM --if-no-active` first (nothing when a model version is
     already active, e.g. a database kept from an earlier run); its row precompute runs in-process,
     as no Celery broker is configured for the benchmark (CELERY_* variables are dropped). Then
     ANALYZE (planner statistics).
  2. --users sample users with activity (seeded) are signed in with the test Client's force_login,
     which stores their sessions in the database; their session cookies are kept, and each gets an
     API token (rest_framework.authtoken). With Django's test Client, the SQL queries of one request
     to each endpoint are counted, and the signed-in pages showing personalised rows ("Top picks
     for you", "Because you watched …") are counted; with --train at least one must, and the page
     checked through gunicorn is that user's.
  3. gunicorn (sync workers) is started on 127.0.0.1:<free port> with production settings (DEBUG=0,
     a random 64-character SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0, REDIS_URL) and
     must answer /healthz/, the anonymous home page, a signed-in home page and the two API endpoints
     before the load. The DRF throttles still run (a Redis read and write per request), but their
     rates are raised for this gunicorn only (API_RATE_ANON, API_RATE_USER: THROTTLE_RATE), so that
     none answers 429 under load; the output says so.
  4. For each concurrency and round: `wrk` loads `/healthz/` (the base: no database, no session,
     no template), `/` anonymous and `/` signed in (a Lua script rotates the session cookies), each
     then the API: `/api/v1/health/` (the API's base: a trivial DRF view, anonymous) and
     `/api/v1/me/recommendations/` (a Lua script rotates `Authorization: Token …` headers over the
     signed-in users), each
     for --warmup seconds (discarded) and then --duration seconds. wrk gives requests/s and the
     latency percentiles. CPU seconds during each measured run: gunicorn (master and workers), the
     PostgreSQL backends of the benchmark database with PostgreSQL's background processes, and
     Redis, sampled from /proc; wrk from its rusage; "other processes" is the rest of the machine's
     busy time (/proc/stat), i.e. whatever else shares the cores.
  5. Markdown tables go to stdout; gunicorn is stopped at the end, also on error or Ctrl-C.

It serves the code of the checkout the script lives in, uncommitted changes included (the "commit:"
line says so); to measure one commit in a shared tree, run it from an export:
`mkdir /tmp/x && git archive COMMIT | tar -x -C /tmp/x && .venv/bin/python /tmp/x/scripts/bench_home.py`
(the page check before the load fails if the home page shows no rows, e.g. code and templates
from different trees).
Needs wrk (`apt-get install -y wrk`), PostgreSQL and Redis. The load only ever targets 127.0.0.1.
Latency is wrk's: from writing the request to reading the whole response, queueing for a free
gunicorn worker included (sync workers serve one connection at a time and close it after the
response, so wrk reconnects for every request; the connect itself is not timed).
"""

from __future__ import annotations

import argparse
import fcntl
import importlib.metadata
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
from benchkit import ROOT, analyze, commit, machine, machine_busy, manage, prepare_database, process_cpu

LOCK_DIR = Path(tempfile.gettempdir()) / "marquee-bench-home"
SESSION_COOKIE = "sessionid"  # Django's default SESSION_COOKIE_NAME; settings do not change it
MOVIELENS_LAYOUTS = {"u.data": "ml-100k", "ratings.dat": "ml-1m", "ratings.csv": "ml-latest"}  # file → source

# Run with the benchmark's environment in a child: signs users in, counts queries, sizes the data.
PREPARE = r"""
import json, random, statistics, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test import Client
from django.test.utils import CaptureQueriesContext
from catalog.models import Title
from recommendations.models import Event, Impression
from rest_framework.authtoken.models import Token

count, seed = int(sys.argv[1]), int(sys.argv[2])
User = get_user_model()
active = User.objects.filter(is_active=True, is_staff=False).filter(Exists(Event.objects.filter(user=OuterRef("pk"))))
candidates = list(active.order_by("pk").values_list("pk", flat=True))
if not candidates:
    sys.exit("no user with activity to sign in")
picked = random.Random(seed).sample(candidates, min(count, len(candidates)))
cookies, tokens = [], []
for user in User.objects.filter(pk__in=picked).order_by("pk"):
    client = Client()
    client.force_login(user)
    cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    tokens.append(Token.objects.get_or_create(user=user)[0].key)


def page(path, cookie=None, token=None):
    client = Client()
    if cookie:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response, queries.captured_queries


page("/")  # first request of the process: template loading, content types
_, health = page("/healthz/")
_, anonymous = page("/")
_, api_health = page("/api/v1/health/")
signed_in, continuing, personal, api_rows, example = [], 0, [], [], None
for index, (cookie, token) in enumerate(zip(cookies, tokens)):
    response, queries = page("/", cookie)
    assert b"Log out" in response.content, "the session cookie did not sign the user in"
    signed_in.append(len(queries))
    continuing += b"Continue watching" in response.content
    if b"Top picks for you" in response.content or b"Because you watched" in response.content:
        personal.append(index)
    response, api_queries = page("/api/v1/me/recommendations/", token=token)
    api_rows.append(len(api_queries))
    if example is None or len(queries) > len(example):
        example = queries
print(json.dumps({
    "cookies": cookies,
    "tokens": tokens,
    "candidates": len(candidates),
    "queries": {
        "healthz": [len(health)],
        "anonymous": [len(anonymous)],
        "signed-in": signed_in,
        "api-health": [len(api_health)],
        "api-recommendations": api_rows,
    },
    "continue_rows": continuing,
    "personal": personal,
    "signed_in_sql": [(q["time"], q["sql"][:160]) for q in example],
    "sizes": {
        "published titles": Title.objects.published().count(),
        "titles": Title.objects.count(),
        "users": User.objects.count(),
        "users with activity": len(candidates),
        "events": Event.objects.count(),
        "impressions": Impression.objects.count(),
    },
}))
"""

LUA = """-- generated by scripts/bench_home.py
local values = {VALUES}
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
function init(args)
  counter = offset or 0
end
function request()
  if #values == 0 then
    return wrk.format()
  end
  counter = counter + 1
  return wrk.format(nil, nil, {["HEADER"] = values[(counter % #values) + 1]})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, "status": %d, '
    .. '"timeout": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class Endpoint:
    name: str
    path: str
    headers: list[str] = field(default_factory=list)  # values of `header`, rotated over the requests
    header: str = "Cookie"


@dataclass
class Result:
    endpoint: str
    connections: int
    round: int
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    load_before: float
    cpu_ms: dict[str, float]  # CPU milliseconds per request, by process group
    other_cores: float  # cores busy with processes outside the benchmark, on average
    impressions_per_request: float
    kib_per_response: float  # headers included


# --- Machine and processes -------------------------------------------------------------------


def processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command name) of every process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            found.append((int(entry.name), int(stat.rsplit(")", 1)[1].split()[1]), name))
    return found


def postgres_title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def ours(gunicorn_pid: int, database: str) -> dict[str, list[int]]:
    """The processes serving the benchmark: gunicorn's master and workers, the PostgreSQL backends
    connected to the benchmark's database plus PostgreSQL's own background processes (not other
    databases' backends: other people's tests share the server), and Redis."""
    groups: dict[str, list[int]] = {"gunicorn": [], "postgres": [], "redis": []}
    for pid, parent, name in processes():
        if pid == gunicorn_pid or parent == gunicorn_pid:
            groups["gunicorn"].append(pid)
        elif name == "postgres":
            title = postgres_title(pid)  # "postgres: 15/main: USER DATABASE HOST(PORT) STATE" for a client
            if database in title.split() or not ("(" in title or "[local]" in title):
                groups["postgres"].append(pid)
        elif name.startswith("redis-server"):
            groups["redis"].append(pid)
    return groups


class CpuSampler(threading.Thread):
    """CPU seconds the benchmark's processes spend while the load runs, by group. Samples every
    0.25 s so that a PostgreSQL backend that ends mid-run (Django recycles connections after
    CONN_MAX_AGE) loses at most one interval; a process that starts mid-run counts from zero."""

    def __init__(self, gunicorn_pid: int, database: str, interval: float = 0.25):
        super().__init__(daemon=True)
        self.gunicorn_pid, self.database, self.interval = gunicorn_pid, database, interval
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.halt = threading.Event()
        self.sample(initial=True)

    def sample(self, initial: bool = False) -> None:
        for group, pids in ours(self.gunicorn_pid, self.database).items():
            for pid in pids:
                cpu = process_cpu(pid)
                self.first.setdefault((group, pid), cpu if initial else 0.0)
                self.last[(group, pid)] = max(cpu, self.last.get((group, pid), 0.0))

    def run(self) -> None:
        while not self.halt.wait(self.interval):
            self.sample()

    def stop(self) -> dict[str, float]:
        self.halt.set()
        self.join()
        self.sample()
        totals = {"gunicorn": 0.0, "postgres": 0.0, "redis": 0.0}
        for (group, pid), cpu in self.last.items():
            totals[group] += max(0.0, cpu - self.first[(group, pid)])
        return totals


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def hold_lock():
    """One benchmark at a time on this machine: two load tests on the same cores measure each other."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    handle = (LOCK_DIR / "lock").open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"another bench_home run holds {LOCK_DIR / 'lock'}; wait for it to finish")
    return handle  # the lock lasts as long as this file stays open


# --- Database and data -----------------------------------------------------------------------


def movielens_source(path: Path) -> str:
    for filename, source in MOVIELENS_LAYOUTS.items():
        if (path / filename).is_file():
            return source
    sys.exit(f"{path} holds no MovieLens ratings file ({', '.join(MOVIELENS_LAYOUTS)})")


def load_data(url: str, env: dict[str, str], movielens: Path | None, demo_scale: float) -> str:
    """Load the data set unless its titles are there already; returns a description of it."""
    source = movielens_source(movielens) if movielens else "demo"
    with psycopg.connect(url) as connection:
        present = connection.execute("SELECT count(*) FROM catalog_title WHERE source = %s", [source]).fetchone()[0]
    if present:
        print(f"data: {present:,} {source} titles already loaded, not loading again")
    elif movielens:
        seconds = manage(env, "import_movielens", str(movielens), "--no-progress")
        print(f"data: imported {movielens} in {seconds:.1f} s")
    else:
        seconds = manage(env, "load_demo", "--no-progress", "--no-admin", "--scale", f"{demo_scale:g}")
        print(f"data: loaded the demo in {seconds:.1f} s")
    return f"MovieLens {movielens} ({source})" if movielens else f"offline demo (load_demo, scale {demo_scale:g})"


def clear_impressions(url: str) -> None:
    """Every home page view logs its impressions; start each benchmark from the same table."""
    with psycopg.connect(url) as connection:
        count = connection.execute("SELECT count(*) FROM recommendations_impression").fetchone()[0]
        connection.execute("TRUNCATE recommendations_impression")
    print(f"deleted {count:,} impressions logged by earlier runs (--keep-impressions keeps them)")


def last_impression_id(url: str) -> int:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT coalesce(max(id), 0) FROM recommendations_impression").fetchone()[0]


# --- Server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, cookie: str = "", token: str = "") -> tuple[int, bytes]:
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - always http://127.0.0.1:<port>
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--error-logfile", str(log), "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def wait_until_up(server: subprocess.Popen, base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode} before answering")
        try:
            if get(f"{base}/healthz/") == (200, b"ok"):
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer {base}/healthz/ within {timeout:.0f} s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the master and its workers
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    print(f"gunicorn stopped (exit {server.returncode})")


def check_pages(base: str, cookie: str, token: str, personal: bool) -> None:
    """Both home pages answer 200 with rows of titles, and the cookie signs the user in; with
    `personal`, the signed-in page shows a personalised model row. The API answers with the token."""
    for name, status, body in (("anonymous", *get(f"{base}/")), ("signed-in", *get(f"{base}/", cookie))):
        rows = re.findall(rb'<section class="row"[^>]*data-row="([^"]+)"', body)
        signed_in = b"Log out" in body
        if status != 200 or not rows or signed_in != (name == "signed-in"):
            sys.exit(f"{name} home page: status {status}, {len(rows)} rows, signed in: {signed_in}")
        model_rows = b"Top picks for you" in body or b"Because you watched" in body
        if name == "signed-in" and personal and not model_rows:
            sys.exit("signed-in home page: no Top picks for you / Because you watched row (model rows)")
        print(
            f"{name} home page: {len(rows)} rows ({b', '.join(rows).decode()}), {len(body):,} bytes"
            + (f", model rows: {'yes' if model_rows else 'no'}" if name == "signed-in" else "")
        )
    status, body = get(f"{base}/api/v1/health/")
    if (status, json.loads(body or b"null")) != (200, {"status": "ok"}):
        sys.exit(f"/api/v1/health/: status {status}, {body[:200]!r}")
    status, body = get(f"{base}/api/v1/me/recommendations/", token=token)
    if status != 200:
        sys.exit(f"/api/v1/me/recommendations/: status {status}, {body[:200]!r}")
    rows = json.loads(body)["rows"]
    print(
        f"/api/v1/me/recommendations/: {len(rows)} rows ({', '.join(row['key'] for row in rows)}), "
        f"{sum(row['personalized'] for row in rows)} personalised, {len(body):,} bytes"
    )


# --- Load ------------------------------------------------------------------------------------


def wrk(base: str, endpoint: Endpoint, script: Path, *, seconds: int, connections: int, threads: int) -> dict:
    command = [
        "wrk", "--threads", str(min(threads, connections)), "--connections", str(connections),
        "--duration", f"{seconds}s", "--timeout", "10s", "--script", str(script), f"{base}{endpoint.path}",
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next((line for line in output.splitlines() if line.startswith("BENCH_JSON ")), None)
    if line is None:
        sys.exit(f"wrk printed no summary:\n{output}")
    return json.loads(line.removeprefix("BENCH_JSON "))


def lua_script(directory: Path, endpoint: Endpoint) -> Path:
    path = directory / f"bench_home_{endpoint.name}.lua"
    values = ", ".join(json.dumps(value) for value in endpoint.headers)  # cookies and tokens: no escapes
    path.write_text(LUA.replace("{VALUES}", "{" + values + "}").replace("HEADER", endpoint.header))
    return path


def measure(
    base: str, endpoint: Endpoint, script: Path, server: subprocess.Popen, url: str, args, connections: int, number: int
) -> Result:
    wrk(base, endpoint, script, seconds=args.warmup, connections=connections, threads=args.threads)
    load = os.getloadavg()[0]
    impressions = last_impression_id(url)
    sampler = CpuSampler(server.pid, urlsplit(url).path.lstrip("/"))
    busy, client = machine_busy(), children_cpu()
    sampler.start()
    summary = wrk(base, endpoint, script, seconds=args.duration, connections=connections, threads=args.threads)
    cpu = sampler.stop() | {"wrk": children_cpu() - client}
    busy = machine_busy() - busy
    impressions = last_impression_id(url) - impressions
    requests, seconds = summary["requests"], summary["duration_us"] / 1e6
    other = max(0.0, busy - sum(cpu.values())) / seconds
    errors = sum(summary[key] for key in ("connect", "read", "write", "status", "timeout"))
    result = Result(
        endpoint=endpoint.name,
        connections=connections,
        round=number,
        requests_per_s=requests / seconds,
        p50_ms=summary["p50"] / 1000,
        p95_ms=summary["p95"] / 1000,
        p99_ms=summary["p99"] / 1000,
        errors=errors,
        load_before=load,
        cpu_ms={name: 1000 * value / max(requests, 1) for name, value in cpu.items()},
        other_cores=other,
        impressions_per_request=impressions / max(requests, 1),
        kib_per_response=summary["bytes"] / max(requests, 1) / 1024,
    )
    print(
        f"  {endpoint.name} c={connections} round {number}: {result.requests_per_s:.1f} req/s, "
        f"p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, {requests:,} requests, {errors} errors "
        f"({json.dumps({k: summary[k] for k in ('connect', 'read', 'write', 'status', 'timeout')})})",
        flush=True,
    )
    return result


# --- Report ----------------------------------------------------------------------------------


def spread(values: list[int]) -> str:
    if min(values) == max(values):
        return str(values[0])
    return f"{statistics.median(values):g} ({min(values)}–{max(values)})"


def report(results: list[Result], queries: dict[str, list[int]]) -> None:
    base = {(r.endpoint, r.connections, r.round): r for r in results if r.endpoint in BASES.values()}
    print(
        "\n| endpoint | connections | round | requests/s | p50 ms | p95 ms | p99 ms "
        "| throughput / base | p50 / base | p95 / base | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        b = base.get((BASES[r.endpoint], r.connections, r.round))
        ratios = (
            (r.requests_per_s / b.requests_per_s, r.p50_ms / max(b.p50_ms, 1e-3), r.p95_ms / max(b.p95_ms, 1e-3))
            if b
            else (0, 0, 0)
        )
        print(
            f"| {LABELS[r.endpoint]} | {r.connections} | {r.round} | {r.requests_per_s:,.1f} | {r.p50_ms:.1f} "
            f"| {r.p95_ms:.1f} | {r.p99_ms:.1f} | {ratios[0]:.3f} | {ratios[1]:.1f} | {ratios[2]:.1f} "
            f"| {r.errors} |"
        )
    print(f"\nbases: {', '.join(f'{LABELS[name]} for {LABELS[base]}' for name, base in BASES.items() if name != base)}")
    print(
        "\n| endpoint | connections | round | SQL queries / request | CPU ms / request: gunicorn | PostgreSQL "
        "| Redis | wrk | other processes (cores busy) | impressions written / request | KiB / response "
        "| load avg before |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        cpu = r.cpu_ms
        print(
            f"| {LABELS[r.endpoint]} | {r.connections} | {r.round} | {spread(queries[r.endpoint])} "
            f"| {cpu['gunicorn']:.2f} | {cpu['postgres']:.2f} | {cpu['redis']:.2f} | {cpu['wrk']:.2f} "
            f"| {r.other_cores:.2f} | {r.impressions_per_request:.1f} | {r.kib_per_response:.1f} "
            f"| {r.load_before:.2f} |"
        )


LABELS = {
    "healthz": "`/healthz/` (base)",
    "anonymous": "`/` anonymous",
    "signed-in": "`/` signed in",
    "api-health": "`/api/v1/health/` (API base)",
    "api-recommendations": "`GET /api/v1/me/recommendations/` (token)",
}
BASES = {  # endpoint → the base it is compared with, measured at the same connections and round
    "healthz": "healthz",
    "anonymous": "healthz",
    "signed-in": "healthz",
    "api-health": "api-health",
    "api-recommendations": "api-health",
}
THROTTLE_RATE = "1000000/second"  # DRF throttles in the benchmark's gunicorn: run, never refuse


def versions(url: str, redis_url: str) -> str:
    with psycopg.connect(url) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
        shared_buffers = connection.execute("SHOW shared_buffers").fetchone()[0]
    redis_version = redis.Redis.from_url(redis_url).info()["redis_version"]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n", 1)[0]
    package = importlib.metadata.version
    return (
        f"PostgreSQL {postgres} (shared_buffers {shared_buffers}), Redis {redis_version}, "
        f"Django {package('django')}, gunicorn {package('gunicorn')}, psycopg {package('psycopg')}, "
        f"{wrk_version.strip()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--movielens", type=Path, help="import this MovieLens directory instead of the demo")
    parser.add_argument(
        "--demo-scale", type=float, default=1.0, help="load_demo --scale (default 1; a new one needs --recreate)"
    )
    parser.add_argument("--database-url", help="default postgres://postgres@127.0.0.1:5432/marquee_bench[_<source>]")
    parser.add_argument("--recreate", action="store_true", help="drop the database first (and reload the data)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--connections", type=int, nargs="+", default=[8], help="wrk connections, one run each")
    parser.add_argument("--duration", type=int, default=20, help="seconds of each measured run (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load before each run, discarded")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every measurement (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: the client's CPU is shared)")
    parser.add_argument("--users", type=int, default=50, help="signed-in sample users, cookies rotated (default 50)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the user sample")
    parser.add_argument("--keep-impressions", action="store_true", help="keep earlier runs' impression log")
    parser.add_argument(
        "--train",
        metavar="ALGORITHM",
        help="manage.py train --algorithm ALGORITHM --if-no-active before the load (model rows on the home page)",
    )
    parser.add_argument(
        "--var-dir", type=Path, help="scratch MARQUEE_VAR_DIR (default: /tmp/marquee-bench-home/<database>)"
    )
    args = parser.parse_args()

    if not shutil.which("wrk"):
        sys.exit("wrk not found: install it with `apt-get install -y wrk` (Debian) and run again")
    source = movielens_source(args.movielens) if args.movielens else ""
    url = args.database_url or (
        "postgres://postgres@127.0.0.1:5432/marquee_bench" + (f"_{source.replace('-', '_')}" if source else "")
    )
    if redis.Redis.from_url(args.redis_url).ping() is not True:
        sys.exit(f"Redis does not answer at {args.redis_url}")
    _lock = hold_lock()  # held until main returns
    args.var_dir = args.var_dir or LOCK_DIR / urlsplit(url).path.lstrip("/")
    args.var_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters; new each run, so are the sessions
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=url,
        REDIS_URL=args.redis_url,
        MARQUEE_VAR_DIR=str(args.var_dir),
        LOG_LEVEL="WARNING",
    )

    print(f"command: python scripts/bench_home.py {' '.join(sys.argv[1:])}")
    print(f"commit: {commit()}")
    print(f"machine: {machine()}")
    print(f"load average now: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    prepare_database(url, args.recreate)
    manage(env, "migrate", "--noinput", "-v0")
    data = load_data(url, env, args.movielens, args.demo_scale)
    if args.train:
        seconds = manage(env, "train", "--algorithm", args.train, "--if-no-active")
        print(f"train --algorithm {args.train} --if-no-active (row precompute in-process included): {seconds:.1f} s")
    if not args.keep_impressions:
        clear_impressions(url)
    analyze(url)
    manage(env, "collectstatic", "--noinput", "-v0")
    prepared = subprocess.run(
        [sys.executable, "-c", PREPARE, str(args.users), str(args.seed)],
        cwd=ROOT,
        env={**env, "ALLOWED_HOSTS": "127.0.0.1,testserver"},
        capture_output=True,
        text=True,
    )
    if prepared.returncode != 0:
        sys.exit(f"signing users in failed:\n{prepared.stderr}")
    info = json.loads(prepared.stdout.strip().splitlines()[-1])
    cookies, tokens, personal = info["cookies"], info["tokens"], info["personal"]
    if args.train and not personal:
        sys.exit(f"--train {args.train}: no signed-in sample user's home page shows a model row")
    print(f"versions: {versions(url, args.redis_url)}")
    print(f"data: {data}; " + ", ".join(f"{k} {v:,}" for k, v in info["sizes"].items()))
    print(
        f"signed-in sample: {len(cookies)} of {info['candidates']:,} users with activity (seed {args.seed}); "
        f"{info['continue_rows']} of them get a Continue watching row, {len(personal)} model rows "
        "(Top picks for you / Because you watched)"
    )
    print("SQL of the signed-in home page with the most queries (seconds, statement):")
    for seconds, sql in info["signed_in_sql"]:
        print(f"  {float(seconds) * 1000:6.1f} ms  {sql}")

    endpoints = [
        Endpoint("healthz", "/healthz/"),
        Endpoint("anonymous", "/"),
        Endpoint("signed-in", "/", [f"{SESSION_COOKIE}={cookie}" for cookie in cookies]),
        Endpoint("api-health", "/api/v1/health/"),
        Endpoint("api-recommendations", "/api/v1/me/recommendations/", [f"Token {t}" for t in tokens], "Authorization"),
    ]
    scripts = {endpoint.name: lua_script(args.var_dir, endpoint) for endpoint in endpoints}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = args.var_dir / "gunicorn.log"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops gunicorn
    server = start_gunicorn(
        {**env, "API_RATE_ANON": THROTTLE_RATE, "API_RATE_USER": THROTTLE_RATE}, port, args.workers, log
    )
    results = []
    try:
        wait_until_up(server, base)
        first = personal[0] if personal else 0
        check_pages(base, cookies[first], tokens[first], personal=bool(args.train))
        print(
            f"gunicorn: {args.workers} sync workers on {base} (DEBUG=0, log {log}); wrk: {args.threads} thread(s), "
            f"connections {args.connections}, {args.warmup} s warm-up + {args.duration} s per run, "
            f"{args.rounds} round(s); DRF throttles raised for this gunicorn only: API_RATE_ANON=API_RATE_USER="
            f"{THROTTLE_RATE} (they still run, one Redis read and write per request, and refuse nothing)"
        )
        for connections in args.connections:
            for number in range(1, args.rounds + 1):
                for endpoint in endpoints:
                    results.append(
                        measure(base, endpoint, scripts[endpoint.name], server, url, args, connections, number)
                    )
    finally:
        stop(server)
    report(results, info["queries"])


if __name__ == "__main__":
    main()
