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


class ListItem(models.Model):
    """A title a user saved to "My list" to watch or study later."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_items")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="list_items")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "title"], name="listitem_unique_user_title")]

    def __str__(self) -> str:
        return f"{self.user_id} saved {self.title_id}"


class SearchQuery(models.Model):
    """What someone typed into search, and how many results it found (zero-result queries tell
    editors what the catalogue lacks). Anonymous searches keep only the session key."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="searches"
    )
    session_key = models.CharField(max_length=40, blank=True)
    query = models.CharField(max_length=200)
    result_count = models.PositiveIntegerField(default=0)
    timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-timestamp"]
        verbose_name_plural = "search queries"
        indexes = [models.Index(fields=["user", "-timestamp"], name="search_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.query!r} ({self.result_count})"


class Impression(models.Model):
    """A recommended title shown in a row (impression) or followed from it (click).

    Row, position and model version let operators compute click rates per row and per model.
    """

    class Kind(models.TextChoices):
        IMPRESSION = "impression", "Shown"
        CLICK = "click", "Clicked"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="impressions"
    )
    session_key = models.CharField(max_length=40, blank=True)
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="impressions")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.IMPRESSION)
    row = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField()
    model_version = models.CharField(max_length=64, blank=True)
    timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["row", "kind", "-timestamp"], name="impression_row_kind_idx"),
            models.Index(fields=["user", "-timestamp"], name="impression_user_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.title_id} in {self.row}#{self.position}"


class ModelVersion(models.Model):
    """One trained recommender: what it is, what it learnt from, how well it did on held-out
    events, and its saved artifact (through Django's storage API, so it can live on shared storage).

    At most one version is active: the one the site serves. A new version becomes active only if
    it beats the active one on the same held-out split; staff can activate or roll back any
    version in the admin. Versions are never deleted by training.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CANDIDATE = "candidate", "Kept, not active"  # lost to the active one, or retired
        FAILED = "failed", "Failed"

    algorithm = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    # Users, titles and events it learnt from, and how many users' events privacy left out.
    data_counts = models.JSONField(default=dict, blank=True)
    # A digest of that training data: a version with the active one's configuration is worth
    # activating only when it learnt from different data (new events, titles or tags).
    data_fingerprint = models.CharField(max_length=64, blank=True)
    # Held-out metrics: {"all": {"ndcg@10": ...}, "warm": {...}, "new": {...}}.
    metrics = models.JSONField(default=dict, blank=True)
    # The active version's configuration scored on the same split when this one was trained.
    champion_metrics = models.JSONField(default=dict, blank=True)
    training_seconds = models.FloatField(default=0.0)
    artifact = models.FileField(upload_to="models/", blank=True)
    is_active = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CANDIDATE)
    decision = models.TextField(blank=True)  # why it was (or was not) activated
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="one_active_model")
        ]

    def __str__(self) -> str:
        return f"{self.algorithm} v{self.pk}" + (" (active)" if self.is_active else "")

    @property
    def ndcg(self) -> float | None:
        return (self.metrics.get("all") or {}).get("ndcg@10")


class TrainingRun(models.Model):
    """One request to train a recommender, and its progress: what the admin and `manage.py train`
    show while it runs. A run that fails leaves the active model as it was."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    algorithm = models.CharField(max_length=32)
    options = models.JSONField(default=dict, blank=True)  # e.g. max_configs
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=200, blank=True)
    progress = models.FloatField(default=0.0)  # 0–1
    attempts = models.PositiveSmallIntegerField(default=0)  # >1: a worker died and the task was redelivered
    error = models.TextField(blank=True)
    trigger = models.CharField(max_length=16, default="manual")  # manual | schedule | admin | command
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.ForeignKey(ModelVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"train {self.algorithm} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class UserRows(models.Model):
    """A user's precomputed home rows (with reasons), as served; the cache holds a copy."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rows")
    rows = models.JSONField(default=list)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.SET_NULL, null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "user rows"

    def __str__(self) -> str:
        return f"rows for {self.user_id} @ {self.computed_at:%Y-%m-%d %H:%M}"
