"""The home page's rows for one viewer.

Today: Continue watching (from the viewer's own progress) above the non-personalised shelves
(staff picks, new releases, popular now, courses). Anonymous viewers and users who turned
personalisation off get only the non-personalised shelves. Titles a user finished or marked
"not interested" are never shown, and no title appears twice on the page.
"""

from __future__ import annotations

from catalog import selectors as catalog
from catalog.selectors import Home, Row
from recommendations import selectors

CONTINUE_REASON = "You started this"


def is_personalized_for(user) -> bool:
    return bool(user.is_authenticated and user.personalization)


def home_rows(user) -> Home:
    hidden = selectors.hidden_title_ids(user)
    personal: list[Row] = []
    if is_personalized_for(user):
        started = selectors.continue_watching(user)
        if started:
            titles = [title for title, _ in started]
            for title, progress in started:
                title.progress = progress  # the card draws a progress bar
            personal.append(Row("continue", "Continue watching", titles, reason=CONTINUE_REASON, personalized=True))
    shown = hidden | {title.pk for row in personal for title in row.titles}
    home = catalog.home(exclude=frozenset(shown))
    home.rows = personal + home.rows
    return home
