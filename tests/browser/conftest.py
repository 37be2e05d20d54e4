"""Real-browser tests: Playwright's sync API drives Debian's headless chromium against pytest-django's live_server.

Fixtures (see test_smoke.py for a worked example):

- ``page`` / ``phone_page``: a fresh page in its own browser context (1280x800 laptop, 390x844 phone), with
  ``base_url`` set to the live server, so ``page.goto("/titles/")`` works. ``new_page("laptop" | "phone", **opts)``
  makes more (e.g. two users side by side); extra keyword arguments go to ``Browser.new_context``.
- ``login(page, user)``: logs ``user`` in for that page's context (a real session cookie, no form).
- ``screenshot(page, name)``: saves ``<name>.png`` under ``$MARQUEE_SCREENSHOT_DIR`` (default: ``screenshots/``
  in the var directory, i.e. ``var/screenshots/``) and returns its path. Artefacts, never committed.
- ``browser``: the chromium instance, shared by every test in this package.

Data: create it in the test body with tests/factories.py as usual. Every test here is transactional (``live_server``
implies it; no django_db marker is needed), so what the test creates is committed and the server thread sees it.
Each transactional test ends with a flush, which also deletes the built-in facets that a data migration created;
the autouse ``_builtin_facets`` fixture creates them again before each test. ``serialized_rollback=True`` would not
do it here: while Playwright's event loop runs, Django hands the test thread a different connection object (see
``_allow_orm_beside_playwrights_loop``), one without the serialized contents, and the rollback silently restores
nothing.

Chromium comes from Debian (``apt-get install chromium``; .ci/run installs it), never from ``playwright install``.
``CHROMIUM_PATH`` overrides its location. Without it the tests skip, except in CI where that is a failure.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Headless, and nothing that calls home: the closed network refuses those connections and chromium stalls on them.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "laptop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
TIMEOUT_MS = 10_000  # Playwright waits up to 30 s by default; fail sooner, but leave room for a busy machine.


@pytest.fixture(scope="package", autouse=True)
def _allow_orm_beside_playwrights_loop():
    """Let the test body use the ORM while Playwright's event loop is running in the same thread.

    Playwright's sync API runs an asyncio event loop in the test's thread (on a greenlet) from start() to stop(), and
    Django raises SynchronousOnlyOperation for any ORM call made while a loop is running in the current thread, e.g.
    a factory in the test body or the transactional flush at teardown. Nothing async ever runs Django code here (the
    loop only talks to the browser; the live server answers from its own thread), so the check is a false alarm.
    The variable is set only while this package's tests run, as is Playwright itself (package scope): the rest of
    the suite keeps Django's check and never sees a running loop.

    A side effect to know about: Django keeps connections per thread, but per asyncio context while a loop is running
    in the thread, so the ORM in these tests uses another connection object (same test database) than fixtures that
    ran before Playwright started; attributes set on the old one are not there.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(_allow_orm_beside_playwrights_loop):
    """One headless chromium for the whole package; each test gets its own context (cookies, storage)."""
    if not os.access(CHROMIUM_PATH, os.X_OK):
        reason = f"chromium not found at {CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run should have installed it")
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _builtin_facets(builtin_facets):
    """Create the built-in facets again (the previous test's flush deleted them), as their data migration does."""


@pytest.fixture
def new_page(browser, live_server):
    """Factory: new_page("laptop" | "phone", **context_options) -> a page in a fresh context on the live server."""
    contexts = []

    def make(size: str = "laptop", **context_options):
        options = {"base_url": live_server.url, **VIEWPORTS[size], **context_options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A laptop-sized (1280x800) page; relative URLs go to the live server."""
    return new_page("laptop")


@pytest.fixture
def phone_page(new_page):
    """A phone-sized (390x844, touch) page; relative URLs go to the live server."""
    return new_page("phone")


@pytest.fixture
def login(live_server):
    """login(page_or_context, user): give that browser context a logged-in session for user."""
    from django.conf import settings
    from django.test import Client

    def log_in(target, user) -> None:
        client = Client()
        client.force_login(user)  # writes the session to the test database, which the live server reads
        context = getattr(target, "context", target)  # a Page, or a BrowserContext itself
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])

    return log_in


def screenshot_dir() -> Path:
    from django.conf import settings

    return Path(os.environ.get("MARQUEE_SCREENSHOT_DIR") or settings.VAR_DIR / "screenshots")


@pytest.fixture
def screenshot():
    """screenshot(page, name, full_page=True) -> the path of the PNG it wrote (name is made file-safe)."""
    directory = screenshot_dir()
    directory.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, full_page: bool = True) -> Path:
        path = directory / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") + ".png")
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
