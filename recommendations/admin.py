"""Activity data in the admin: read-only for everyone, superusers included.

Events and statistics are written by the site and by importers; editing them by hand would make
training sets disagree with what users did. Editors have no permission on them at all.
"""

from django.contrib import admin
from django.core.cache import cache

from recommendations.models import Event, Impression, SearchQuery, TagApplication, TitleStats

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
