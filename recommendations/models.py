"""Activity data (events) that every recommender learns from."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Event(models.Model):
    """One thing a user did with a title: viewed it, watched part of it, finished, enrolled, rated...

    `value` depends on the type: a rating (1–5, halves allowed for imported data), a progress
    fraction (0–1), or nothing.
    """

    class Type(models.TextChoices):
        VIEW = "view", "Viewed"
        PROGRESS = "progress", "Progress"
        COMPLETE = "complete", "Completed"
        ENROL = "enrol", "Enrolled"
        RATE = "rate", "Rated"
        NOT_INTERESTED = "not_interested", "Not interested"

    # No single-column indexes on the foreign keys: the (user, time) and (title, time) indexes
    # below start with them and serve the same lookups; each extra index slows bulk imports.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events", db_index=False)
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField(max_length=16, choices=Type.choices)
    value = models.FloatField(null=True, blank=True)
    timestamp = models.DateTimeField(default=timezone.now)
    # Data set an imported event came from ("ml-100k", "demo"...); empty for live activity.
    source = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["user", "-timestamp"], name="event_user_time_idx"),
            models.Index(fields=["title", "-timestamp"], name="event_title_time_idx"),
            models.Index(fields=["type", "-timestamp"], name="event_type_time_idx"),
            # Trending windows and the admin's newest-first list scan by time alone.
            models.Index(fields=["-timestamp"], name="event_time_idx"),
        ]
        constraints = [
            # Imported events are keyed by what they are, so a re-import inserts nothing twice.
            models.UniqueConstraint(
                fields=["source", "user", "title", "type", "timestamp"],
                condition=~models.Q(source=""),
                name="event_unique_imported",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.type} {self.title_id} @ {self.timestamp:%Y-%m-%d %H:%M}"


class TitleStats(models.Model):
    """Per-title activity counts, refreshed by a Celery task; feeds popularity and the admin."""

    title = models.OneToOneField("catalog.Title", on_delete=models.CASCADE, related_name="stats", primary_key=True)
    event_count = models.PositiveIntegerField(default=0)
    user_count = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_mean = models.FloatField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "title stats"

    def __str__(self) -> str:
        return f"stats for {self.title_id}"


class TagApplication(models.Model):
    """A user attaching a free tag to a title (MovieLens user tags; later, user-entered tags)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tag_applications")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="tag_applications")
    tag = models.ForeignKey("catalog.Tag", on_delete=models.CASCADE, related_name="applications")
    timestamp = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-timestamp"]
        indexes = [models.Index(fields=["title", "tag"], name="tagapp_title_tag_idx")]
        constraints = [models.UniqueConstraint(fields=["user", "title", "tag"], name="tagapp_unique_user_title_tag")]

    def __str__(self) -> str:
        return f"{self.user_id} tagged {self.title_id} with {self.tag_id}"
