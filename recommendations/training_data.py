"""Database → engine: the training data set, built from events that privacy allows.

Users who turned personalisation off are left out (see selectors.training_events); paused
history stored nothing; erased users are gone. Every published title is in the item vocabulary,
touched or not, so that the content model can recommend new titles.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from accounts.models import User
from catalog.models import Title
from recommendations.engine import Dataset, EventWeights, ItemFeatures, UserFeatures
from recommendations.models import Event
from recommendations.selectors import training_events

EVENT_WEIGHTS = EventWeights()
SIGNAL_TYPES = [t for t in Event.Type.values if t != Event.Type.VIEW]  # a page view is not yet a taste


@dataclass
class TrainingData:
    dataset: Dataset
    counts: dict

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.dataset)


def build_training_data(*, include_views: bool = False) -> TrainingData:
    """Every allowed event, weighted as EventWeights says, with title and user features."""
    events = training_events().filter(title__is_published=True)
    if not include_views:
        events = events.filter(type__in=SIGNAL_TYPES)
    rows = list(events.order_by().values_list("user_id", "title_id", "type", "value", "timestamp"))
    titles = list(Title.objects.published().order_by("pk").values_list("pk", flat=True))
    users, items, types, values, stamps = (list(column) for column in zip(*rows, strict=True)) if rows else ([],) * 5
    value_array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    ratings = np.where(np.array(types, dtype=object) == Event.Type.RATE, value_array, np.nan)
    dataset = Dataset.from_events(
        users,
        items,
        weights=EVENT_WEIGHTS.for_types(types, value_array),
        timestamps=[int(t.timestamp()) for t in stamps],
        all_items=titles,
    )
    # Relevance for evaluation: rated 4+ when rated; any positive event otherwise (NaN = no rating).
    dataset.rating = ratings.astype(np.float32) if np.isfinite(ratings).any() else None
    dataset.item_features = item_features(dataset.items.ids())
    dataset.user_features = user_features(dataset.users.ids())
    counts = {
        "events": len(rows),
        "users": dataset.n_users,
        "items": dataset.n_items,
        "users_opted_out": User.objects.filter(personalization=False).count(),
    }
    return TrainingData(dataset, counts)


def fingerprint(dataset: Dataset) -> str:
    """A digest of everything a model learns from, the same whatever order the database returned
    the events in: each event (user, title, weight, time, rating), the catalogue and its features,
    and the users' declared features."""
    user_ids = np.asarray(dataset.users.ids()[dataset.user_idx], dtype=np.int64)
    item_ids = np.asarray(dataset.items.ids()[dataset.item_idx], dtype=np.int64)
    rating = np.full(dataset.n_events, np.nan) if dataset.rating is None else dataset.rating
    order = np.lexsort((rating, dataset.weight, dataset.timestamp, item_ids, user_ids))  # ties too: a total order
    digest = hashlib.sha256()
    for column in (user_ids, item_ids, dataset.weight, dataset.timestamp, rating):
        digest.update(np.ascontiguousarray(np.asarray(column)[order]).tobytes())
    catalogue = sorted(zip(dataset.items.to_list(), *_feature_lists(dataset), strict=True))
    digest.update(json.dumps([catalogue, _user_profiles(dataset)], default=str).encode())
    return digest.hexdigest()


def _feature_lists(dataset: Dataset) -> tuple[list, list, list]:
    features = dataset.item_features or ItemFeatures.empty(dataset.n_items)
    years = [None if np.isnan(year) else float(year) for year in features.years]
    return features.tags, years, features.texts


def _user_profiles(dataset: Dataset) -> list:
    features = dataset.user_features
    if features is None:
        return []
    numeric = {name: [None if np.isnan(v) else float(v) for v in values] for name, values in features.numeric.items()}
    columns = numeric | features.categorical
    names = sorted(columns)
    users = dataset.users.to_list()
    return [names, sorted([user, *(columns[name][i] for name in names)] for i, user in enumerate(users))]


def item_features(title_ids) -> ItemFeatures:
    """Tags as "facet:Name" (the content model weighs facets), release year, title + synopsis.

    Reads every published title in two queries (no IN list of ids: a catalogue may hold more
    titles than a database accepts as query parameters).
    """
    tags: dict[int, list[str]] = defaultdict(list)
    through = Title.tags.through.objects.filter(title__is_published=True)
    for title_id, facet, name in through.values_list("title_id", "tag__facet__slug", "tag__name"):
        tags[title_id].append(f"{facet}:{name}")
    published = Title.objects.published().values_list("pk", "year", "title", "synopsis")
    info = {pk: (year, f"{title} {synopsis}".strip()) for pk, year, title, synopsis in published}
    ids = [int(pk) for pk in title_ids]
    return ItemFeatures(
        tags=[sorted(tags.get(pk, [])) for pk in ids],
        years=np.array([np.nan if info[pk][0] is None else float(info[pk][0]) for pk in ids]),
        texts=[info[pk][1] for pk in ids],
    )


def user_features(user_ids) -> UserFeatures | None:
    """Age, gender and occupation where users gave them (MovieLens accounts do); None when nobody did."""
    ids = [int(pk) for pk in user_ids]
    rows = User.objects.exclude(age=None, gender="", occupation="").values_list("pk", "age", "gender", "occupation")
    profiles = {pk: (age, gender, occupation) for pk, age, gender, occupation in rows}
    if not any(pk in profiles for pk in ids):
        return None
    blank = (None, "", "")
    ages = np.array([np.nan if profiles.get(pk, blank)[0] is None else float(profiles[pk][0]) for pk in ids])
    return UserFeatures(
        numeric={"age": ages},
        categorical={
            "gender": [profiles.get(pk, blank)[1] or "" for pk in ids],
            "occupation": [profiles.get(pk, blank)[2] or "" for pk in ids],
        },
    )
