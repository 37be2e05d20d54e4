"""Synthetic users with hidden tastes, and the activity those tastes produce.

Each user gets 1-3 favourite tags (genres for viewers, topics for learners), perhaps a disliked
genre, and a popularity bias. Which titles they pick, whether they finish them and how they rate
them all follow from those tastes, so recommenders trained on the demo have real signal to find
and tests can check it. Pure Python and deterministic; times are "seconds before the anchor".
"""

import math
import random
from dataclasses import dataclass, field

from catalog.demo import content
from catalog.demo.generate import DAY, Catalogue, TagKey, TitleSpec

USERS_AT_SCALE_1 = 400
WINDOW = 180 * DAY  # activity spreads over the last ~180 days before the anchor


@dataclass(frozen=True)
class Taste:
    favourites: tuple[TagKey, ...]
    disliked: tuple[TagKey, ...]
    popularity_bias: float  # weight on log-popularity when choosing what to watch
    course_share: float  # fraction of picks that are courses


@dataclass
class UserSpec:
    username: str
    age: int
    gender: str
    occupation: str
    joined_seconds_ago: int
    taste: Taste


@dataclass(frozen=True)
class EventSpec:
    username: str
    external_id: str
    type: str
    value: float | None
    seconds_ago: int


@dataclass
class Activity:
    users: list[UserSpec]
    events: list[EventSpec] = field(default_factory=list)

    def tastes(self) -> dict[str, Taste]:
        return {user.username: user.taste for user in self.users}


def generate_activity(catalogue: Catalogue, *, seed: int, scale: float = 1.0) -> Activity:
    """Invent round(400*scale) users and their events over the catalogue's published titles."""
    available = [t for t in catalogue.titles if t.is_published]
    movies = [t for t in available if t.kind == "movie"]
    courses = {t.external_id: t for t in available if t.kind == "course"}
    activity = Activity(users=[])
    for n in range(1, max(10, round(USERS_AT_SCALE_1 * scale)) + 1):
        rng = random.Random(f"{seed}-user-{n}")
        user = _user(rng, n)
        activity.users.append(user)
        activity.events += _user_events(rng, user, movies, courses)
    return activity


# --- Users -----------------------------------------------------------------------------------


def _user(rng: random.Random, n: int) -> UserSpec:
    age = min(max(int(rng.gauss(34, 12)), 16), 80)
    occupation = "student" if age < 23 and rng.random() < 0.7 else rng.choice(content.OCCUPATIONS)
    taste = _taste(rng, occupation)
    return UserSpec(
        username=f"demo-user-{n}",
        age=age,
        gender=rng.choices(["F", "M", "X", ""], [0.47, 0.47, 0.03, 0.03])[0],
        occupation=occupation,
        joined_seconds_ago=WINDOW + rng.randint(0, 30 * DAY),
        taste=taste,
    )


def _taste(rng: random.Random, occupation: str) -> Taste:
    # Viewers, learners, and people who do both; some occupations lean towards courses.
    learner_bias = 0.15 if occupation in {"student", "programmer", "engineer", "scientist", "educator"} else 0.0
    kind = rng.random()
    course_share = 0.05 if kind < 0.55 - learner_bias else 0.85 if kind < 0.75 else 0.45
    genres = [g.name for g in content.GENRES]
    topics = [t.name for t in content.TOPICS]
    favourites: list[TagKey] = []
    for _ in range(rng.choices([1, 2, 3], [0.35, 0.45, 0.2])[0]):
        if rng.random() < course_share:
            favourites.append(("topic", rng.choice(topics)))
        else:
            favourites.append(("genre", rng.choices(genres, [g.weight for g in content.GENRES])[0]))
    favourites = list(dict.fromkeys(favourites))
    liked_genres = {name for facet, name in favourites if facet == "genre"}
    disliked = [("genre", rng.choice([g for g in genres if g not in liked_genres]))] if rng.random() < 0.8 else []
    return Taste(tuple(favourites), tuple(disliked), rng.uniform(0.3, 1.3), course_share)


# --- Choosing titles -------------------------------------------------------------------------


def _affinity(taste: Taste, title: TitleSpec) -> tuple[int, bool]:
    """(number of favourite tags the title carries, whether it carries a disliked one)."""
    matches = sum(1 for tag in taste.favourites if tag in title.tags)
    return matches, any(tag in title.tags for tag in taste.disliked)


def _pick(rng: random.Random, taste: Taste, titles: list[TitleSpec], k: int, latest: int) -> list[TitleSpec]:
    """Sample k titles without replacement, weighted by taste and popularity (Gumbel top-k)."""
    scored = []
    for title in titles:
        if _available_from(title) > latest:
            continue
        matches, disliked = _affinity(taste, title)
        recent_buzz = 1.0 if title.released_days_ago < 60 else 0.0
        score = taste.popularity_bias * math.log(title.popularity) + 2.2 * matches - 3.0 * disliked
        score += 0.3 * title.quality + recent_buzz + _gumbel(rng)
        scored.append((score, title.external_id, title))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [title for _, _, title in scored[:k]]


def _gumbel(rng: random.Random) -> float:
    return -math.log(-math.log(rng.random() or 1e-12))


def _available_from(title: TitleSpec) -> int:
    """Seconds after the window start when the title appeared on the platform (0 if before)."""
    return max(0, WINDOW - title.published_seconds_ago)


def _with_prerequisites(picked: list[TitleSpec], courses: dict[str, TitleSpec]) -> list[TitleSpec]:
    """Add missing prerequisites (learners take them first), ordered so prerequisites come first."""
    ordered: dict[str, TitleSpec] = {}

    def visit(course: TitleSpec) -> None:
        for required in course.requires:
            if required in courses and required not in ordered:
                visit(courses[required])
        ordered.setdefault(course.external_id, course)

    for course in picked:
        visit(course)
    return list(ordered.values())


# --- Events ----------------------------------------------------------------------------------
# Inside a session, times are "seconds after the window start" (easier to reason about forwards);
# EventSpec stores "seconds before the anchor", which is what loading needs.


def _user_events(rng: random.Random, user: UserSpec, movies: list[TitleSpec], courses: dict[str, TitleSpec]):
    taste = user.taste
    # Most users are still active; some stopped weeks or months ago.
    end = WINDOW - (rng.randint(0, 10 * DAY) if rng.random() < 0.7 else rng.randint(10 * DAY, 150 * DAY))
    start = max(0, end - rng.randint(20 * DAY, 170 * DAY))
    n = min(max(round(rng.lognormvariate(math.log(9), 0.55)), 3), 40)
    n_courses = sum(rng.random() < taste.course_share for _ in range(n))
    rating_bias = rng.gauss(0.0, 0.35)
    watched = _pick(rng, taste, movies, n - n_courses, end)
    sessions = [
        _movie_session(rng, user, title, _session_start(rng, title, start, end), rating_bias) for title in watched
    ]
    sessions += _course_sessions(rng, user, courses, n_courses, start, end, rating_bias)
    seen = {title.external_id for title in watched}
    sessions.append(_not_interested(rng, user, [m for m in movies if m.external_id not in seen], start, end))
    # Sessions that run past the anchor (a course still in progress) simply have not happened yet.
    return [event for session in sessions for event in session if event.seconds_ago > 0]


def _session_start(rng: random.Random, title: TitleSpec, start: int, end: int) -> int:
    return rng.randint(min(max(start, _available_from(title)), end), end)


class _Timeline:
    """Collects one session's events, keeping their times strictly increasing."""

    def __init__(self, user: UserSpec, title: TitleSpec):
        self.user, self.title, self.events, self.last = user, title, [], -1

    def add(self, event_type: str, value: float | None, at: int) -> int:
        self.last = max(at, self.last + 1)
        self.events.append(EventSpec(self.user.username, self.title.external_id, event_type, value, WINDOW - self.last))
        return self.last


def _movie_session(rng, user: UserSpec, title: TitleSpec, at: int, rating_bias: float) -> list[EventSpec]:
    matches, disliked = _affinity(user.taste, title)
    timeline = _Timeline(user, title)
    timeline.add("view", None, at)
    if rng.random() < (0.12 if matches else 0.3):  # looked at the page, never pressed play
        return timeline.events
    finish = rng.random() < 0.5 + 0.3 * (matches > 0) - 0.25 * disliked + 0.08 * title.quality
    stop = 1.0 if finish else rng.uniform(0.05, 0.7)
    runtime = title.duration_minutes * 60
    pause = rng.randint(DAY, 6 * DAY) if rng.random() < 0.2 else 0  # finished on another day
    for value in sorted(rng.uniform(0.05, stop) for _ in range(rng.randint(1, 3))):
        timeline.add("progress", round(value, 2), at + 60 + int(value * runtime) + (pause if value > 0.5 else 0))
    if finish:
        timeline.add("complete", 1.0, at + runtime + pause + rng.randint(0, 900))
    if rng.random() < (0.65 if finish else 0.25):
        rating = _rating(rng, user.taste, title, rating_bias, finish)
        timeline.add("rate", rating, timeline.last + rng.randint(30, 7200))
    return timeline.events


def _course_sessions(rng, user, courses, k, start, end, rating_bias) -> list[list[EventSpec]]:
    if k == 0 or not courses:
        return []
    picked = _with_prerequisites(_pick(rng, user.taste, list(courses.values()), k, end), courses)
    finished_at: dict[str, int] = {}
    sessions = []
    for course in picked:
        # Enrol only once every prerequisite is finished; a learner who gave up on one stops there.
        required = [r for r in course.requires if r in courses]
        if any(r not in finished_at for r in required):
            continue
        ready = max([finished_at[r] + rng.randint(DAY // 2, 5 * DAY) for r in required] or [0])
        at = _session_start(rng, course, max(start, ready), end)
        if at < ready:
            continue
        events, finished = _course_session(rng, user, course, at, rating_bias)
        sessions.append(events)
        if finished is not None:
            finished_at[course.external_id] = finished
    return sessions


def _course_session(rng, user: UserSpec, course: TitleSpec, at: int, rating_bias: float):
    matches, _ = _affinity(user.taste, course)
    timeline = _Timeline(user, course)
    timeline.add("view", None, at)
    enrolled = timeline.add("enrol", None, at + rng.randint(60, 3 * 3600))
    # Learners who got through the prerequisites are committed, so they finish more often.
    finish = rng.random() < 0.45 + 0.35 * (matches > 0) + 0.08 * course.quality + 0.2 * bool(course.requires)
    stop = 1.0 if finish else rng.uniform(0.1, 0.8)
    span = int(course.lesson_count * rng.uniform(0.3, 1.2) * DAY)  # a lesson every day or three
    steps = rng.randint(2, 6)
    for step in range(1, steps + 1):
        value = stop * step / (steps + 1)
        timeline.add("progress", round(value, 2), enrolled + int(value * span) + rng.randint(0, 3600))
    finished = timeline.add("complete", 1.0, enrolled + span) if finish else None
    if rng.random() < (0.5 if finish else 0.15):
        rating = _rating(rng, user.taste, course, rating_bias, finish)
        timeline.add("rate", rating, timeline.last + rng.randint(60, DAY))
    return timeline.events, finished


def _not_interested(rng, user: UserSpec, movies: list[TitleSpec], start: int, end: int) -> list[EventSpec]:
    """Popular titles in a disliked genre get waved away from the home page now and then."""
    if not user.taste.disliked or rng.random() < 0.4:
        return []
    disliked = [m for m in movies if _affinity(user.taste, m)[1] and _available_from(m) <= end]
    disliked.sort(key=lambda m: (-m.popularity, m.external_id))
    events = []
    for movie in disliked[: rng.randint(1, 3)]:
        timeline = _Timeline(user, movie)
        timeline.add("not_interested", None, _session_start(rng, movie, start, end))
        events += timeline.events
    return events


def _rating(rng: random.Random, taste: Taste, title: TitleSpec, bias: float, finished: bool) -> float:
    matches, disliked = _affinity(taste, title)
    score = 3.0 + 1.2 * (matches > 0) + 0.35 * (matches > 1) - 1.4 * disliked + 0.45 * title.quality
    score += bias + rng.gauss(0.0, 0.65) - (0.0 if finished else 0.8)
    return float(min(max(round(score), 1), 5))
