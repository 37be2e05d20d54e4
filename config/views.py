"""Project-level views that belong to no app."""

from django.http import HttpRequest, HttpResponse


def health(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers, and the trivial base of the load benchmarks: no database,
    no session, no template."""
    return HttpResponse("ok", content_type="text/plain")
