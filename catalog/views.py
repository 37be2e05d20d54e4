from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control

from catalog import selectors
from catalog.posters import poster_svg


def home(request):
    return render(request, "catalog/home.html", selectors.home_sections())


def title_list(request):
    page = selectors.paginated_titles(page_number=request.GET.get("page"), kind=request.GET.get("kind"))
    return render(request, "catalog/title_list.html", {"page": page, "kind": request.GET.get("kind", "")})


def title_detail(request, slug: str):
    title = get_object_or_404(selectors.published_titles_with_tags(), slug=slug)
    return render(request, "catalog/title_detail.html", {"title": title})


def tag_detail(request, facet: str, slug: str):
    tag = get_object_or_404(selectors.tags_with_facet(), facet__slug=facet, slug=slug)
    page = selectors.paginated_titles(page_number=request.GET.get("page"), tag=tag)
    return render(request, "catalog/tag_detail.html", {"tag": tag, "page": page})


@cache_control(max_age=86400, public=True)
def poster(request, slug: str):
    title = get_object_or_404(selectors.published_titles_with_tags(), slug=slug)
    return HttpResponse(poster_svg(title), content_type="image/svg+xml")
