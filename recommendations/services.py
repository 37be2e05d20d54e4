"""Write-side workflows for activity data. Tasks and views call these; they hold no logic themselves."""

from django.db import transaction
from django.db.models import Avg, Count, Max, Q

from recommendations.models import Event, TitleStats

_STATS_FIELDS = ["event_count", "user_count", "rating_count", "rating_mean", "last_event_at"]


@transaction.atomic
def refresh_title_stats() -> int:
    """Recompute per-title activity counts from events; returns how many titles have stats.

    One aggregate query and one upsert: safe to run again at any time (idempotent), so a retried
    or duplicated task does no harm. Titles whose events all disappeared (erased users) are dropped.
    """
    rows = (
        Event.objects.values("title_id")
        .annotate(
            event_count=Count("id"),
            user_count=Count("user_id", distinct=True),
            rating_count=Count("id", filter=Q(type=Event.Type.RATE)),
            rating_mean=Avg("value", filter=Q(type=Event.Type.RATE)),
            last_event_at=Max("timestamp"),
        )
        .order_by()
    )
    stats = [TitleStats(title_id=row.pop("title_id"), **row) for row in rows]
    TitleStats.objects.exclude(title_id__in=[s.title_id for s in stats]).delete()
    TitleStats.objects.bulk_create(
        stats,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["title"],
        update_fields=_STATS_FIELDS,
    )
    return len(stats)
