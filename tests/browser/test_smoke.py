"""Smoke test for the browser-test setup: real chromium, the live server, styles, navigation, keyboard access."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.factories import CourseFactory, TitleFactory

pytestmark = pytest.mark.browser

THEME_BACKGROUND = "rgb(15, 17, 21)"  # --bg: #0f1115 in static/css/marquee.css


@pytest.fixture
def titles():
    # One for each shelf the home page shows without any activity: the featured staff pick, new releases, courses.
    return [
        TitleFactory(title="The Quiet Harbour", year=2019, is_staff_pick=True, synopsis="A lighthouse keeper's year."),
        TitleFactory(title="Midnight Circuit", year=2021, release_date=datetime.date(2021, 5, 1)),
        CourseFactory(title="Practical Python"),
    ]


def body_background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_home_and_browse_on_a_laptop(page, live_server, titles, screenshot):
    response = page.goto("/")
    assert response.ok, response.status
    expect(page).to_have_title("Marquee")
    expect(page.get_by_role("heading", level=1, name="Marquee")).to_be_attached()  # visually hidden on the home page
    assert body_background(page) == THEME_BACKGROUND, "the stylesheet did not load or apply"
    for title in titles:
        expect(page.get_by_text(title.title, exact=True).first).to_be_visible()
    assert screenshot(page, "smoke-home-laptop").stat().st_size > 0

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Browse all").click()
    expect(page).to_have_url(f"{live_server.url}/titles/")
    expect(page.get_by_role("heading", level=1)).to_have_text("All titles")
    expect(page.get_by_text("3 titles", exact=True)).to_be_visible()
    expect(page.locator(".card-title")).to_have_text(sorted(title.title for title in titles))
    expect(page.get_by_role("link", name="Browse all")).to_have_attribute("aria-current", "page")
    assert body_background(page) == THEME_BACKGROUND
    screenshot(page, "smoke-browse-laptop")


def test_home_and_browse_on_a_phone(phone_page, titles, screenshot):
    for path, name in [("/", "smoke-home-phone"), ("/titles/", "smoke-browse-phone")]:
        phone_page.goto(path)
        assert phone_page.viewport_size == {"width": 390, "height": 844}
        assert body_background(phone_page) == THEME_BACKGROUND
        assert horizontal_overflow(phone_page) <= 0, f"{path} scrolls sideways on a 390 px phone"
        expect(phone_page.get_by_text("Practical Python", exact=True).first).to_be_visible()
        screenshot(phone_page, name)


def test_keyboard_reaches_the_skip_link_first(page, titles):
    page.goto("/")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.bounding_box()["x"] < 0, "the skip link should sit off-screen until focused"

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0, f"focused skip link is not on screen: {box}"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{page.url.split('#')[0]}#main")
    expect(page.locator("main")).to_be_focused()
