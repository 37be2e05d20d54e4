"""The training pipeline: data from events (privacy respected), held-out evaluation, versions
with artifacts in storage, promotion only when better, activation and roll back, the command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts import services as privacy
from catalog.models import Facet
from recommendations import serving, training
from recommendations.models import ModelVersion, TrainingRun
from recommendations.training_data import build_training_data
from tests.factories import EventFactory, TagFactory, TitleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MODEL_CACHE_DIR = tmp_path / "model-cache"
    serving.forget_loaded()
    yield
    serving.forget_loaded()


@pytest.fixture
def two_tastes():
    """40 users in two taste groups (dramas and comedies), each rating 6 of their group's 10
    titles 5 stars in a fixed order: the held-out last fifth is predictable from co-occurrence."""
    genre = Facet.objects.get(slug="genre")
    drama, comedy = TagFactory(facet=genre, name="Drama"), TagFactory(facet=genre, name="Comedy")
    groups = {tag: [TitleFactory(title=f"{tag.name} {n}") for n in range(10)] for tag in (drama, comedy)}
    for titles in groups.values():
        tag = next(t for t, ts in groups.items() if ts is titles)
        for title in titles:
            title.tags.add(tag)
    start = timezone.now() - timedelta(days=30)
    users = []
    for u in range(40):
        user = UserFactory(username=f"taste{u}")
        titles = groups[drama if u < 20 else comedy]
        for step in range(6):
            title = titles[(u + step) % 10]
            EventFactory(user=user, title=title, type="rate", value=5, timestamp=start + timedelta(hours=u * 10 + step))
        users.append(user)
    return users, groups


def train(algorithm: str, **options) -> TrainingRun:
    run = training.start_run(algorithm, options={"max_configs": 2, **options})
    return training.run_training(run.pk)


def test_training_data_leaves_out_opted_out_users_and_page_views(two_tastes):
    users, _ = two_tastes
    EventFactory(user=users[0], type="view")
    privacy.update_privacy(users[1], personalization=False)
    data = build_training_data()
    assert users[1].pk not in set(data.dataset.users.ids())
    assert data.counts["events"] == 39 * 6  # 40 users × 6 ratings, minus the opted-out user's; views left out
    assert data.counts["users_opted_out"] == 1
    tags = data.dataset.item_features.tags
    assert any("genre:Drama" in item_tags for item_tags in tags)


def test_the_data_fingerprint_changes_with_what_models_learn_from_and_nothing_else(two_tastes):
    users, groups = two_tastes
    first = build_training_data().fingerprint
    assert build_training_data().fingerprint == first  # whatever order the database returns rows in
    title = groups[next(iter(groups))][0]
    EventFactory(user=users[0], title=title, type="view")
    assert build_training_data().fingerprint == first  # page views are not trained on
    EventFactory(user=users[0], title=title, type="rate", value=2)
    rated = build_training_data().fingerprint
    assert rated != first
    title.tags.add(TagFactory(facet=Facet.objects.get(slug="genre"), name="Thriller"))
    tagged = build_training_data().fingerprint
    assert tagged != rated
    users[2].age = 31
    users[2].save(update_fields=["age"])
    assert build_training_data().fingerprint != tagged


def test_a_first_run_is_evaluated_saved_and_activated(two_tastes):
    run = train("ease")
    assert run.status == "succeeded", run.error
    version = run.version
    assert version.is_active and version.status == "active"
    assert version.metrics["all"]["ndcg@10"] > 0.2  # co-occurrence makes the held-out ratings easy
    assert version.data_counts["events"] == 240 and version.training_seconds > 0
    assert default_storage.exists(version.artifact.name)
    assert "no active model before" in version.decision
    served = serving.active()
    assert served is not None and served.version == version
    assert len(served.model.similar_items(two_tastes[1][next(iter(two_tastes[1]))][0].pk, k=3)[0]) == 3


def test_the_tuning_budget_bounds_every_search_and_travels_with_the_hybrid(two_tastes, settings):
    """TRAINING_TUNE_BUDGET reaches both kinds of search: an algorithm's own (at 0 s only its
    defaults are tried) and the one the hybrid runs inside its fit, where it is part of the
    configuration, so that the refit on all data keeps to it too."""
    from recommendations.engine.evaluate import _chosen
    from recommendations.engine.registry import get_algorithm

    settings.TRAINING_TUNE_BUDGET = 0
    defaults = _chosen(get_algorithm("mf"), {})
    assert train("mf", max_configs=6).version.params == defaults
    assert train("mf", max_configs=6, tune_budget_seconds=600).version.params != defaults  # a run's own budget
    assert train("hybrid").version.params == {"tune_budget_seconds": 0}


def test_a_worse_model_is_kept_but_not_activated(two_tastes):
    best = train("ease").version
    worse = train("popularity").version
    worse.refresh_from_db()
    best.refresh_from_db()
    assert best.is_active and not worse.is_active
    assert worse.champion_metrics["all"]["ndcg@10"] > worse.metrics["all"]["ndcg@10"]
    assert "did not beat" in worse.decision
    assert ModelVersion.objects.count() == 2  # kept for the record, and for a manual activation


def test_the_active_configuration_learnt_from_newer_data_replaces_it(two_tastes):
    users, groups = two_tastes
    first = train("ease", max_configs=1).version
    newcomer = TitleFactory(title="Drama 10")
    newcomer.tags.add(next(iter(groups)))
    for user in users[:20]:  # the drama group takes to a new title
        EventFactory(user=user, title=newcomer, type="rate", value=5, timestamp=timezone.now())
    second = train("ease", max_configs=1).version
    first.refresh_from_db()
    assert second.params == first.params
    assert second.is_active and not first.is_active
    assert "learnt from newer data" in second.decision
    # The same configuration on the same split: its score is the new version's, not fitted twice.
    assert second.champion_metrics == second.metrics
    assert newcomer.pk in set(serving.active().model.items.ids())


def test_activate_and_roll_back(two_tastes):
    first = train("popularity").version
    second = train("ease").version
    assert ModelVersion.objects.get(is_active=True) == second
    assert training.rollback() == first
    assert ModelVersion.objects.get(is_active=True) == first
    training.activate(second, reason="by hand")
    assert ModelVersion.objects.get(is_active=True) == second
    assert ModelVersion.objects.filter(is_active=True).count() == 1


def test_a_run_failing_at_the_last_step_leaves_the_active_model_alone(two_tastes, monkeypatch):
    active = train("popularity").version

    def disk_full(model, run):
        raise OSError("No space left on device")

    monkeypatch.setattr(training, "save_artifact", disk_full)
    run = train("ease")  # better than popularity, but its artifact cannot be written
    assert run.status == "failed" and "No space left on device" in run.error
    assert ModelVersion.objects.get(is_active=True) == active
    assert ModelVersion.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no connection to lose")
@pytest.mark.django_db(transaction=True)
def test_a_run_whose_database_connection_died_is_still_recorded_as_failed(builtin_facets, two_tastes, monkeypatch):
    def connection_lost(model, run):
        connection.connection.close()  # as a server restart or a dropped socket would leave it
        raise OSError("storage unreachable")

    monkeypatch.setattr(training, "save_artifact", connection_lost)
    run = train("popularity")
    assert run.status == "failed" and "OSError: storage unreachable" in run.error
    assert not ModelVersion.objects.exists()


def test_too_little_data_fails_with_a_clear_message():
    EventFactory.create_batch(3, type="rate", value=4)
    run = train("ease")
    assert run.status == "failed"
    assert "only 3 events allowed for training" in run.error
    assert not ModelVersion.objects.exists()


def test_a_finished_run_is_not_trained_again(two_tastes):
    run = train("popularity")
    again = training.run_training(run.pk)
    assert again.version == run.version and ModelVersion.objects.count() == 1
    assert again.attempts == 1


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match="unknown algorithm 'magic'"):
        training.start_run("magic")


def test_train_command_reports_progress_and_the_decision(two_tastes):
    out = StringIO()
    call_command("train", "--algorithm", "ease", "--max-configs", "1", stdout=out)
    text = out.getvalue()
    assert "building the data set" in text and "fitting on all data" in text
    assert "activated: no active model before" in text
    assert "ndcg@10" in text
    with pytest.raises(CommandError, match="unknown algorithm"):
        call_command("train", "--algorithm", "magic", stdout=StringIO())
    out = StringIO()
    call_command("train", "--algorithm", "popularity", "--if-no-active", stdout=out)
    assert "is active; not training" in out.getvalue() and ModelVersion.objects.count() == 1


def test_default_schedules_exist_and_are_editable():
    from django_celery_beat.models import PeriodicTask

    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"recommendations.tasks.scheduled_training", "recommendations.tasks.precompute_rows"} <= names


def test_only_a_newly_active_version_recomputes_every_users_rows(two_tastes):
    from recommendations import tasks
    from recommendations.models import UserRows

    out = StringIO()
    call_command("train", "--algorithm", "ease", "--max-configs", "1", stdout=out)
    assert "Refreshing precomputed rows" in out.getvalue()
    computed = dict(UserRows.objects.values_list("user_id", "computed_at"))
    assert len(computed) == 40  # tasks run eagerly here: the fan-out stored everyone's rows
    # The same data again: the new version only ties the active one and is kept inactive.
    out = StringIO()
    call_command("train", "--algorithm", "ease", "--max-configs", "1", stdout=out)
    assert "kept inactive" in out.getvalue() and "Refreshing precomputed rows" not in out.getvalue()
    run = training.start_run("ease", options={"max_configs": 1})
    tasks.train_model(run.pk)
    assert ModelVersion.objects.filter(is_active=False).count() == 2
    assert dict(UserRows.objects.values_list("user_id", "computed_at")) == computed
    # With no version active, the next run's version is activated and everyone's rows refreshed.
    ModelVersion.objects.update(is_active=False)
    run = training.start_run("ease", options={"max_configs": 1})
    tasks.train_model(run.pk)
    run.refresh_from_db()
    assert run.version.is_active
    assert all(UserRows.objects.get(user_id=pk).computed_at > at for pk, at in computed.items())
