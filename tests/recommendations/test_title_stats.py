import pytest

from recommendations.models import Event, TitleStats
from recommendations.services import refresh_title_stats
from recommendations.tasks import refresh_title_stats as refresh_task
from tests.factories import EventFactory, TitleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_stats_count_events_users_and_ratings():
    alice, bob = UserFactory(), UserFactory()
    heat, other = TitleFactory(), TitleFactory()
    EventFactory(user=alice, title=heat, type=Event.Type.RATE, value=4)
    EventFactory(user=bob, title=heat, type=Event.Type.RATE, value=2)
    EventFactory(user=bob, title=heat, type=Event.Type.VIEW)
    EventFactory(user=alice, title=other, type=Event.Type.VIEW)

    assert refresh_title_stats() == 2

    stats = TitleStats.objects.get(title=heat)
    assert (stats.event_count, stats.user_count, stats.rating_count, stats.rating_mean) == (4 - 1, 2, 2, 3.0)
    assert TitleStats.objects.get(title=other).rating_mean is None


def test_refresh_is_idempotent_and_drops_titles_without_events():
    event = EventFactory(type=Event.Type.RATE, value=5)
    refresh_title_stats()
    refresh_title_stats()
    assert TitleStats.objects.count() == 1

    event.delete()
    refresh_title_stats()
    assert not TitleStats.objects.exists()


def test_task_runs_in_process_without_a_broker(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER  # the embedded default
    EventFactory()
    assert refresh_task.delay().get() == 1
