"""Fixed-window rate limits on the shared cache: login, sign-up and event recording.

A counter per (limit, client) lives in the cache for one window. With Redis the increment is
atomic across workers; the local-memory cache of the embedded setup limits per process, which is
enough for one developer's server. Limits come from settings.RATE_LIMITS so that tests and
operators can tune them: {"login": (10, 300)} means 10 requests per 300 seconds.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

DEFAULT_LIMITS = {
    "login": (10, 300),  # per client address and per username
    "signup": (5, 3600),
    "events": (120, 60),  # per user or session: a player reports a few times a minute
}


def limit_for(name: str) -> tuple[int, int]:
    return {**DEFAULT_LIMITS, **getattr(settings, "RATE_LIMITS", {})}[name]


def client_address(request: HttpRequest) -> str:
    # Behind a proxy, configure it to set REMOTE_ADDR (gunicorn's --forwarded-allow-ips); trusting
    # X-Forwarded-For from anyone would let a client pick a fresh address per attempt.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(name: str, key: str) -> bool:
    """Count one request for `key` under limit `name`; False once the limit is exceeded."""
    allowed, window = limit_for(name)
    cache_key = "ratelimit:" + name + ":" + hashlib.sha256(key.encode()).hexdigest()[:32]
    # add() is a no-op when the key exists, so concurrent first requests don't reset the window.
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count <= allowed


def too_many_requests(request: HttpRequest, name: str, *, json: bool = False) -> HttpResponse:
    _, window = limit_for(name)
    message = "Too many attempts. Please wait a few minutes and try again."
    if json:
        response = JsonResponse({"error": message}, status=429)
    else:
        response = TemplateResponse(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(window)
    return response


def rate_limited(name: str, *, keys, methods=("POST",), json: bool = False):
    """View decorator: `keys(request)` returns the identities to count (address, username...);
    the request is refused with 429 when any of them is over the limit."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                results = [hit(name, key) for key in keys(request) if key]
                if not all(results):
                    return too_many_requests(request, name, json=json)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
