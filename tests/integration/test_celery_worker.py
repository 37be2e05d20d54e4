"""A real Celery worker process on the local Redis runs a task against the test database."""

import pytest

from recommendations.models import Event, TitleStats
from tests.factories import EventFactory, TitleFactory
from tests.integration_support import celery_worker, client_app, require_redis

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_worker_on_redis_sees_a_task_through():
    broker = require_redis()
    title = TitleFactory()
    EventFactory.create_batch(3, title=title, type=Event.Type.RATE, value=4)

    with celery_worker(broker) as (queue, process), client_app(broker) as client:
        result = client.send_task("recommendations.tasks.refresh_title_stats", queue=queue)
        try:
            assert result.get(timeout=60) == 1
        except Exception:
            process.terminate()
            print(process.stdout.read().decode(errors="replace")[-4000:])
            raise

    # The worker wrote through its own database connection; we read it back through ours.
    stats = TitleStats.objects.get(title=title)
    assert (stats.event_count, stats.rating_mean) == (3, 4.0)
