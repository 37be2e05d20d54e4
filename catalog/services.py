"""Write-side workflows for the catalogue. Admin actions, views and commands call these.

Every function takes keyword-only arguments, runs in one transaction and returns how many rows it
changed, so that callers can report "Added tag X to 12 titles" without counting again.

Functions that act on many titles take `title_ids`: a list of primary keys or a `values("pk")`
queryset. A queryset stays a subquery, so "select all 80,000 titles" never turns into an `IN` list
longer than the database accepts.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, QuerySet
from django.utils import timezone

from catalog.models import Tag, TagSynonym, Title

# The one place the catalogue reaches into recommendations: a merge must carry users' tags along.
from recommendations.models import TagApplication

TitleIds = Iterable[int] | QuerySet
TitleTag = Title.tags.through  # the implicit (title, tag) table behind Title.tags


def _titles(title_ids: TitleIds) -> QuerySet:
    return Title.objects.filter(pk__in=title_ids)


@transaction.atomic
def publish_titles(*, title_ids: TitleIds) -> int:
    """Publish titles; the first publication date is kept, so it is only set where it is empty."""
    now = timezone.now()
    _titles(title_ids).filter(published_at=None).update(published_at=now, updated_at=now)
    return _titles(title_ids).filter(is_published=False).update(is_published=True, updated_at=now)


@transaction.atomic
def unpublish_titles(*, title_ids: TitleIds) -> int:
    # published_at stays: it records when a title first went out, and republishing keeps it.
    return _titles(title_ids).filter(is_published=True).update(is_published=False, updated_at=timezone.now())


@transaction.atomic
def set_staff_pick(*, title_ids: TitleIds, is_staff_pick: bool) -> int:
    titles = _titles(title_ids).exclude(is_staff_pick=is_staff_pick)
    return titles.update(is_staff_pick=is_staff_pick, updated_at=timezone.now())


@transaction.atomic
def add_tag_to_titles(*, tag: Tag, title_ids: TitleIds) -> int:
    """Attach `tag` to every title that lacks it; returns how many titles gained it."""
    missing = list(_titles(title_ids).exclude(tags=tag).values_list("pk", flat=True))
    rows = [TitleTag(title_id=pk, tag_id=tag.pk) for pk in missing]
    # ignore_conflicts: an editor adding the same tag at the same moment is not an error.
    TitleTag.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(missing)


@transaction.atomic
def remove_tag_from_titles(*, tag: Tag, title_ids: TitleIds) -> int:
    """Detach `tag` from the titles; returns how many titles lost it."""
    deleted, _ = TitleTag.objects.filter(tag=tag, title__in=_titles(title_ids)).delete()
    return deleted


@dataclass(frozen=True)
class MergeResult:
    titles: int  # titles that carried a merged tag and now carry the survivor
    applications_moved: int  # users' tag applications re-pointed at the survivor
    applications_dropped: int  # duplicates of an application the user already had on the survivor
    synonyms: int  # synonyms the survivor gained (moved ones and the merged tags' own names)
    tags_deleted: int


@transaction.atomic
def merge_tags(*, surviving: Tag, merged: Iterable[Tag]) -> MergeResult:
    """Fold `merged` tags into `surviving`: titles, users' applications and synonyms move, then the
    merged tags are deleted. Every tag must belong to the survivor's facet; the survivor may appear
    in `merged` (an admin selection usually includes it) and is then ignored.
    """
    merged = [tag for tag in merged if tag.pk != surviving.pk]
    check_tags_mergeable(surviving=surviving, merged=merged)
    merged_ids = [tag.pk for tag in merged]
    # Lock the tags (a no-op on SQLite) so that a concurrent edit cannot re-tag a title halfway through.
    list(Tag.objects.select_for_update().filter(pk__in=[surviving.pk, *merged_ids]).values_list("pk"))

    titles = _move_titles(surviving=surviving, merged_ids=merged_ids)
    moved, dropped = _move_applications(surviving=surviving, merged_ids=merged_ids)
    synonyms = _move_synonyms(surviving=surviving, merged=merged)
    deleted, _ = Tag.objects.filter(pk__in=merged_ids).delete()
    return MergeResult(
        titles=titles,
        applications_moved=moved,
        applications_dropped=dropped,
        synonyms=synonyms,
        tags_deleted=len(merged_ids),
    )


def check_tags_mergeable(*, surviving: Tag, merged: Iterable[Tag]) -> None:
    """Raise ValidationError unless `merged` is non-empty and shares the survivor's facet."""
    merged = [tag for tag in merged if tag.pk != surviving.pk]
    if not merged:
        raise ValidationError("Choose at least one tag other than the surviving tag to merge.")
    # A genre and a mood that share a name mean different things, so facets never mix.
    other_facets = sorted({str(tag.facet) for tag in merged if tag.facet_id != surviving.facet_id})
    if other_facets:
        raise ValidationError(
            f"Tags can only be merged within one facet: {surviving} is in {surviving.facet}, "
            f"but some tags are in {', '.join(other_facets)}."
        )


def _move_titles(*, surviving: Tag, merged_ids: list[int]) -> int:
    # Insert one survivor row per title rather than re-pointing rows: a title carrying two merged
    # tags (or a merged tag and the survivor) would otherwise end up with duplicate rows.
    title_ids = list(TitleTag.objects.filter(tag_id__in=merged_ids).values_list("title_id", flat=True).distinct())
    already = set(TitleTag.objects.filter(tag=surviving, title_id__in=title_ids).values_list("title_id", flat=True))
    rows = [TitleTag(title_id=pk, tag_id=surviving.pk) for pk in title_ids if pk not in already]
    TitleTag.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(title_ids)  # the merged tags' own rows go when the tags are deleted


def _move_applications(*, surviving: Tag, merged_ids: list[int]) -> tuple[int, int]:
    """Re-point users' applications; per (user, title) keep the oldest row, since (user, title, tag)
    is unique and the survivor can hold only one."""
    from_merged = TagApplication.objects.filter(tag_id__in=merged_ids)
    on_survivor = TagApplication.objects.filter(
        tag=surviving, user_id=OuterRef("user_id"), title_id=OuterRef("title_id")
    )
    keep = (
        from_merged.exclude(Exists(on_survivor))
        .order_by()  # the default ordering would otherwise join the GROUP BY
        .values("user_id", "title_id")
        .annotate(keep=Min("pk"))
        .values("keep")
    )
    moved = TagApplication.objects.filter(pk__in=keep).update(tag=surviving)
    dropped, _ = from_merged.delete()
    return moved, dropped


def _move_synonyms(*, surviving: Tag, merged: list[Tag]) -> int:
    # Names are compared ignoring case, as the database's unique constraint does.
    taken = {name.lower() for name in surviving.synonyms.values_list("name", flat=True)} | {surviving.name.lower()}
    moving: list[int] = []
    for synonym in TagSynonym.objects.filter(tag__in=merged).order_by("pk"):
        if synonym.name.lower() not in taken:
            taken.add(synonym.name.lower())
            moving.append(synonym.pk)
    TagSynonym.objects.filter(pk__in=moving).update(tag=surviving)
    # The merged tags' own names become synonyms, so importers still resolve the old spelling.
    created = []
    for tag in merged:
        if tag.name.lower() not in taken:
            taken.add(tag.name.lower())
            created.append(TagSynonym(tag=surviving, name=tag.name))
    TagSynonym.objects.bulk_create(created)
    return len(moving) + len(created)
