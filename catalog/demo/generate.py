"""Compose the demo catalogue (movies, courses, people, tags) from the pools in content.py.

Pure Python and deterministic: the same seed and scale always give the same catalogue. Dates are
kept relative to an anchor ("released 40 days ago") and turned into real dates only when loading,
so a fresh install always has recent releases while re-runs reproduce the first run exactly.
"""

import random
from dataclasses import dataclass, field

from django.utils.text import slugify

from catalog.demo import content

MOVIES_AT_SCALE_1 = 200
COURSES_AT_SCALE_1 = 80
DAY = 86_400

TagKey = tuple[str, str]  # (facet slug, tag name)


@dataclass(frozen=True)
class CreditSpec:
    person: str
    role: str
    character: str = ""
    order: int = 0


@dataclass
class TitleSpec:
    external_id: str
    kind: str
    title: str
    slug: str
    synopsis: str
    released_days_ago: int
    published_seconds_ago: int | None  # None for drafts
    duration_minutes: int
    language: str
    tags: list[TagKey]
    is_staff_pick: bool = False
    credits: list[CreditSpec] = field(default_factory=list)
    skill_level: str = ""
    provider: str = ""
    instructor: str = ""
    lesson_count: int | None = None
    requires: list[str] = field(default_factory=list)  # external ids of prerequisite courses
    # Hidden traits that drive the synthetic activity; never stored.
    popularity: float = 1.0
    quality: float = 0.0

    @property
    def is_published(self) -> bool:
        return self.published_seconds_ago is not None


@dataclass
class Catalogue:
    titles: list[TitleSpec]
    tag_descriptions: dict[TagKey, str]

    @property
    def people(self) -> list[str]:
        return sorted({credit.person for title in self.titles for credit in title.credits})


def generate_catalogue(*, seed: int, scale: float = 1.0) -> Catalogue:
    """Invent round(200*scale) movies and round(80*scale) courses (at least a handful of each)."""
    n_movies = max(8, round(MOVIES_AT_SCALE_1 * scale))
    n_courses = max(6, round(COURSES_AT_SCALE_1 * scale))
    used_titles: set[str] = set()
    movies = _movies(random.Random(f"{seed}-movies"), n_movies, used_titles)
    courses = _courses(random.Random(f"{seed}-courses"), n_courses, used_titles)
    return Catalogue(titles=movies + courses, tag_descriptions=_tag_descriptions())


def _tag_descriptions() -> dict[TagKey, str]:
    descriptions = {("genre", g.name): g.description for g in content.GENRES}
    descriptions |= {("mood", name): text for name, text in content.MOOD_DESCRIPTIONS.items()}
    descriptions |= {("category", name): text for name, text in content.CATEGORIES.items()}
    return descriptions


# --- Movies ----------------------------------------------------------------------------------


def _movies(rng: random.Random, n: int, used_titles: set[str]) -> list[TitleSpec]:
    directors, actors = _people_pools(rng)
    genres = {g.name: g for g in content.GENRES}
    weights = [g.weight for g in genres.values()]
    movies = []
    for i in range(n):
        genre = rng.choices(list(genres.values()), weights)[0]
        pairs = content.GENRE_PAIRS[genre.name]
        second = genres[rng.choice(pairs)] if pairs and rng.random() < 0.45 else None
        movies.append(_movie(rng, i, genre, second, directors, actors, used_titles))
    return movies


def _people_pools(rng: random.Random) -> tuple[list[str], list[str]]:
    # Disjoint pools, so a director is never also credited as cast by accident.
    names = [f"{first} {last}" for first in content.FIRST_NAMES for last in content.LAST_NAMES]
    rng.shuffle(names)
    return names[:70], names[70:330]


def _movie(rng, i, genre, second, directors, actors, used_titles) -> TitleSpec:
    title = _unique(used_titles, lambda: _movie_title(rng, genre))
    # Every 12th movie is a recent release, so "New releases" has something on a fresh install.
    recent = i % 12 == 5
    released = rng.randint(3, 150) if recent else _days_ago_for_age(rng)
    published = _published_seconds_ago(rng, released, recent, draft=i % 50 == 49)
    tags = [("genre", genre.name)] + ([("genre", second.name)] if second else [])
    tags += [("mood", m) for m in rng.sample(genre.moods, rng.randint(1, 2))]
    tags += [("keyword", k) for k in rng.sample(genre.keywords, rng.randint(1, 2))]
    if second and rng.random() < 0.5:
        tags.append(("keyword", rng.choice(second.keywords)))
    is_staff_pick = published is not None and i % 17 == 3
    return TitleSpec(
        external_id=f"movie-{i + 1:04d}",
        kind="movie",
        title=title,
        slug=slugify(title),
        synopsis=_movie_synopsis(rng, genre),
        released_days_ago=released,
        published_seconds_ago=published,
        duration_minutes=rng.randint(*genre.minutes),
        language=_weighted(rng, content.LANGUAGES),
        tags=list(dict.fromkeys(tags)),
        is_staff_pick=is_staff_pick,
        credits=_movie_credits(rng, directors, actors),
        popularity=rng.lognormvariate(0.0, 1.0) * (1.5 if recent else 1.0),
        quality=rng.gauss(0.0, 1.0) + (0.8 if is_staff_pick else 0.0),
    )


def _movie_title(rng: random.Random, genre: content.Genre) -> str:
    adj, noun, place = rng.choice(genre.adjectives), rng.choice(genre.nouns), rng.choice(genre.places)
    name = rng.choice(content.CHARACTER_NAMES)
    # (pattern, weight): the "Before/After the ..." forms are rare, or an A-Z list reads like a series.
    patterns = [
        (f"The {adj} {noun}", 3.0),
        (f"{adj} {noun}", 2.0),
        (f"The {noun} of {place}", 2.0),
        (f"{noun} at {place}", 0.7),
        (f"{noun} from {place}", 0.7),
        (f"{name}'s {noun}", 1.0),
        (f"{adj} {noun} in {place}", 1.0),
        (f"Before the {noun}", 0.3),
        (f"After the {noun}", 0.3),
    ]
    return rng.choices([p for p, _ in patterns], [w for _, w in patterns])[0]


def _movie_synopsis(rng: random.Random, genre: content.Genre) -> str:
    who = rng.choice(genre.protagonists or content.PROTAGONISTS)
    opening = f"{who} {rng.choice(genre.setups)}."
    if rng.random() < 0.4:
        opening = f"In {rng.choice(genre.places)}, {opening}"
    return f"{opening[0].upper()}{opening[1:]} {rng.choice(genre.turns)}"


def _movie_credits(rng: random.Random, directors: list[str], actors: list[str]) -> list[CreditSpec]:
    # Zipf-like picks: a few prolific directors and actors recur, as in real catalogues.
    director = _distinct(rng, directors, 1, skew=True)[0]
    cast = _distinct(rng, actors, rng.randint(2, 4), skew=True)
    characters = rng.sample(content.CHARACTER_NAMES, len(cast))
    credits = [CreditSpec(director, "director")]
    credits += [CreditSpec(name, "cast", characters[k], k) for k, name in enumerate(cast)]
    return credits


def _days_ago_for_age(rng: random.Random) -> int:
    # Most catalogue titles are from the last fifteen years, with a long tail of classics.
    bucket = rng.random()
    years = rng.uniform(0.6, 15) if bucket < 0.6 else rng.uniform(15, 40) if bucket < 0.9 else rng.uniform(40, 65)
    return int(years * 365.25)


def _published_seconds_ago(rng: random.Random, released_days_ago: int, recent: bool, draft: bool) -> int | None:
    if draft:
        return None
    if recent:  # on the platform a day or two after release
        return max(released_days_ago - rng.randint(0, 2), 1) * DAY - rng.randint(0, DAY - 1)
    # The back catalogue was added when the platform launched, before the activity window.
    return rng.randint(200, 720) * DAY + rng.randint(0, DAY - 1)


# --- Courses ---------------------------------------------------------------------------------


def _courses(rng: random.Random, n: int, used_titles: set[str]) -> list[TitleSpec]:
    topics = {t.name: t for t in content.TOPICS}
    seeds = _seeds_within(n)
    key_to_id = {seed.key: f"course-{seed.key}" for seed in seeds}
    first_course_of: dict[str, str] = {}
    for seed in seeds:
        first_course_of.setdefault(seed.topic, key_to_id[seed.key])
    # A prerequisite must not be newer than the courses that build on it.
    required = {key_to_id[k] for seed in seeds for k in seed.requires} | set(first_course_of.values())
    courses: list[TitleSpec] = []
    for seed in seeds:
        used_titles.add(seed.title)
        external_id = key_to_id[seed.key]
        requires = [key_to_id[k] for k in seed.requires]
        may_be_new = external_id not in required
        courses.append(
            _course(rng, len(courses), external_id, seed.title, topics[seed.topic], seed.level, requires, may_be_new)
        )
    for title, topic, level in _generated_course_names(rng, n - len(courses), used_titles):
        # A non-beginner course builds on the topic's first hand-written course, when there is one.
        requires = [first_course_of[topic.name]] if level != "beginner" and topic.name in first_course_of else []
        external_id = f"course-g{len(courses) + 1:03d}"
        courses.append(_course(rng, len(courses), external_id, title, topic, level, requires, True))
    instructors = _instructors(rng)
    for course in courses:
        course.instructor = rng.choice(instructors)
    _release_after_prerequisites(rng, courses)
    return courses


def _release_after_prerequisites(rng: random.Random, courses: list[TitleSpec]) -> None:
    """Move each course's release after its prerequisites' (courses come prerequisites first)."""
    by_id = {course.external_id: course for course in courses}
    for course in courses:
        earliest = min((by_id[r].released_days_ago for r in course.requires), default=None)
        if earliest is None or course.released_days_ago < earliest:
            continue
        days = max(earliest - rng.randint(7, 60), 5)
        course.released_days_ago = days
        if course.published_seconds_ago is not None:
            course.published_seconds_ago = days * DAY - rng.randint(0, DAY - 1)


def _seeds_within(n: int) -> list[content.CourseSeed]:
    """The first n seeds whose prerequisites are also kept, so every chain stays whole."""
    kept: dict[str, content.CourseSeed] = {}
    for seed in content.COURSE_SEEDS:
        if len(kept) < n and all(key in kept for key in seed.requires):
            kept[seed.key] = seed
    return list(kept.values())


def _generated_course_names(rng: random.Random, n: int, used_titles: set[str]):
    combos = [(pattern, level, topic) for pattern, level in content.COURSE_TITLE_PATTERNS for topic in content.TOPICS]
    rng.shuffle(combos)
    for pattern, level, topic in combos:
        if n <= 0:
            return
        title = pattern.format(topic=topic.name)
        if title not in used_titles:
            used_titles.add(title)
            n -= 1
            yield title, topic, level


def _instructors(rng: random.Random) -> list[str]:
    names = [f"{first} {last}" for first in content.FIRST_NAMES[::-1] for last in content.LAST_NAMES[::3]]
    return rng.sample(names, 30)


def _course(rng, i, external_id, title, topic, level, requires, may_be_new) -> TitleSpec:
    lessons = rng.randint(*{"beginner": (6, 20), "intermediate": (12, 32), "advanced": (18, 48)}[level])
    recent = may_be_new and i % 10 == 4
    published_days_ago = rng.randint(5, 90) if recent else rng.randint(200, 900)
    is_draft = i % 40 == 39
    tags = [("category", topic.category), ("topic", topic.name)]
    tags += [("skill", s) for s in rng.sample(topic.skills, min(len(topic.skills), rng.randint(1, 3)))]
    return TitleSpec(
        external_id=external_id,
        kind="course",
        title=title,
        slug=slugify(title),
        synopsis=_course_synopsis(rng, topic, level),
        released_days_ago=published_days_ago,
        published_seconds_ago=None if is_draft else published_days_ago * DAY - rng.randint(0, DAY - 1),
        duration_minutes=lessons * rng.randint(8, 20),
        language="en" if rng.random() < 0.9 else rng.choice(["es", "fr", "de", "pt-BR"]),
        tags=tags,
        is_staff_pick=not is_draft and i % 9 == 2,
        skill_level=level,
        provider=rng.choice(content.PROVIDERS),
        lesson_count=lessons,
        requires=requires,
        popularity=rng.lognormvariate(0.0, 0.8) * (1.3 if level == "beginner" else 1.0),
        quality=rng.gauss(0.0, 1.0),
    )


def _course_synopsis(rng: random.Random, topic: content.Topic, level: str) -> str:
    outcomes = rng.sample(topic.outcomes, min(3, len(topic.outcomes)))
    learn = ", ".join(outcomes[:-1]) + f" and {outcomes[-1]}" if len(outcomes) > 1 else outcomes[0]
    audience = {
        "beginner": "No experience needed.",
        "intermediate": "For learners who know the basics and want to go further.",
        "advanced": "For experienced learners ready to go deep.",
    }[level]
    return f"{rng.choice(content.COURSE_INTROS).format(topic=topic.name)} You'll {learn}. {audience}"


# --- Helpers ---------------------------------------------------------------------------------


def _unique(used: set[str], make) -> str:
    for _ in range(60):
        candidate = make()
        if candidate not in used:
            used.add(candidate)
            return candidate
    # Pools exhausted for this genre: a sequel is a plausible way to reuse a name.
    base = make()
    for number in ("II", "III", "IV", "V", "VI", "VII"):
        if f"{base} {number}" not in used:
            used.add(f"{base} {number}")
            return f"{base} {number}"
    raise RuntimeError("demo title pools are exhausted; add words to catalog/demo/content.py")


def _distinct(rng: random.Random, pool: list[str], k: int, *, skew: bool) -> list[str]:
    picked: list[str] = []
    while len(picked) < k:
        index = int(len(pool) * rng.random() ** 2.2) if skew else rng.randrange(len(pool))
        if pool[index] not in picked:
            picked.append(pool[index])
    return picked


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]
