"""Loading trained models for serving: the active version, and the item-to-item and content
versions behind "Because you watched" and "More like this".

Each process keeps the models it loaded, keyed by version id, so a page never loads or trains a
model twice; a new active version is picked up on the next request (one indexed query).
A model that cannot be loaded (a missing artifact) is logged and treated as absent: pages fall
back to non-personalised rows rather than fail.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q

from recommendations.engine.base import Recommender
from recommendations.models import ModelVersion

log = logging.getLogger(__name__)
ITEM_TO_ITEM = ("ease", "itemknn")
CONTENT = ("content",)
MAX_LOADED = 4  # versions kept in memory per process

_loaded: dict[int, Recommender] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Served:
    version: ModelVersion
    model: Recommender


def active() -> Served | None:
    version = ModelVersion.objects.filter(is_active=True).first()
    return _served(version)


def active_label() -> str:
    """ "hybrid-v12": the active version as impressions and clicks record it ("" when none)."""
    version = ModelVersion.objects.filter(is_active=True).values_list("pk", "algorithm").first()
    return f"{version[1]}-v{version[0]}" if version else ""


def item_to_item() -> Served | None:
    return _similar_model(ITEM_TO_ITEM)


def content() -> Served | None:
    return _similar_model(CONTENT)


def _similar_model(algorithms: tuple[str, ...]) -> Served | None:
    """The active version if it is one of `algorithms`; else the active hybrid's own component of
    that kind (trained with it, on the same data); else the newest kept version of them.

    Without the middle step a site that trains only the default hybrid would have no "Because you
    watched" rows and no model-based "More like this". One query, as pages count them.
    """
    wanted = Q(algorithm__in=algorithms) | Q(is_active=True)
    versions = list(
        ModelVersion.objects.filter(wanted).exclude(artifact="").order_by("-is_active", "-created_at", "-pk")[:2]
    )
    if versions and versions[0].is_active and versions[0].algorithm not in algorithms:
        served = _served(versions[0])
        components = getattr(served.model, "components_", {}) if served is not None else {}
        for name in algorithms:
            if name in components:
                return Served(served.version, components[name])
        versions = versions[1:]
    return _served(versions[0]) if versions else None


def _served(version: ModelVersion | None) -> Served | None:
    if version is None or not version.artifact:
        return None
    model = load(version)
    return Served(version, model) if model is not None else None


def load(version: ModelVersion) -> Recommender | None:
    with _lock:
        if version.pk in _loaded:
            return _loaded[version.pk]
    try:
        model = _load_artifact(version.artifact.name)
    except Exception:  # a broken or missing artifact must not take pages down
        log.exception("could not load model version %s from %s", version.pk, version.artifact.name)
        return None
    with _lock:
        while len(_loaded) >= MAX_LOADED:
            _loaded.pop(next(iter(_loaded)))
        _loaded[version.pk] = model
    return model


def _load_artifact(name: str) -> Recommender:
    cache_root = Path(getattr(settings, "MODEL_CACHE_DIR", Path(tempfile.gettempdir()) / "marquee-models"))
    target = cache_root / Path(name).stem
    if not (target / "model.json").is_file():
        target.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as handle, zipfile.ZipFile(handle) as archive:
            archive.extractall(target)
    return Recommender.load(target)


def forget_loaded() -> None:
    """Drop every model this process loaded (tests; and after a version's artifact changes)."""
    with _lock:
        _loaded.clear()
