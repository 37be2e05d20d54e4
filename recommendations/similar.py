"""More like this: titles similar to one title, each with its reason.

First from the item-to-item model (people who watched this also watched), then from the content
model (shared tags), then, when no model is trained yet, titles sharing the most tags. Only
published titles; never the title itself; for a signed-in viewer, nothing they finished or hid.
"""

from __future__ import annotations

from django.db.models import Count

from catalog.models import Title
from catalog.selectors import CARD_FIELDS
from recommendations import serving

SIZE = 12


def more_like_this(title: Title, *, hidden: frozenset[int] = frozenset(), size: int = SIZE) -> list[Title]:
    picks: dict[int, str] = {}
    skip = set(hidden) | {title.pk}
    _from_model(serving.item_to_item(), title, skip, picks, f"Viewers of {title.title} also watched this", size)
    _from_model(serving.content(), title, skip, picks, None, size)
    if len(picks) < size:
        _from_tags(title, skip, picks, size)
    titles = Title.objects.published().only(*CARD_FIELDS).in_bulk(list(picks))
    result = []
    for pk, reason in picks.items():
        if pk in titles:
            titles[pk].reason = reason
            result.append(titles[pk])
    return result[:size]


def _from_model(served, title, skip, picks, reason, size) -> None:
    if served is None or title.pk not in served.model.items or len(picks) >= size:
        return
    similar, _ = served.model.similar_items(title.pk, k=size * 2)
    candidates = [int(pk) for pk in similar if int(pk) not in skip and int(pk) not in picks]
    shared = _shared_tags(title, candidates) if reason is None else {}
    for pk in candidates[: size - len(picks)]:
        picks[pk] = reason or (f"Also tagged {_join(shared[pk])}" if shared.get(pk) else "Similar in style and subject")


def _from_tags(title, skip, picks, size) -> None:
    tag_ids = [tag.pk for tag in title.tags.all()]  # prefetched by the title page
    if not tag_ids:
        return
    related = (
        Title.objects.published()
        .filter(tags__in=tag_ids)
        .exclude(pk__in=skip | set(picks))
        .annotate(shared=Count("tags"))
        .order_by("-shared", "-published_at", "pk")
        .values_list("pk", flat=True)[: size - len(picks)]
    )
    shared = _shared_tags(title, list(related))
    for pk in related:
        picks[pk] = f"Also tagged {_join(shared.get(pk, []))}" if shared.get(pk) else "Similar"


def _shared_tags(title: Title, candidates: list[int]) -> dict[int, list[str]]:
    """For each candidate, the names of tags it shares with `title` (genres first)."""
    mine = {tag.pk for tag in title.tags.all()}
    through = Title.tags.through.objects.filter(title_id__in=candidates, tag_id__in=mine)
    shared: dict[int, list[str]] = {}
    for pk, name in through.order_by("tag__facet__slug", "tag__name").values_list("title_id", "tag__name"):
        shared.setdefault(pk, []).append(name)
    return shared


def _join(names: list[str]) -> str:
    names = names[:2]
    return " and ".join(names)
