import math
import os
import stat
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from io import StringIO
from statistics import mean

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from catalog.demo.activity import generate_activity
from catalog.demo.generate import generate_catalogue
from catalog.demo.load import load_demo
from catalog.models import Title
from recommendations.models import Event

pytestmark = pytest.mark.django_db

ANCHOR = datetime(2025, 3, 1, tzinfo=UTC)
SMALL = 0.25  # 50 movies, 20 courses, 100 users: enough structure, fast enough for every test


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", "--no-progress", *args, stdout=out)
    return out.getvalue()


def demo_event_keys() -> set[tuple]:
    rows = Event.objects.filter(source="demo").values_list(
        "user__username", "title__external_id", "type", "value", "timestamp"
    )
    return set(rows)


def test_creates_movies_courses_users_and_events_in_expected_ranges():
    output = run("--scale", str(SMALL), "--no-admin")

    demo = Title.objects.filter(source="demo")
    assert 45 <= demo.movies().count() <= 55
    assert 18 <= demo.courses().count() <= 22
    users = get_user_model().objects.filter(source="demo")
    assert users.count() == 100
    assert all(u.username.startswith("demo-user-") and not u.has_usable_password() for u in users)
    events = Event.objects.filter(source="demo")
    assert 30 <= events.count() / users.count() <= 60
    assert set(events.values_list("type", flat=True)) == {t.value for t in Event.Type}
    assert f"{demo.count()} titles ({demo.count()} new), 100 users (100 new), {events.count()} events" in output


def test_titles_have_tags_credits_and_plausible_metadata():
    load_demo(seed=42, scale=SMALL, anchor=ANCHOR)
    titles = Title.objects.filter(source="demo").prefetch_related("tags__facet", "credits")
    for title in titles:
        facets = {tag.facet.slug for tag in title.tags.all()}
        assert title.synopsis and title.year and title.release_date and title.duration_minutes
        assert title.language in {"en", "fr", "es", "de", "ja", "pt-BR"}
        if title.kind == Title.Kind.MOVIE:
            assert "genre" in facets and "mood" in facets
            roles = sorted(c.role for c in title.credits.all())
            assert roles.count("director") == 1 and 2 <= roles.count("cast") <= 4
        else:
            assert {"category", "topic", "skill"} <= facets
            assert title.skill_level and title.provider and title.instructor and title.lesson_count
    published = titles.filter(is_published=True)
    assert published.filter(is_staff_pick=True).exists()
    assert titles.filter(is_published=False).exists()
    assert published.filter(release_date__gte=(ANCHOR - timedelta(days=150)).date()).count() >= 3
    assert not Event.objects.filter(source="demo", title__is_published=False).exists()


def test_prerequisites_are_courses_and_are_finished_before_enrolling():
    load_demo(seed=42, scale=SMALL, anchor=ANCHOR)
    courses = Title.objects.filter(source="demo").prefetch_related("prerequisites")
    links = [(course, p) for course in courses for p in course.prerequisites.all()]
    assert len(links) >= 8  # the Python → ... → machine learning chain and friends
    assert all(course.kind == p.kind == Title.Kind.COURSE for course, p in links)

    first = defaultdict(dict)
    for user_id, title_id, type_, ts in Event.objects.filter(source="demo", type__in=["enrol", "complete"]).values_list(
        "user_id", "title_id", "type", "timestamp"
    ):
        first[user_id][(title_id, type_)] = ts
    checked = 0
    for course, prerequisite in links:
        for times in first.values():
            if (course.pk, "enrol") in times:
                assert times[(prerequisite.pk, "complete")] < times[(course.pk, "enrol")]
                checked += 1
    assert checked > 10


def test_timestamps_span_the_half_year_before_the_anchor():
    load_demo(seed=42, scale=SMALL, anchor=ANCHOR)
    times = list(Event.objects.filter(source="demo").values_list("timestamp", flat=True))
    assert max(times) <= ANCHOR
    assert min(times) >= ANCHOR - timedelta(days=181)
    assert sum(t >= ANCHOR - timedelta(days=30) for t in times) > len(times) / 10  # "popular now" has data


def test_second_run_changes_nothing():
    run("--scale", str(SMALL), "--no-admin")
    before = (Title.objects.count(), get_user_model().objects.count(), demo_event_keys())

    output = run("--scale", str(SMALL), "--no-admin")

    after = (Title.objects.count(), get_user_model().objects.count(), demo_event_keys())
    assert after == before
    assert "(0 new)" in output and output.count("(0 new)") == 3


def test_rerun_recovers_the_first_anchor_and_refuses_another():
    load_demo(seed=42, scale=SMALL, anchor=ANCHOR)
    assert load_demo(seed=42, scale=SMALL).anchor == ANCHOR
    with pytest.raises(CommandError, match="2025-03-01"):
        run("--scale", str(SMALL), "--no-admin", "--anchor", "2025-04-01")


def test_database_content_is_a_pure_function_of_seed_scale_and_anchor():
    load_demo(seed=7, scale=SMALL, anchor=ANCHOR)
    catalogue = generate_catalogue(seed=7, scale=SMALL)
    activity = generate_activity(catalogue, seed=7, scale=SMALL)
    expected = {
        (e.username, e.external_id, e.type, e.value, ANCHOR - timedelta(seconds=e.seconds_ago)) for e in activity.events
    }
    assert demo_event_keys() == expected
    other_seed = generate_activity(generate_catalogue(seed=8, scale=SMALL), seed=8, scale=SMALL)
    assert other_seed.events != activity.events


# --- Hidden tastes give real signal ----------------------------------------------------------


def _title_tags() -> dict[int, set[tuple[str, str]]]:
    tags = defaultdict(set)
    for title_id, facet, name in Title.tags.through.objects.filter(title__source="demo").values_list(
        "title_id", "tag__facet__slug", "tag__name"
    ):
        tags[title_id].add((facet, name))
    return tags


def test_users_rate_titles_with_their_favourite_tags_higher():
    result = load_demo(seed=42, scale=0.5, anchor=ANCHOR)
    tastes = result.activity.tastes()
    tags = _title_tags()
    ratings = defaultdict(lambda: ([], []))
    for username, title_id, value in Event.objects.filter(source="demo", type="rate").values_list(
        "user__username", "title_id", "value"
    ):
        liked = bool(tags[title_id] & set(tastes[username].favourites))
        ratings[username][0 if liked else 1].append(value)

    comparable = [(mean(fav), mean(other)) for fav, other in ratings.values() if len(fav) >= 2 and len(other) >= 2]
    assert len(comparable) >= 20
    # With random ratings this would hover around one half.
    assert sum(fav > other for fav, other in comparable) / len(comparable) >= 0.75


def test_a_tag_profile_finds_held_out_titles_far_better_than_chance():
    """Popularity-free signal: score unseen titles only by the tags of the user's earlier titles."""
    load_demo(seed=42, scale=0.5, anchor=ANCHOR)
    tags = _title_tags()
    catalogue = list(Title.objects.filter(source="demo", is_published=True).values_list("pk", flat=True))
    histories = defaultdict(list)
    for user_id, title_id in (
        Event.objects.filter(source="demo")
        .exclude(type="not_interested")
        .order_by("timestamp", "pk")
        .values_list("user_id", "title_id")
    ):
        if title_id not in histories[user_id]:
            histories[user_id].append(title_id)

    hits, chance = [], []
    for history in histories.values():
        if len(history) < 5:
            continue
        cut = int(len(history) * 0.8)
        train, test = set(history[:cut]), set(history[cut:])
        profile = defaultdict(int)
        for title_id in train:
            for tag in tags[title_id]:
                profile[tag] += 1
        candidates = [pk for pk in catalogue if pk not in train]
        # Ties are broken by id, which carries no popularity information.
        ranked = sorted(candidates, key=lambda pk: (-sum(profile[t] for t in tags[pk]), pk))[:10]
        hits.append(bool(test & set(ranked)))
        chance.append(1 - math.comb(len(candidates) - len(test), 10) / math.comb(len(candidates), 10))
    assert len(hits) >= 100
    assert mean(hits) > 2 * mean(chance)


# --- Staff accounts --------------------------------------------------------------------------


@pytest.fixture
def var_dir(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("MARQUEE_ADMIN_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    return tmp_path


def _printed_password(output: str, username: str) -> str:
    line = next(line for line in output.splitlines() if f"user: {username} " in line)
    assert "http://127.0.0.1:8000/admin/" in line
    return line.rsplit("password: ", 1)[1].strip()


def test_admin_account_is_created_with_a_saved_password_and_can_log_in(var_dir, client):
    output = run("--scale", "0.05")

    saved = var_dir / "admin-password.txt"
    password = saved.read_text().strip()
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    assert _printed_password(output, "admin") == password
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert client.login(username="admin", password=password)
    assert client.get("/admin/").status_code == 200

    again = run("--scale", "0.05")
    assert _printed_password(again, "admin") == password
    assert saved.read_text().strip() == password


def test_editor_account_joins_the_editors_group_when_it_exists(var_dir, client):
    Group.objects.get_or_create(name="Editors")
    output = run("--scale", "0.05")

    password = _printed_password(output, "editor")
    editor = get_user_model().objects.get(username="editor")
    assert editor.is_staff and not editor.is_superuser
    assert editor.groups.filter(name="Editors").exists()
    assert client.login(username="editor", password=password)


def test_password_from_the_environment_wins(var_dir, monkeypatch, client):
    run("--scale", "0.05")
    monkeypatch.setenv("MARQUEE_ADMIN_PASSWORD", "a-long-demo-passphrase")

    output = run("--scale", "0.05")

    assert _printed_password(output, "admin") == "a-long-demo-passphrase"
    assert client.login(username="admin", password="a-long-demo-passphrase")


def test_no_admin_option_skips_the_accounts(var_dir):
    output = run("--scale", "0.05", "--no-admin")
    assert "Admin:" not in output
    assert not get_user_model().objects.filter(username="admin").exists()
    assert not (var_dir / "admin-password.txt").exists()
