"""The editors' admin: titles, tags and their taxonomy, people.

Actions parse input and call catalog.services; counts shown in changelists are annotated as
correlated subqueries, which stay right whatever the facet filter or a search joins in.
"""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.utils.html import format_html

from catalog import services
from catalog.forms import MergeTagsForm, TagChoiceForm
from catalog.models import Credit, Facet, Person, Tag, TagSynonym, Title

# Fewer tags than this and a title is "under-tagged": content recommendations have little to go on.
WELL_TAGGED = 3
ACTION_TEMPLATE = "admin/catalog/action_form.html"


def count_of(model, fk: str) -> Coalesce:
    """Number of `model` rows whose `fk` points at the outer row, as a subquery expression."""
    counted = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def n_titles(count: int) -> str:
    return f"{count} title{pluralize(count)}"


def render_action_form(
    request: HttpRequest, modeladmin: admin.ModelAdmin, queryset: QuerySet, *, form, title: str, action: str
) -> TemplateResponse:
    """The intermediate page: echo the selection back so that "Apply" re-enters the same action."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "form": form,
        "media": modeladmin.media + form.media,
        "action": action,
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "count": queryset.count(),
        "preview": queryset[:20],
    }
    return TemplateResponse(request, ACTION_TEMPLATE, context)


# --- Titles -----------------------------------------------------------------------------------


class FacetListFilter(admin.SimpleListFilter):
    """Titles with at least one tag in the chosen facet."""

    title = "facet"
    parameter_name = "facet"

    def lookups(self, request, model_admin):
        return list(Facet.objects.values_list("slug", "name"))

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # EXISTS rather than a join: a join would repeat a title once per matching tag.
        in_facet = Title.tags.through.objects.filter(title_id=OuterRef("pk"), tag__facet__slug=self.value())
        return queryset.filter(Exists(in_facet))


class TaggingListFilter(admin.SimpleListFilter):
    """How well titles are tagged; under-tagged includes untagged, as both need an editor."""

    title = "tagging"
    parameter_name = "tagging"
    conditions = {
        "untagged": Q(tag_count=0),
        "under": Q(tag_count__lt=WELL_TAGGED),
        "well": Q(tag_count__gte=WELL_TAGGED),
    }

    def lookups(self, request, model_admin):
        return [
            ("untagged", "Untagged (no tags)"),
            ("under", f"Under-tagged (fewer than {WELL_TAGGED})"),
            ("well", f"Well tagged ({WELL_TAGGED} or more)"),
        ]

    def queryset(self, request, queryset):
        condition = self.conditions.get(self.value())
        return queryset if condition is None else queryset.filter(condition)


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 1
    autocomplete_fields = ("person",)
    fields = ("person", "role", "character", "order")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = (
        "thumbnail",
        "title",
        "kind",
        "year",
        "skill_level",
        "is_published",
        "is_staff_pick",
        "tag_count",
    )
    list_display_links = ("thumbnail", "title")
    list_filter = ("kind", "is_published", "is_staff_pick", "skill_level", FacetListFilter, TaggingListFilter)
    search_fields = ("title", "slug", "synopsis", "external_id", "provider", "instructor")
    autocomplete_fields = ("tags", "prerequisites")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("source", "external_id", "created_at", "updated_at")
    inlines = (CreditInline,)
    actions = ("publish", "unpublish", "mark_staff_pick", "unmark_staff_pick", "add_tag", "remove_tag")
    fieldsets = (
        (None, {"fields": ("kind", "title", "slug", "synopsis", "poster", "language")}),
        ("Release", {"fields": ("year", "release_date", "duration_minutes")}),
        (
            "Course",
            {
                "classes": ("collapse",),
                "description": "Only for courses.",
                "fields": ("skill_level", "provider", "instructor", "lesson_count", "prerequisites"),
            },
        ),
        ("Tags", {"fields": ("tags",)}),
        ("Publishing", {"fields": ("is_published", "published_at", "is_staff_pick")}),
        (
            "Import source",
            {
                "classes": ("collapse",),
                "description": "Set by importers, which use it to update rather than duplicate a title.",
                "fields": ("source", "external_id", "created_at", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tag_count=count_of(Title.tags.through, "title"))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "tags":
            # The widget renders each chosen tag as "Facet: name"; fetch the facets in the same query.
            kwargs["queryset"] = Tag.objects.select_related("facet")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="")
    def thumbnail(self, obj: Title) -> str:
        return format_html('<img src="{}" alt="" width="32" height="48" loading="lazy">', obj.poster_url)

    @admin.display(description="tags", ordering="tag_count")
    def tag_count(self, obj: Title) -> int:
        return obj.tag_count

    @admin.action(description="Publish selected titles", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.publish_titles(title_ids=queryset.values("pk"))
        self.message_user(request, f"Published {n_titles(count)}.", messages.SUCCESS)

    @admin.action(description="Unpublish selected titles", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.unpublish_titles(title_ids=queryset.values("pk"))
        self.message_user(request, f"Unpublished {n_titles(count)}.", messages.SUCCESS)

    @admin.action(description="Mark selected titles as staff picks", permissions=["change"])
    def mark_staff_pick(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.set_staff_pick(title_ids=queryset.values("pk"), is_staff_pick=True)
        self.message_user(request, f"Marked {n_titles(count)} as staff picks.", messages.SUCCESS)

    @admin.action(description="Unmark selected titles as staff picks", permissions=["change"])
    def unmark_staff_pick(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.set_staff_pick(title_ids=queryset.values("pk"), is_staff_pick=False)
        self.message_user(request, f"Removed {n_titles(count)} from staff picks.", messages.SUCCESS)

    @admin.action(description="Add a tag to selected titles…", permissions=["change"])
    def add_tag(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = TagChoiceForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return render_action_form(request, self, queryset, form=form, title="Add a tag", action="add_tag")
        tag = form.cleaned_data["tag"]
        count = services.add_tag_to_titles(tag=tag, title_ids=queryset.values("pk"))
        self.message_user(request, f"Added tag {tag} to {n_titles(count)}.", messages.SUCCESS)
        return None

    @admin.action(description="Remove a tag from selected titles…", permissions=["change"])
    def remove_tag(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        carried = Tag.objects.filter(
            pk__in=Title.tags.through.objects.filter(title__in=queryset.values("pk")).values("tag_id")
        )
        form = TagChoiceForm(request.POST if "apply" in request.POST else None, tags=carried)
        if not form.is_valid():
            return render_action_form(request, self, queryset, form=form, title="Remove a tag", action="remove_tag")
        tag = form.cleaned_data["tag"]
        count = services.remove_tag_from_titles(tag=tag, title_ids=queryset.values("pk"))
        self.message_user(request, f"Removed tag {tag} from {n_titles(count)}.", messages.SUCCESS)
        return None


# --- Taxonomy ---------------------------------------------------------------------------------


class TagSynonymInline(admin.TabularInline):
    model = TagSynonym
    extra = 1


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "facet", "slug", "usage_count", "synonym_list")
    list_filter = ("facet",)
    list_select_related = ("facet",)
    search_fields = ("name", "synonyms__name")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("facet", "name", "slug", "description")
    inlines = (TagSynonymInline,)
    actions = ("merge_tags",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("facet").prefetch_related("synonyms")
        return queryset.annotate(usage_count=count_of(Title.tags.through, "tag"))

    @admin.display(description="titles", ordering="usage_count")
    def usage_count(self, obj: Tag) -> int:
        return obj.usage_count

    @admin.display(description="synonyms")
    def synonym_list(self, obj: Tag) -> str:
        return ", ".join(synonym.name for synonym in obj.synonyms.all())

    @admin.action(description="Merge selected tags into…", permissions=["change", "delete"])
    def merge_tags(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        tags = list(queryset)
        facets = {tag.facet for tag in tags}
        if len(facets) != 1:
            names = ", ".join(sorted(str(facet) for facet in facets))
            self.message_user(request, f"Tags can only be merged within one facet; you chose {names}.", messages.ERROR)
            return None
        # Suggest the most used tag: the one editors most likely mean to keep.
        initial = {"surviving": max(tags, key=lambda tag: tag.usage_count)}
        form = MergeTagsForm(request.POST if "apply" in request.POST else None, facet=facets.pop(), initial=initial)
        if not form.is_valid():
            return render_action_form(request, self, queryset, form=form, title="Merge tags", action="merge_tags")
        surviving = form.cleaned_data["surviving"]
        try:
            result = services.merge_tags(surviving=surviving, merged=tags)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        self.message_user(request, _merge_message(surviving, result), messages.SUCCESS)
        return None


def _merge_message(surviving: Tag, result: services.MergeResult) -> str:
    merged = f"{result.tags_deleted} tag{pluralize(result.tags_deleted)}"
    return (
        f"Merged {merged} into {surviving}: {n_titles(result.titles)}, "
        f"{result.applications_moved} user tags moved ({result.applications_dropped} duplicates dropped), "
        f"{result.synonyms} synonyms added."
    )


@admin.register(Facet)
class FacetAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "tag_count", "is_builtin")
    list_filter = ("is_builtin",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "description", "is_builtin")
    readonly_fields = ("is_builtin",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tag_count=count_of(Tag, "facet"))

    def get_readonly_fields(self, request, obj=None):
        # Importers look built-in facets up by slug, so their slugs are fixed.
        if obj is not None and obj.is_builtin:
            return (*self.readonly_fields, "slug")
        return self.readonly_fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None and obj.is_builtin else self.prepopulated_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        # Also guards "delete selected": Django asks this for every object it would delete.
        if obj is not None and obj.is_builtin:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset.filter(is_builtin=False))

    @admin.display(description="tags", ordering="tag_count")
    def tag_count(self, obj: Facet) -> int:
        return obj.tag_count


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "credit_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(credit_count=count_of(Credit, "person"))

    @admin.display(description="credits", ordering="credit_count")
    def credit_count(self, obj: Person) -> int:
        return obj.credit_count
