import importlib
from pathlib import Path

import pytest

# Real public data sets live beside the project, never inside it (see ../shared/data/SOURCES.md).
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_dataset(name: str) -> Path:
    """Path to a shared data set, skipping the test when it is absent."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"data set {name} not found at {path}")
    return path


@pytest.fixture
def ml100k() -> Path:
    return shared_dataset("ml-100k")


@pytest.fixture
def ml_latest_small() -> Path:
    return shared_dataset("ml-latest-small")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rows, rate-limit counters and admin lookups live there,
    and the local-memory cache would otherwise carry them from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher is slow on purpose (about 0.5 s each here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def builtin_facets(transactional_db):
    """For transactional tests: the previous one's flush deleted the facets their data migration
    created (genre, category...); create them again as that migration does."""
    from django.apps import apps

    importlib.import_module("catalog.migrations.0002_builtin_facets").create_facets(apps, None)
