"""Celery entry points: thin wrappers that take ids, call one service each, and own retries and
time limits. Late acknowledgement (settings) means a task whose worker dies is delivered again;
every task here is safe to run twice."""

from celery import shared_task
from django.conf import settings

from recommendations import rows, services, training


@shared_task(
    acks_late=True, time_limit=15 * 60, soft_time_limit=14 * 60, autoretry_for=(ConnectionError,), max_retries=3
)
def refresh_title_stats() -> int:
    return services.refresh_title_stats()


@shared_task(acks_late=True, time_limit=settings.TRAINING_TIME_LIMIT, soft_time_limit=settings.TRAINING_TIME_LIMIT - 60)
def train_model(run_id: int) -> dict:
    """Train one queued run. A redelivered or repeated run that already finished is not trained
    again; its precompute is sent again (at least once: the first worker may have died before)."""
    run = training.run_training(run_id)
    if training.changed_serving(run):
        rows.schedule_precompute()
    return {"run": run.pk, "status": run.status, "version": run.version_id}


@shared_task(acks_late=True, time_limit=settings.TRAINING_TIME_LIMIT, soft_time_limit=settings.TRAINING_TIME_LIMIT - 60)
def scheduled_training(algorithm: str = "hybrid", **options) -> dict:
    """What celery beat runs (schedule editable in the admin: Periodic tasks)."""
    run = training.start_run(algorithm, trigger="schedule", options=options)
    return train_model(run.pk)


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100, autoretry_for=(ConnectionError,), max_retries=3)
def refresh_user_rows(user_id: int) -> bool:
    return rows.refresh_by_id(user_id)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def refresh_rows_chunk(user_ids: list[int]) -> int:
    return rows.refresh_chunk(user_ids)


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def precompute_rows(chunk_size: int = 500) -> int:
    """Fan out: one refresh_rows_chunk task per `chunk_size` personalised users; returns how many chunks."""
    chunks = 0
    for chunk in rows.personal_user_chunks(chunk_size):
        refresh_rows_chunk.delay(chunk)
        chunks += 1
    return chunks
