"""Integer codes for side features, shared by the neural model and the hybrid's segment feature.

Code 0 always means "unknown / absent", so lookups keyed by it can be pinned at zero.
"""

from __future__ import annotations

import numpy as np

from recommendations.engine.data import UserFeatures

UNKNOWN = 0


def quantile_codes(values: np.ndarray, buckets: int) -> np.ndarray:
    """Codes 1..buckets by quantile of the known values; 0 where a value is unknown (NaN)."""
    values = np.asarray(values, dtype=np.float64)
    known = np.isfinite(values)
    if not known.any():
        return np.zeros(len(values), dtype=np.int64)
    edges = np.unique(np.quantile(values[known], np.linspace(0, 1, buckets + 1)[1:-1]))
    codes = np.searchsorted(edges, np.where(known, values, 0.0), side="right") + 1
    return np.where(known, codes, UNKNOWN).astype(np.int64)


def encode_user_features(
    features: UserFeatures | None, n_users: int, buckets: int
) -> tuple[list[str], list[int], np.ndarray]:
    """Column names, embedding sizes and (n_users × columns) codes; 0 marks a missing value."""
    names, sizes, columns = [], [], []
    features = features or UserFeatures()
    for name, values in sorted(features.numeric.items()):
        names.append(name)
        columns.append(quantile_codes(values, buckets))
        sizes.append(buckets + 2)
    for name, values in sorted(features.categorical.items()):
        present = [v not in (None, "", "nan") for v in values]
        vocabulary = {v: i + 1 for i, v in enumerate(sorted({v for v, p in zip(values, present, strict=True) if p}))}
        names.append(name)
        columns.append(np.array([vocabulary.get(v, UNKNOWN) for v in values], dtype=np.int64))
        sizes.append(len(vocabulary) + 1)
    codes = np.stack(columns, axis=1) if columns else np.zeros((n_users, 0), dtype=np.int64)
    return names, sizes, codes
