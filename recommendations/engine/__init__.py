"""Marquee's recommender engine: a Django-free library (numpy, scipy, scikit-learn, torch).

Services translate the database into `Dataset`s and call `fit` / `recommend`; the CLI
(`python -m recommendations.engine`) does the same from CSV files.
"""

from recommendations.engine.base import Reason, Recommender
from recommendations.engine.data import Dataset, EventWeights, ItemFeatures, UserFeatures, Vocabulary
from recommendations.engine.registry import algorithm_names, get_algorithm

__all__ = [
    "Dataset",
    "EventWeights",
    "ItemFeatures",
    "Reason",
    "Recommender",
    "UserFeatures",
    "Vocabulary",
    "algorithm_names",
    "get_algorithm",
]
