"""Start a real Celery worker process against Redis and the test database."""

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[1]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def require_redis() -> str:
    """The Redis URL for integration tests; skipped locally when Redis is down, a failure in CI."""
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379; .ci/run should have started it")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/14"


def test_database_url() -> str:
    """A DATABASE_URL that points a separate process at the database this test run is using."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "localhost"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@contextmanager
def celery_worker(broker_url: str, *, pool: str = "solo", extra_env: dict | None = None, queue: str | None = None):
    """Run `celery worker` in a subprocess on a private queue (a new one unless `queue` names
    one, e.g. a dead worker's); yields (queue_name, process)."""
    queue = queue or f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", pool]
    command += ["--concurrency", "1", "--loglevel", "INFO", "--without-gossip", "--without-mingle", "-n", f"{queue}@%h"]
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield queue, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def client_app(broker_url: str):
    """A separate Celery client on the broker, sending tasks by name as another service would.

    This process's own app runs tasks in-process (no broker configured) and caches its
    connections, so it is left untouched.
    """
    from celery import Celery

    app = Celery("marquee-test-client", broker=broker_url, backend=broker_url)
    try:
        yield app
    finally:
        app.close()


def wait_for(predicate, *, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
