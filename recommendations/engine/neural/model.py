"""The neural recommender: configuration, fitting, serving, explanations and persistence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from torch.nn import functional as F

from recommendations.engine.base import Config, Histories, Reason, Recommender, because_you_watched
from recommendations.engine.codes import encode_user_features, quantile_codes
from recommendations.engine.data import Dataset
from recommendations.engine.neural.encoding import (
    PAD,
    UNKNOWN,
    chronological_events,
    context_codes,
    encode_tags,
)
from recommendations.engine.neural.network import Network
from recommendations.engine.neural.training import Trainer, seeded

WEIGHTS_FILE = "network.pt"


@dataclass(frozen=True)
class NeuralConfig(Config):
    dim: int = 64
    layers: int = 2
    heads: int = 2
    max_len: int = 50  # how many recent items the self-attention reads
    profile_len: int = 1000  # how many past items the long-term taste profile averages; 0: none
    dropout: float = 0.2
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    epochs: int = 40  # an upper bound: early stopping picks the best epoch
    patience: int = 6  # epochs without a better validation score; 3 stopped far too early on ML-100K
    batch_size: int = 128  # sequences (windows of max_len events) per step
    negatives: int = 0  # 0: softmax over the whole catalogue; N: N shared uniform negatives per batch
    loss: str = "ce"  # "ce" (softmax cross-entropy) or "bce" (binary, positives vs negatives)
    weight_targets: bool = False  # weigh each target by its event weight (e.g. rating)
    id_dropout: float = 0.1  # hide item ids now and then so tags and year learn to stand alone
    context_dropout: float = 0.5  # serving rarely knows the moment of the next event: learn without it
    feature_dropout: float = 0.1  # users without features must still be served well
    history_dropout: float = 0.1  # hide the history now and then, so features and context learn to stand alone
    min_tag_count: int = 2  # rarer tags carry no shared signal
    year_buckets: int = 10
    feature_buckets: int = 8  # quantile buckets for numeric user features
    refit: bool = False  # after early stopping, retrain on every event (held-out ones too) for the best epoch count
    validation_users: int = 1000  # users whose last training items are held out for early stopping
    holdout: int = 3  # how many: more items make the stopping signal less noisy
    device: str = "auto"  # "auto" (cuda when available), "cpu", "cuda", ...
    threads: int = 0  # torch CPU threads while fitting; 0 keeps torch's default


class Neural(Recommender):
    """Sequence-aware two-tower network: P(user engages with item | history, features, context)."""

    name = "neural"
    config_class = NeuralConfig

    @classmethod
    def search_space(cls) -> dict[str, list]:
        return {
            "dim": [32, 64, 128],
            "layers": [1, 2],
            "heads": [1, 2],
            "max_len": [20, 50, 100, 200],
            "dropout": [0.1, 0.2, 0.3, 0.5],
            "learning_rate": [3e-4, 1e-3, 3e-3],
            "epochs": [20, 40, 80],
            "negatives": [0, 256, 1024],
            "weight_targets": [False, True],
        }

    # ---- fitting -------------------------------------------------------------------------
    def _fit(self, data: Dataset, history: sp.csr_matrix) -> None:
        with seeded(self.config):
            self._encode_features(data)
            events = chronological_events(data)
            self.seq_indptr_, self.seq_items_ = events.indptr, events.items
            self.network_ = self._build_network().to(self._device())
            self.training_log_ = Trainer(self, events).run()
            if self.config.refit and self.training_log_:
                # Early stopping held out every validation user's latest items, the ones closest
                # to what they do next; retrain from scratch on everything for the chosen epochs.
                best = max(self.training_log_, key=lambda row: row["ndcg_at_10"])["epoch"]
                self.network_ = self._build_network().to(self._device())
                Trainer(self, events, hold_out=False).train_for(best)
        self._prepare_serving()

    def _encode_features(self, data: Dataset) -> None:
        features = self.item_features
        self.tag_names_, self.tag_offsets_, self.tag_indices_ = encode_tags(features, self.config.min_tag_count)
        self.year_codes_ = quantile_codes(features.years, self.config.year_buckets)
        self.warm_ = np.zeros(data.n_items, dtype=bool)
        self.warm_[data.item_idx[data.weight > 0]] = True
        names, sizes, codes = encode_user_features(data.user_features, data.n_users, self.config.feature_buckets)
        self.user_feature_names_, self.user_feature_sizes_, self.user_codes_ = names, sizes, codes

    def _build_network(self) -> Network:
        return Network(
            n_items=self.n_items,
            tag_offsets=self.tag_offsets_,
            tag_indices=self.tag_indices_,
            n_tags=len(self.tag_names_),
            year_codes=self.year_codes_,
            warm=self.warm_,
            user_feature_sizes=self.user_feature_sizes_,
            config=self.config,
        )

    def _device(self) -> torch.device:
        if self.config.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.config.device)

    def _prepare_serving(self) -> None:
        self.network_.eval()
        with torch.no_grad():
            self._item_table = self.network_.item_table()

    # ---- serving -------------------------------------------------------------------------
    def _score(self, user_index: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        vectors = self._user_vectors(user_index, history, np.zeros(len(user_index)))
        with torch.no_grad():
            scores = self.network_.logits(vectors, self._item_table)
        return scores.cpu().numpy().astype(np.float32)

    def predict_proba(
        self,
        user_ids: Sequence,
        item_ids: Sequence,
        context: float | Sequence[float] | None = None,
        *,
        histories: Histories | None = None,
    ) -> np.ndarray:
        """Probability that each (user, item) pair engages, for parallel lists of users and items.

        `context` is the moment of the request in Unix seconds (one for all pairs or one per
        pair); its hour and weekday feed the context embeddings. None: context unknown.
        """
        self._require_fitted()
        user_ids, items = list(user_ids), self.items.indices(item_ids)
        if len(items) != len(user_ids):
            raise ValueError("user_ids and item_ids must be parallel lists of the same length")
        if (items < 0).any():
            raise KeyError(f"unknown items {[i for i, x in zip(item_ids, items, strict=True) if x < 0]!r}")
        moments = np.broadcast_to(np.asarray(0 if context is None else context, dtype=np.float64), items.shape)
        user_index, history, _ = self.history_rows(user_ids, histories)
        vectors = self._user_vectors(user_index, history, moments)
        with torch.no_grad():
            logits = self.network_.pair_logits(
                vectors, self._item_table, torch.as_tensor(items + 1, device=vectors.device)
            )
        return torch.sigmoid(logits).cpu().numpy().astype(np.float64)

    def _explain(self, rows: tuple, target: int) -> Reason:
        """Because you watched the history item whose item-tower vector is closest (cosine) to the target."""
        _, history, _ = rows
        watched = history.indices[history.data > 0]
        if target < 0 or len(watched) == 0:
            return Reason(kind="popular", text="Popular with viewers")
        vectors = F.normalize(self._item_table[1:, :-1], dim=1)
        similarity = vectors[torch.as_tensor(watched, device=vectors.device)] @ vectors[target]
        return because_you_watched(self.items.id(int(watched[int(torch.argmax(similarity))])))

    def _user_vectors(self, user_index: np.ndarray, history: sp.csr_matrix, moments: np.ndarray) -> torch.Tensor:
        device = self._item_table.device
        inputs = self._history_inputs(user_index, history)
        inputs["codes"] = np.where((user_index >= 0)[:, None], self.user_codes_[np.maximum(user_index, 0)], UNKNOWN)
        inputs["hours"], inputs["weekdays"] = context_codes(moments)
        with torch.no_grad():
            tensors = {key: torch.as_tensor(value, device=device) for key, value in inputs.items()}
            return self.network_.user_vectors(self._item_table, **tensors)

    def _history_inputs(self, user_index: np.ndarray, history: sp.csr_matrix) -> dict[str, np.ndarray]:
        """The recent sequence (batch × max_len tokens, left-padded, most recent last) and the
        long-term profile's bag (the last profile_len items with their weights, as offsets)."""
        length = self.config.max_len
        tokens = np.full((len(user_index), length), PAD, dtype=np.int64)
        bags, bag_weights = [], []
        for row, user in enumerate(user_index):
            items, weights = self._ordered_history(int(user), history, row)
            recent = items[-length:]
            tokens[row, length - len(recent) :] = recent + 1
            bags.append(items[len(items) - self.config.profile_len :] + 1 if self.config.profile_len else items[:0])
            bag_weights.append(weights[len(weights) - len(bags[-1]) :])
        sizes = np.array([len(bag) for bag in bags], dtype=np.int64)
        return {
            "tokens": tokens,
            "bag_tokens": np.concatenate(bags).astype(np.int64),
            "bag_offsets": np.cumsum(sizes) - sizes,
            "bag_weights": np.concatenate(bag_weights).astype(np.float32),
            "bag_totals": np.array([w.sum() for w in bag_weights], dtype=np.float32),
        }

    def _ordered_history(self, user: int, history: sp.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
        """The row's items (and weights) in the order the user saw them, as far as we know it.

        Items from the stored training sequence keep their time order; any other item (the caller
        passed newer history, or the user is new) comes after them, lowest weight first.
        """
        start, end = history.indptr[row], history.indptr[row + 1]
        positive = history.data[start:end] > 0
        items, weights = history.indices[start:end][positive], history.data[start:end][positive]
        stored = self.seq_items_[self.seq_indptr_[user] : self.seq_indptr_[user + 1]] if user >= 0 else items[:0]
        by_item = np.argsort(items)
        known = stored[np.isin(stored, items)]
        known_weights = weights[by_item[np.searchsorted(items, known, sorter=by_item)]]
        newer = np.flatnonzero(~np.isin(items, stored))
        newer = newer[np.argsort(weights[newer], kind="stable")]
        return np.concatenate([known, items[newer]]).astype(np.int64), np.concatenate([known_weights, weights[newer]])

    # ---- persistence ---------------------------------------------------------------------
    def _state(self) -> dict[str, np.ndarray]:
        return {
            "tag_offsets": self.tag_offsets_,
            "tag_indices": self.tag_indices_,
            "year_codes": self.year_codes_,
            "warm": self.warm_,
            "user_codes": self.user_codes_,
            "seq_indptr": self.seq_indptr_,
            "seq_items": self.seq_items_,
        }

    def _set_state(self, state: dict[str, np.ndarray], extra: dict) -> None:
        self.tag_offsets_, self.tag_indices_ = state["tag_offsets"], state["tag_indices"]
        self.year_codes_, self.warm_, self.user_codes_ = state["year_codes"], state["warm"], state["user_codes"]
        self.seq_indptr_, self.seq_items_ = state["seq_indptr"], state["seq_items"]
        self.tag_names_ = extra["tags"]
        self.user_feature_names_, self.user_feature_sizes_ = extra["user_features"], extra["user_feature_sizes"]
        self.training_log_ = extra.get("training_log", [])

    def _extra_meta(self) -> dict:
        return {
            "tags": self.tag_names_,
            "user_features": self.user_feature_names_,
            "user_feature_sizes": self.user_feature_sizes_,
            "training_log": self.training_log_,
        }

    def _save_extra(self, directory: Path) -> None:
        weights = {key: value.detach().cpu() for key, value in self.network_.state_dict().items()}
        torch.save(weights, directory / WEIGHTS_FILE)

    def _load_extra(self, directory: Path) -> None:
        with torch.random.fork_rng(devices=[]):  # building initialises weights we overwrite at once
            self.network_ = self._build_network()
        self.network_.load_state_dict(torch.load(directory / WEIGHTS_FILE, map_location="cpu", weights_only=True))
        self.network_.to(self._device())
        self._prepare_serving()
