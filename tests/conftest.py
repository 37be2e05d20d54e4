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
