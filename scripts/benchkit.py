"""What the benchmark scripts share: the machine and the commit they report, CPU counters from
/proc, and the PostgreSQL database each one creates, migrates and analyses.

Imported as `benchkit` by scripts run as `python scripts/NAME.py` (their folder is on sys.path).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    gib = int(memory.split()[1]) / 1024**2
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    return f"nproc {nproc} ({model}), {gib:.0f} GiB RAM, {platform.platform()}, Python {platform.python_version()}"


def commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode != 0:
        return f"{ROOT} is not a git checkout (an export?)"
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    return head.stdout.strip() + (" + uncommitted changes (measured as they are)" if dirty.strip() else "")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15 of stat)


def machine_busy() -> float:
    """CPU seconds all processors have spent busy since boot (from /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK  # guest time is already inside user


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def prepare_database(url: str, recreate: bool) -> None:
    """Create the database `url` names (dropped first with `recreate`)."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        if recreate:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def analyze(url: str) -> None:
    """Planner statistics, as autovacuum would gather them after a load. Without them PostgreSQL
    guesses: on ML-100K it scanned all 100,000 events for "Popular now" instead of using the time
    index (about 15 ms more per page). Some servers run with autovacuum off (CI configurations)."""
    with psycopg.connect(url, autocommit=True) as connection:
        autovacuum = connection.execute("SHOW autovacuum").fetchone()[0]
        started = time.perf_counter()
        connection.execute("ANALYZE")
    print(f"ANALYZE in {time.perf_counter() - started:.1f} s (this server's autovacuum: {autovacuum})")


def manage(env: dict[str, str], *args: str) -> float:
    """Run `manage.py ARGS` with `env`; its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started
