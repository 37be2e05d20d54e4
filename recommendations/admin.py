"""Activity data in the admin: read-only for everyone, superusers included.

Events and statistics are written by the site and by importers; editing them by hand would make
training sets disagree with what users did. Editors have no permission on them at all.
"""

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.db import transaction

from recommendations import rows, tasks, training
from recommendations.models import Event, Impression, ModelVersion, SearchQuery, TagApplication, TitleStats, TrainingRun

LIVE = "-"  # the filter value for rows with no source (live activity); "" would mean "all"


class ReadOnlyAdmin(admin.ModelAdmin):
    # There may be millions of rows: skip the unfiltered COUNT(*) shown beside a filtered count.
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SourceListFilter(admin.SimpleListFilter):
    """Filter by data set; the distinct sources are cached because finding them scans the table."""

    title = "source"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        model = model_admin.model
        key = f"admin:{model._meta.label_lower}:sources"
        sources = cache.get_or_set(
            key, lambda: sorted(model.objects.order_by().values_list("source", flat=True).distinct()), 600
        )
        return [(source or LIVE, source or "live (no source)") for source in sources]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(source="" if self.value() == LIVE else self.value())


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("timestamp", "user", "title", "type", "value", "source")
    list_filter = ("type", SourceListFilter)
    list_select_related = ("user", "title")
    raw_id_fields = ("user", "title")
    date_hierarchy = "timestamp"


@admin.register(TagApplication)
class TagApplicationAdmin(ReadOnlyAdmin):
    list_display = ("timestamp", "user", "title", "tag", "source")
    list_filter = (SourceListFilter,)
    list_select_related = ("user", "title", "tag__facet")
    raw_id_fields = ("user", "title", "tag")
    date_hierarchy = "timestamp"


@admin.register(TitleStats)
class TitleStatsAdmin(ReadOnlyAdmin):
    list_display = ("title", "event_count", "user_count", "rating_count", "rating_mean", "last_event_at", "updated_at")
    list_select_related = ("title",)
    raw_id_fields = ("title",)
    ordering = ("-event_count",)
    search_fields = ("title__title",)


@admin.register(SearchQuery)
class SearchQueryAdmin(ReadOnlyAdmin):
    """What people look for; sorting by results finds what the catalogue lacks (zero results)."""

    list_display = ("timestamp", "query", "result_count", "user")
    list_select_related = ("user",)
    search_fields = ("query",)
    raw_id_fields = ("user",)
    date_hierarchy = "timestamp"
    ordering = ("-timestamp",)


@admin.register(Impression)
class ImpressionAdmin(ReadOnlyAdmin):
    list_display = ("timestamp", "kind", "row", "position", "title", "model_version", "user")
    list_filter = ("kind", "row")
    list_select_related = ("user", "title")
    raw_id_fields = ("user", "title")
    date_hierarchy = "timestamp"


# --- Model versions and training runs --------------------------------------------------------


def _metric(version, key: str, group: str = "all"):
    value = (version.metrics.get(group) or {}).get(key)
    return "—" if value is None else f"{value:.4f}"


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Operators see how each version did and choose which one serves: activate any version (a
    roll back is activating an older one). Versions are written by training, never by hand."""

    list_display = (
        "__str__",
        "algorithm",
        "ndcg",
        "recall",
        "coverage",
        "new_users",
        "training_seconds",
        "is_active",
        "created_at",
    )
    list_filter = ("algorithm", "is_active", "status")
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ["activate_selected", "roll_back"]

    @admin.display(description="nDCG@10")
    def ndcg(self, version):
        return _metric(version, "ndcg@10")

    @admin.display(description="Recall@20")
    def recall(self, version):
        return _metric(version, "recall@20")

    @admin.display(description="Coverage@10")
    def coverage(self, version):
        return _metric(version, "coverage@10")

    @admin.display(description="nDCG@10, new users")
    def new_users(self, version):
        return _metric(version, "ndcg@10", "new")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Activate the selected version (serve it now)", permissions=["change"])
    def activate_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", level=messages.WARNING)
            return
        version = training.activate(queryset.get(), reason=f"activated by {request.user} in the admin")
        rows.schedule_precompute()
        self.message_user(request, f"{version} is now active.", level=messages.SUCCESS)

    @admin.action(description="Roll back to the previously active version", permissions=["change"])
    def roll_back(self, request, queryset):
        version = training.rollback()
        if version is None:
            self.message_user(request, "No earlier active version to roll back to.", level=messages.WARNING)
            return
        rows.schedule_precompute()
        self.message_user(request, f"Rolled back: {version} is active again.", level=messages.SUCCESS)


class TrainingRunForm(forms.ModelForm):
    algorithm = forms.ChoiceField(choices=[(name, name) for name in training.TRAINABLE], initial="hybrid")

    class Meta:
        model = TrainingRun
        fields = ["algorithm"]


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """Start a run with "Add training run" (it goes to the Celery workers); follow its progress here."""

    form = TrainingRunForm
    list_display = ("__str__", "algorithm", "status", "stage", "progress_percent", "attempts", "version", "created_at")
    list_filter = ("status", "algorithm", "trigger")

    @admin.display(description="progress")
    def progress_percent(self, run):
        return f"{run.progress:.0%}"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in TrainingRun._meta.fields] if obj else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        obj.trigger, obj.requested_by = "admin", request.user
        super().save_model(request, obj, form, change)
        run_id = obj.pk
        transaction.on_commit(lambda: tasks.train_model.delay(run_id))
