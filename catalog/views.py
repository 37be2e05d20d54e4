"""Public catalogue pages. Each view parses the request, calls selectors and renders; nothing more."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from catalog import search, selectors
from catalog.filters import BrowseForm, SearchForm
from catalog.models import Title
from catalog.posters import poster_svg
from recommendations import activity, rows, serving, similar
from recommendations import selectors as my_activity
from recommendations.activity import Actor


def home(request: HttpRequest) -> HttpResponse:
    # Titles finished or dismissed since the rows were computed are dropped at once.
    page_rows = rows.hydrate(rows.for_viewer(request.user), exclude=my_activity.hidden_title_ids(request.user))
    featured = next((row["titles"][0] for row in page_rows if row["key"] == "featured"), None)
    shelves = [row for row in page_rows if row["key"] != "featured"]
    shown = [(row["key"], row["titles"]) for row in shelves]
    activity.record_quietly(activity.record_impressions, Actor.of(request), shown, model_version=serving.active_label())
    return render(request, "catalog/home.html", {"featured": featured, "rows": shelves})


def title_list(request: HttpRequest) -> HttpResponse:
    form = BrowseForm(request.GET)
    # An invalid filter is left out and named on the page; the 400 tells crawlers and tests the URL was wrong.
    filters, sort = form.filters(), form.sort_order()
    page = selectors.paginated_titles(page_number=request.GET.get("page"), filters=filters, sort=sort)
    context = {"form": form, "page": page, "kind": filters.kind, "sort": sort, "counts": selectors.kind_counts(filters)}
    return render(request, "catalog/title_list.html", context, status=200 if form.is_valid() else 400)


def search_results(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.query()
    page = search.paginated_results(query=query, page_number=request.GET.get("page")) if query else None
    if page is not None and page.number == 1:  # one record per search, not one per page of results
        activity.record_quietly(activity.record_search, Actor.of(request), query, page.paginator.count)
    context = {"form": form, "query": query, "page": page}
    return render(request, "catalog/search.html", context, status=200 if form.is_valid() else 400)


def search_suggest(request: HttpRequest) -> JsonResponse:
    form = SearchForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": form.error_text()}, status=400)
    query = form.query()
    return JsonResponse({"query": query, "suggestions": search.suggestions(query)})


def title_detail(request: HttpRequest, slug: str) -> HttpResponse:
    title = get_object_or_404(selectors.title_page_titles(viewer=request.user), slug=slug)
    if title.is_published:  # staff previewing a draft leave no trace in anyone's signals
        _record_visit(request, title)
    context = {
        "title": title,
        "facts": selectors.title_facts(title),
        "related": similar.more_like_this(title, hidden=my_activity.hidden_title_ids(request.user)),
        "state": my_activity.title_state(request.user, title),
        "stars": range(1, 6),
    }
    return render(request, "catalog/title_detail.html", context)


def _record_visit(request: HttpRequest, title: Title) -> None:
    """A view event, and a click when the visitor came from a row (?ref=<row>.<position>)."""
    actor = Actor.of(request)
    activity.record_quietly(activity.record_event, actor, title, "view")
    row, _, position = request.GET.get("ref", "").rpartition(".")
    if row and position.isdigit() and len(row) <= 64:
        activity.record_quietly(activity.record_click, actor, title, row=row, position=min(int(position), 1000))


def tag_detail(request: HttpRequest, facet: str, slug: str) -> HttpResponse:
    tag = get_object_or_404(selectors.tags_with_facet(), facet__slug=facet, slug=slug)
    filters = selectors.TitleFilters(tags=(tag,))
    page = selectors.paginated_titles(page_number=request.GET.get("page"), filters=filters)
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
