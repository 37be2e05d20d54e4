"""The stand-in player in a real browser: its progress reports reach the server in the order they
were made, whatever order the network would answer them in."""

import pytest
from playwright.sync_api import expect

from recommendations.models import Event
from tests.factories import TitleFactory, UserFactory

pytestmark = pytest.mark.browser


def test_a_slow_first_report_is_not_overtaken_by_later_ones(page, live_server, login):
    title = TitleFactory(title="Slow Network", duration_minutes=90)
    user = UserFactory()
    login(page, user)
    held = []

    def hold_the_first_report(route):
        if route.request.method == "POST" and not held:
            held.append(route)  # answered below, after the later skips: as a slow network might
        else:
            route.continue_()

    page.route("**/activity/events/", hold_the_first_report)
    page.goto(f"/titles/{title.slug}/play/")
    skip = page.get_by_role("button", name="Skip 10%")
    for _ in range(3):
        skip.click()
    page.wait_for_timeout(500)  # time for the later reports to overtake the first, were they sent
    assert len(held) == 1
    held[0].continue_()

    expect(page.locator("#player-status")).to_have_text("Progress saved: 30%.")
    progress = Event.objects.filter(user=user, title=title, type="progress").order_by("timestamp", "pk")
    assert [event.value for event in progress] == [0.1, 0.2, 0.3]
    expect(page.locator("#player-status")).to_have_text("Progress saved: 30%.")  # not the late answer's 10 %
    page.goto(f"/titles/{title.slug}/")
    expect(page.get_by_role("link", name="Resume (30%)")).to_be_visible()


def test_the_controls_stay_disabled_until_the_script_that_drives_them_runs(page, live_server, login):
    """A click before the deferred script has wired the buttons would be lost (the journey test
    once lost its first "Skip 10%" that way), so the page renders them disabled."""
    title = TitleFactory(title="Slow Script", duration_minutes=90)
    login(page, UserFactory())
    held = []
    page.route("**/js/player*.js", lambda route: held.append(route))
    page.goto(f"/titles/{title.slug}/play/", wait_until="commit")
    skip = page.get_by_role("button", name="Skip 10%")
    expect(skip).to_be_disabled()
    expect(page.get_by_role("button", name="Play")).to_be_disabled()
    for _ in range(50):  # until the browser has asked for the script
        if held:
            break
        page.wait_for_timeout(100)
    held[0].continue_()
    skip.click()  # waits until the script has enabled it
    expect(page.locator("#player-status")).to_have_text("Progress saved: 10%.")
