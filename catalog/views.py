"""Public catalogue pages. Each view parses the request, calls selectors and renders; nothing more."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from catalog import selectors
from catalog.models import Title
from catalog.posters import poster_svg


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/home.html", {"home": selectors.home()})


def title_list(request: HttpRequest) -> HttpResponse:
    kind = _choice(request.GET.get("kind"), Title.Kind.values)
    sort = _choice(request.GET.get("sort"), selectors.SORTS, default="title")
    page = selectors.paginated_titles(page_number=request.GET.get("page"), kind=kind, sort=sort)
    context = {"page": page, "kind": kind, "sort": sort, "counts": selectors.kind_counts()}
    return render(request, "catalog/title_list.html", context)


def title_detail(request: HttpRequest, slug: str) -> HttpResponse:
    title = get_object_or_404(selectors.title_page_titles(viewer=request.user), slug=slug)
    context = {"title": title, "facts": selectors.title_facts(title), "related": selectors.related_titles(title)}
    return render(request, "catalog/title_detail.html", context)


def tag_detail(request: HttpRequest, facet: str, slug: str) -> HttpResponse:
    tag = get_object_or_404(selectors.tags_with_facet(), facet__slug=facet, slug=slug)
    page = selectors.paginated_titles(page_number=request.GET.get("page"), tag=tag)
    context = {"tag": tag, "page": page, "siblings": selectors.sibling_tags(tag)}
    return render(request, "catalog/tag_detail.html", context)


def poster(request: HttpRequest, slug: str) -> HttpResponse:
    title = get_object_or_404(selectors.poster_titles(viewer=request.user), slug=slug)
    label = next((tag.name for tag in title.tags.all()), "")
    response = HttpResponse(poster_svg(title, label=label), content_type="image/svg+xml")
    # The art depends only on the title, so browsers may keep it; a draft's stays out of shared caches.
    if title.is_published:
        patch_cache_control(response, public=True, max_age=86400)
    else:
        patch_cache_control(response, private=True, max_age=0)
    return response


def _choice(value: str | None, allowed, default: str = "") -> str:
    return value if value in allowed else default
