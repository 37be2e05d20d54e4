"""The viewer's journey in a real browser, end to end, as the site issue's acceptance walks it:

sign up → browse with a filter → search with suggestions → open a title → play → rate → turn
personalisation off → home shows only non-personalised rows → download data contains the events →
delete the account → log in fails. Screenshots of home, browse, title and privacy pages are saved
(not committed) with the `screenshot` fixture.
"""

import datetime
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import User
from catalog.models import Tag
from recommendations.models import Event
from tests.factories import CourseFactory, TitleFactory

pytestmark = pytest.mark.browser
PASSWORD = "a long and private passphrase"


@pytest.fixture
def catalogue():
    drama = Tag.objects.create(facet_id=_genre_facet_id(), name="Drama", slug="drama")
    comedy = Tag.objects.create(facet_id=_genre_facet_id(), name="Comedy", slug="comedy")
    harbour = TitleFactory(
        title="Midnight Harbour",
        synopsis="A ferry captain's last crossing.",
        release_date=datetime.date(2024, 3, 1),
        is_staff_pick=True,
        duration_minutes=104,
    )
    harbour.tags.add(drama)
    for n, tag in enumerate([drama, comedy, comedy], start=1):
        TitleFactory(title=f"Other Film {n}", release_date=datetime.date(2023, n, 1)).tags.add(tag)
    CourseFactory(title="Practical Python", lesson_count=5)
    return harbour


def _genre_facet_id() -> int:
    from catalog.models import Facet

    return Facet.objects.get(slug="genre").pk


def test_the_viewers_journey(page, live_server, catalogue, screenshot):
    # Sign up.
    page.goto("/account/signup/")
    page.get_by_label("Username").fill("journey")
    page.get_by_label("Email").fill("journey@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.locator(".stack-form").get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Welcome to Marquee, journey!")).to_be_visible()
    screenshot(page, "home")

    # Browse with a filter: only dramas remain.
    page.get_by_role("link", name="Browse all").click()
    page.get_by_label("Genre").select_option(label="Drama")
    page.locator(".browse-filters").get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]genre=drama"))
    cards = page.locator(".cards .card-title")
    expect(cards).to_have_text(["Midnight Harbour", "Other Film 1"])
    screenshot(page, "browse")

    # Search with suggestions as you type; choose one with the keyboard.
    box = page.get_by_role("combobox", name="Search movies and courses")
    box.press_sequentially("midni", delay=60)
    suggestion = page.get_by_role("option", name="Midnight Harbour")
    expect(suggestion).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Midnight Harbour")).to_be_visible()
    screenshot(page, "title")

    # Play: the stand-in player reports progress as it goes.
    page.get_by_role("link", name="Play").click()
    for _ in range(3):
        page.get_by_role("button", name="Skip 10%").click()
        page.wait_for_timeout(150)
    expect(page.locator("#player-status")).to_have_text("Progress saved: 30%.")

    # Rate it 4 stars.
    page.get_by_role("link", name="← Midnight Harbour").click()
    expect(page.get_by_role("link", name="Resume (30%)")).to_be_visible()
    page.locator("label[for=star-4]").click()
    page.get_by_role("button", name="Rate", exact=True).click()
    expect(page.get_by_text("Your rating: 4 out of 5")).to_be_visible()

    # With personalisation on, home has the personal Continue watching row.
    page.goto("/")
    expect(page.locator("section[data-personalized]")).not_to_have_count(0)
    expect(page.get_by_role("heading", name="Continue watching")).to_be_visible()

    # Turn personalisation off: only rows that are the same for everyone.
    page.get_by_role("link", name="Privacy", exact=True).click()
    screenshot(page, "privacy")
    page.get_by_label("Personalised recommendations").uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your privacy settings are saved.")).to_be_visible()
    page.goto("/")
    expect(page.locator("section[data-personalized]")).to_have_count(0)
    expect(page.locator("section.row")).not_to_have_count(0)

    # Download my data: the events are in it.
    page.get_by_role("link", name="Privacy", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["settings"]["personalization"] is False
    kinds = {(e["title_name"], e["type"]) for e in data["events"]}
    assert {("Midnight Harbour", "view"), ("Midnight Harbour", "progress"), ("Midnight Harbour", "rate")} <= kinds
    assert Event.objects.filter(user__username="journey", type="rate", value=4).exists()

    # Delete the account; logging in then fails.
    page.get_by_role("link", name="Delete my account…").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_text("Your account and everything we held about you are deleted.")).to_be_visible()
    assert not User.objects.filter(username="journey").exists()
    assert not Event.objects.filter(user__username="journey").exists()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("journey")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator(".stack-form").get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
