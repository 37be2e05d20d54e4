"""Celery entry points: thin wrappers that call one service each and own retries and time limits."""

from celery import shared_task

from recommendations import services


@shared_task(
    acks_late=True, time_limit=15 * 60, soft_time_limit=14 * 60, autoretry_for=(ConnectionError,), max_retries=3
)
def refresh_title_stats() -> int:
    return services.refresh_title_stats()
