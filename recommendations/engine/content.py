"""Content-based recommender: TF-IDF item vectors from tags, text and decade; user profiles in that space.

The only model that can recommend an item nobody has touched yet, and the one whose reasons
("Tagged Drama and Crime, like titles you watched") need no other viewer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from recommendations.engine.base import Config, Reason, Recommender, because_you_watched
from recommendations.engine.data import Dataset, ItemFeatures

# Curated facets describe what a title *is*; free keywords (MovieLens user tags) are many and noisy.
DEFAULT_FACET_WEIGHTS = (("genre", 1.0), ("category", 1.0), ("topic", 0.8), ("skill", 0.8), ("mood", 0.6))
CURATED_HEAVY_FACET_WEIGHTS = (("genre", 2.0), ("category", 2.0), ("topic", 1.5), ("skill", 1.5), ("mood", 1.0))
KEYWORD_FACET = "keyword"
# Words only: titles carry years and sequel numbers that say nothing about taste.
WORD_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"
POPULAR = Reason(kind="popular", text="Popular with viewers")


@dataclass(frozen=True)
class ContentConfig(Config):
    facet_weights: tuple[tuple[str, float], ...] = DEFAULT_FACET_WEIGHTS
    keyword_weight: float = 0.3
    other_facet_weight: float = 0.5  # facets editors add later
    text_weight: float = 0.0  # weight of the title/description block; 0 turns text off
    year_weight: float = 0.3  # weight of the decade block; 0 turns it off
    negative_weight: float = 1.0  # how strongly "not interested" pushes a profile away
    explain_tags: int = 2


class Content(Recommender):
    """score(u, i) = cos(profile_u, v_i), profile_u = Σ_j w_uj v_j - negative_weight · Σ_j n_uj v_j.

    Item vectors are L2-normalised sparse rows: a tag block (TF-IDF over whole "facet:name"
    tokens, columns scaled by facet weight), an optional text block and a decade block. Each
    block is normalised before weighting, so the weights say how much each kind of evidence counts.
    """

    name = "content"
    config_class = ContentConfig

    @classmethod
    def search_space(cls) -> dict[str, list]:
        return {
            "facet_weights": [DEFAULT_FACET_WEIGHTS, CURATED_HEAVY_FACET_WEIGHTS],
            "keyword_weight": [0.1, 0.3, 1.0],
            "text_weight": [0.0, 0.3],
            "year_weight": [0.0, 0.3, 1.0],
        }

    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        self.item_vectors_, self.tag_names_ = item_vectors(self.item_features, self.config)
        # Negative evidence decays like the positive history, so an old "not interested" fades.
        signed = data.matrix(half_life_days=self.config.half_life_days, positive=False)
        signed.data = np.maximum(-signed.data, 0)
        signed.eliminate_zeros()
        self.negatives_ = signed.astype(np.float32)

    def profiles(self, user_index: np.ndarray, history: sp.csr_matrix) -> sp.csr_matrix:
        """Unit-length user profiles in item-vector space (zero rows for users with no usable history)."""
        profile = history.astype(np.float32) @ self.item_vectors_
        known = user_index >= 0
        if known.any() and self.config.negative_weight:
            negatives = sp.diags(known.astype(np.float32)) @ self.negatives_[np.maximum(user_index, 0)]
            profile = profile - self.config.negative_weight * (negatives @ self.item_vectors_)
        return unit_rows(profile)

    def _score(self, user_index: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        return (self.profiles(user_index, history) @ self.item_vectors_.T).toarray()

    def _explain(self, rows: tuple, item: int) -> Reason:
        """The tags the item shares with the user's taste; else the most similar consumed title."""
        user_index, history, _ = rows
        if item < 0 or history.nnz == 0:
            return POPULAR
        tags = self._shared_tags(self.profiles(user_index, history), item)
        if tags:
            return Reason(kind="similar_tags", text=f"Tagged {_join(tags)}, like titles you watched", tags=tags)
        watched = history.indices
        similarity = (self.item_vectors_[watched] @ self.item_vectors_[item].T).toarray().ravel()
        if similarity.max() <= 0:
            return POPULAR
        return because_you_watched(self.items.id(int(watched[int(np.argmax(similarity))])))

    def _shared_tags(self, profile: sp.csr_matrix, item: int) -> tuple[str, ...]:
        """Tag columns contributing most to the cosine, names without their facet prefix."""
        n_tags = len(self.tag_names_)
        contribution = profile[:, :n_tags].multiply(self.item_vectors_[item, :n_tags]).toarray().ravel()
        best = np.argsort(-contribution, kind="stable")[: self.config.explain_tags]
        return tuple(self.tag_names_[i] for i in best if contribution[i] > 0)

    def _state(self) -> dict[str, np.ndarray]:
        v, n = self.item_vectors_, self.negatives_
        return {
            "v_data": v.data,
            "v_indices": v.indices,
            "v_indptr": v.indptr,
            "v_shape": np.asarray(v.shape),
            "n_data": n.data,
            "n_indices": n.indices,
            "n_indptr": n.indptr,
            "n_shape": np.asarray(n.shape),
        }

    def _extra_meta(self) -> dict:
        return {"tag_names": list(self.tag_names_)}

    def _set_state(self, state: dict[str, np.ndarray], extra: dict) -> None:
        self.item_vectors_ = _csr(state, "v")
        self.negatives_ = _csr(state, "n")
        self.tag_names_ = list(extra["tag_names"])


def item_vectors(features: ItemFeatures, config: ContentConfig) -> tuple[sp.csr_matrix, list[str]]:
    """L2-normalised item rows [tags | text | decade] and the display name of each tag column."""
    tags, tag_names = tag_block(features.tags, config)
    blocks = [tags]
    if config.text_weight > 0:
        blocks.append(config.text_weight * text_block(features.texts))
    if config.year_weight > 0:
        blocks.append(config.year_weight * decade_block(features.years))
    vectors = sp.hstack(blocks, format="csr", dtype=np.float32)
    return unit_rows(vectors), tag_names


def tag_block(item_tags: list[list[str]], config: ContentConfig) -> tuple[sp.csr_matrix, list[str]]:
    """TF-IDF over whole tags, each column scaled by its facet's weight, rows normalised."""
    documents = [_tag_tokens(tags) for tags in item_tags]
    if not any(documents):
        return sp.csr_matrix((len(item_tags), 0), dtype=np.float32), []
    vectorizer = TfidfVectorizer(analyzer=_identity, lowercase=False, norm=None)
    matrix = vectorizer.fit_transform(documents)
    tokens = vectorizer.get_feature_names_out()
    facet_weights = dict(config.facet_weights)
    weights = np.array([_facet_weight(token, facet_weights, config) for token in tokens], dtype=np.float32)
    display = _display_names(item_tags)
    return unit_rows(matrix @ sp.diags(weights)), [display[token] for token in tokens]


def text_block(texts: list[str]) -> sp.csr_matrix:
    """TF-IDF over words of the free text; words in a single item cannot link two items, so skip them."""
    if sum(bool(t and t.strip()) for t in texts) < 2:
        return sp.csr_matrix((len(texts), 0), dtype=np.float32)
    vectorizer = TfidfVectorizer(stop_words="english", token_pattern=WORD_PATTERN, min_df=2, sublinear_tf=True)
    try:
        return vectorizer.fit_transform(texts)
    except ValueError:  # nothing left after stop words and min_df
        return sp.csr_matrix((len(texts), 0), dtype=np.float32)


def decade_block(years: np.ndarray) -> sp.csr_matrix:
    """One column per decade; half weight on the neighbouring decades, so 1989 and 1991 still meet."""
    known = np.isfinite(years)
    if not known.any():
        return sp.csr_matrix((len(years), 0), dtype=np.float32)
    decade = np.where(known, np.floor(np.where(known, years, 0) / 10), 0).astype(np.int64)
    first, last = decade[known].min() - 1, decade[known].max() + 1
    rows = np.flatnonzero(known)
    columns = decade[known] - first
    matrix = sp.csr_matrix((len(years), int(last - first + 1)), dtype=np.float32)
    for offset, weight in ((0, 1.0), (-1, 0.5), (1, 0.5)):
        matrix = matrix + sp.csr_matrix(
            (np.full(len(rows), weight, dtype=np.float32), (rows, columns + offset)), shape=matrix.shape
        )
    return unit_rows(matrix)


def unit_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    """Rows scaled to unit L2 length (all-zero rows, and matrices without columns, left as they are)."""
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return (sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ matrix).tocsr()


def _tag_tokens(tags: list[str]) -> list[str]:
    """Each tag as one token "facet:name", lower-cased (the catalogue treats Drama and drama as one)."""
    return sorted({_token(tag) for tag in tags if tag and tag.strip()})


def _token(tag: str) -> str:
    facet, separator, name = tag.partition(":")
    if not separator:  # a bare tag is a free keyword
        facet, name = KEYWORD_FACET, tag
    return f"{facet.strip().lower()}:{name.strip().lower()}"


def _display_names(item_tags: list[list[str]]) -> dict[str, str]:
    """Token → the tag's name as first written, without its facet."""
    names: dict[str, str] = {}
    for tags in item_tags:
        for tag in tags:
            if tag and tag.strip():
                names.setdefault(_token(tag), tag.rpartition(":")[2].strip())
    return names


def _facet_weight(token: str, facet_weights: dict[str, float], config: ContentConfig) -> float:
    facet = token.partition(":")[0]
    if facet == KEYWORD_FACET:
        return config.keyword_weight
    return facet_weights.get(facet, config.other_facet_weight)


def _identity(document: list[str]) -> list[str]:
    return document


def _join(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _csr(state: dict[str, np.ndarray], prefix: str) -> sp.csr_matrix:
    shape = tuple(int(n) for n in state[f"{prefix}_shape"])
    return sp.csr_matrix((state[f"{prefix}_data"], state[f"{prefix}_indices"], state[f"{prefix}_indptr"]), shape=shape)
