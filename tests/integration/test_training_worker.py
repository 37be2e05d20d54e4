"""Training and row refreshes through a real Celery worker process on the local Redis.

The worker is a separate process with its own database connection, its own model cache and
(without REDIS_URL) its own local-memory cache; what the two processes share is what production
shares: the database, the broker and the storage the artifacts are saved to (MEDIA_ROOT). So every
check here reads from the database or loads the model from storage in this process.
"""

import json
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from django.core.files.storage import default_storage
from django.utils import timezone

from catalog.models import Facet, Title
from recommendations import rows, serving, training
from recommendations.models import Event, ModelVersion, TrainingRun, UserRows
from tests.factories import TagFactory, TitleFactory, UserFactory
from tests.integration_support import celery_worker, client_app, require_redis, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WORKER_START_TIMEOUT = 90  # seconds; the machine running the suite may be busy
REFRESH_BUDGET = 30  # seconds from sending a refresh to its result: "within seconds", generously
VISIBILITY_TIMEOUT = 3  # seconds; the killed worker's task is handed out again after this


@pytest.fixture(autouse=True)
def _builtin_facets(builtin_facets):
    """The previous transactional test's flush deleted the facets their data migration created."""


@pytest.fixture
def shared_storage(settings, tmp_path):
    """Artifacts go to one MEDIA_ROOT for both processes; each unpacks models into its own cache,
    so a model this process serves was really loaded from storage."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MODEL_CACHE_DIR = tmp_path / "test-model-cache"
    serving.forget_loaded()
    yield {"MEDIA_ROOT": str(settings.MEDIA_ROOT), "MODEL_CACHE_DIR": str(tmp_path / "worker-model-cache")}
    serving.forget_loaded()


@pytest.fixture
def two_tastes():
    """As in tests/recommendations/test_training.py: 40 users in two taste groups (dramas and
    comedies), each rating 6 of their group's 10 titles 5 stars. Returns (users, dramas, comedies)."""
    genre = Facet.objects.get(slug="genre")
    groups = []
    for name in ("Drama", "Comedy"):
        tag = TagFactory(facet=genre, name=name)
        titles = [TitleFactory(title=f"{name} {n}") for n in range(10)]
        for title in titles:
            title.tags.add(tag)
        groups.append(titles)
    dramas, comedies = groups
    start = timezone.now() - timedelta(days=30)
    users, events = [], []
    for u in range(40):
        user = UserFactory(username=f"taste{u}")
        titles = dramas if u < 20 else comedies
        for step in range(6):
            stamp = start + timedelta(hours=u * 10 + step)
            events.append(Event(user=user, title=titles[(u + step) % 10], type="rate", value=5, timestamp=stamp))
        users.append(user)
    Event.objects.bulk_create(events)
    return users, dramas, comedies


class Worker:
    """A `celery worker` subprocess (tests/integration_support.py) whose output is read as it
    comes: unread, a chatty worker would fill the pipe and stall. Its log is printed when a test
    fails (pytest shows captured output then)."""

    def __init__(self, queue, process):
        self.queue, self.process, self.lines = queue, process, []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.decode(errors="replace").rstrip())

    def wait_ready(self, timeout=WORKER_START_TIMEOUT):
        started = time.monotonic()

        def ready_or_gone():
            return self.process.poll() is not None or any(line.endswith(" ready.") for line in self.lines)

        if not wait_for(ready_or_gone, timeout=timeout) or self.process.poll() is not None:
            raise AssertionError(f"the worker was not ready within {timeout} s (exit status {self.process.poll()})")
        return time.monotonic() - started

    def log(self) -> str:
        return "\n".join(self.lines[-200:])


@contextmanager
def worker(broker, storage, *, queue=None, **env):
    """Start a worker on `queue` (a new private one when None) and wait until it is ready."""
    extra_env = {key: str(value) for key, value in {**storage, **env}.items()}
    with celery_worker(broker, extra_env=extra_env, queue=queue) as (queue, process):
        running = Worker(queue, process)
        try:
            running.wait_ready()
            yield running
        except BaseException:
            process.kill()
            running._reader.join(timeout=5)
            print(f"--- worker on {queue} ---\n{running.log()}")
            raise


def take_tasks_sent_by(broker, task_id, queue="celery"):
    """Remove from the broker's `queue` the messages a task sent while it ran; their task names.

    The worker sends follow-up tasks (train_model → precompute_rows) to the default queue, which
    no worker in these tests consumes; leaving them there would pile them up run after run.
    """
    client = redis.Redis.from_url(broker)
    try:
        names = []
        for raw in client.lrange(queue, 0, -1):
            headers = json.loads(raw).get("headers") or {}
            if headers.get("parent_id") == task_id and client.lrem(queue, 1, raw):
                names.append(headers.get("task"))
        return names
    finally:
        client.close()


def row_keys(stored_rows):
    return [row["key"] for row in stored_rows]


def personal_rows(stored_rows):
    return [row for row in stored_rows if row["personalized"]]


def train_in_process(algorithm="ease"):
    run = training.run_training(training.start_run(algorithm, options={"max_configs": 1}).pk)
    assert run.status == "succeeded", run.error
    return run.version


def test_training_runs_in_the_worker_and_this_process_serves_its_model(two_tastes, shared_storage):
    broker = require_redis()
    users, dramas, comedies = two_tastes
    drama_fan = users[0]
    run = training.start_run("ease", options={"max_configs": 1})

    with worker(broker, shared_storage) as running, client_app(broker) as client:
        started = time.perf_counter()
        result = client.send_task("recommendations.tasks.train_model", args=[run.pk], queue=running.queue)
        outcome = result.get(timeout=120)
        seconds = time.perf_counter() - started
    print(f"\ntrain_model in the worker: {seconds:.1f} s from send to result")

    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    assert run.attempts == 1 and run.progress == 1.0
    version = ModelVersion.objects.get(is_active=True)
    assert outcome == {"run": run.pk, "status": "succeeded", "version": version.pk}
    assert run.version == version and version.algorithm == "ease"
    assert version.metrics["all"]["ndcg@10"] > 0.2 and version.data_counts["events"] == 240
    assert default_storage.exists(version.artifact.name)
    # A successful run schedules the rows' precomputation (on the default queue: see take_tasks_sent_by).
    assert take_tasks_sent_by(broker, result.id) == ["recommendations.tasks.precompute_rows"]

    # This process loads the worker's artifact from storage and personalises the drama fan's rows.
    served = serving.active()
    assert served is not None and served.version == version
    home = rows.for_viewer(drama_fan)
    personal = personal_rows(home)
    assert {"top-picks"} <= set(row_keys(personal)) and any(key.startswith("because-") for key in row_keys(personal))
    for row in personal:
        assert row["items"] and all(item["reason"] for item in row["items"]), row
    unseen_dramas = {title.pk for title in dramas} - set(
        Event.objects.filter(user=drama_fan).values_list("title", flat=True)
    )
    recommended = [item["id"] for row in personal for item in row["items"]]
    assert recommended[: len(unseen_dramas)] and set(recommended[: len(unseen_dramas)]) == unseen_dramas
    assert UserRows.objects.get(user=drama_fan).model_version == version


def test_a_rating_refreshes_the_users_rows_in_the_worker_within_seconds(two_tastes, shared_storage):
    broker = require_redis()
    users, dramas, comedies = two_tastes
    drama_fan, comedy = users[0], comedies[3]
    version = train_in_process()

    with worker(broker, shared_storage) as running, client_app(broker) as client:

        def refresh():
            started = time.perf_counter()
            result = client.send_task(
                "recommendations.tasks.refresh_user_rows", args=[drama_fan.pk], queue=running.queue
            )
            assert result.get(timeout=60) is True
            return time.perf_counter() - started

        cold = refresh()  # the worker loads the model from storage first
        before = UserRows.objects.get(user=drama_fan)
        Event.objects.create(user=drama_fan, title=comedy, type=Event.Type.RATE, value=5)
        warm = refresh()

    print(f"\nrefresh_user_rows, send → result: {cold:.2f} s first (loads the model), {warm:.2f} s after the rating")
    assert f"because-{comedy.pk}" not in row_keys(before.rows)
    after = UserRows.objects.get(user=drama_fan)  # the worker's cache is its own; the database is shared
    assert after.computed_at > before.computed_at and after.model_version == version
    because = next(row for row in after.rows if row["key"] == f"because-{comedy.pk}")
    assert because["personalized"] and because["source"] == comedy.pk
    assert because["title"] == f"Because you watched {comedy.title}"
    other_comedies = {title.pk for title in comedies} - {comedy.pk}
    assert {item["id"] for item in because["items"]} <= other_comedies and len(because["items"]) >= 3
    assert warm < REFRESH_BUDGET


def test_a_killed_training_run_leaves_the_active_model_serving_and_is_redelivered(two_tastes, shared_storage):
    broker = require_redis()
    users, dramas, comedies = two_tastes
    drama_fan = users[0]
    # Enough titles (none watched) that each EASE fit takes seconds, so the run can be caught midway.
    now = timezone.now()
    fillers = [Title(title=f"Filler {n}", slug=f"filler-{n}", published_at=now) for n in range(2500)]
    Title.objects.bulk_create(fillers, batch_size=500)
    active = train_in_process()
    home_before = rows.for_viewer(drama_fan)
    run = training.start_run("ease", options={"max_configs": 1})

    short_visibility = {"CELERY_VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT}
    with worker(broker, shared_storage, **short_visibility) as first, client_app(broker) as client:
        sent = time.perf_counter()
        result = client.send_task("recommendations.tasks.train_model", args=[run.pk], queue=first.queue)

        def tuning():
            current = TrainingRun.objects.filter(pk=run.pk).values_list("status", "stage").first()
            return current[0] == "running" and current[1].startswith("tuning")

        assert wait_for(tuning, timeout=120, interval=0.1)
        first.process.kill()  # SIGKILL: no shutdown, no acknowledgement, nothing cleaned up
        print(f"\nkilled the worker {time.perf_counter() - sent:.1f} s after sending train_model, while tuning")
        first.process.wait(timeout=10)
        killed_at = time.monotonic()
        queue = first.queue

    # The run was cut short: the active model, its artifact and the rows it serves are untouched.
    run.refresh_from_db()
    assert (run.status, run.attempts, run.version) == ("running", 1, None)
    assert run.progress < 0.9 and run.finished_at is None, run.stage  # killed before the artifact was saved
    assert list(ModelVersion.objects.filter(is_active=True)) == [active]
    assert ModelVersion.objects.count() == 1
    assert default_storage.listdir("models")[1] == [active.artifact.name.removeprefix("models/")]
    serving.forget_loaded()
    served = serving.active()
    assert served is not None and served.version == active
    rows.invalidate_all()  # no cached copy: recompute from the model loaded from storage
    UserRows.objects.filter(user=drama_fan).delete()
    assert rows.for_viewer(drama_fan) == home_before
    assert UserRows.objects.get(user=drama_fan).model_version == active

    # A new worker on the same queue gets the unacknowledged task again once the visibility
    # timeout has passed (it checks when it starts); the run starts again from the top.
    time.sleep(max(0.0, VISIBILITY_TIMEOUT + 1 - (time.monotonic() - killed_at)))
    with worker(broker, shared_storage, queue=queue, **short_visibility) as second, client_app(broker) as client:
        redelivered = client.AsyncResult(result.id)
        started = time.perf_counter()
        outcome = redelivered.get(timeout=180)  # no new message: the killed worker's one, handed out again
        seconds = time.perf_counter() - started
        received = [line for line in second.lines if f"[{result.id}] received" in line]
    print(f"\nredelivered train_model finished {seconds:.1f} s after the second worker was ready")

    assert len(received) == 1, received  # the same message (task id), not a new one
    run.refresh_from_db()
    assert run.status == "succeeded" and run.attempts == 2, run.error
    assert outcome == {"run": run.pk, "status": "succeeded", "version": run.version_id}
    assert ModelVersion.objects.count() == 2 and ModelVersion.objects.filter(is_active=True).count() == 1
    assert default_storage.exists(run.version.artifact.name)
    # The same configuration learnt from the same data: the new version stays inactive, and so
    # leaves every user's precomputed rows as they are.
    assert not run.version.is_active and list(ModelVersion.objects.filter(is_active=True)) == [active]
    assert take_tasks_sent_by(broker, result.id) == []
