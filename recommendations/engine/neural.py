"""Neural recommender (torch): a sequence-aware two-tower model of "what will this user engage with next".

User tower, the sum of three parts:
- recent order: the user's last `max_len` items in time order (left-padded), each as its item-tower
  vector plus a position embedding (so order and recency count), through a few causal
  self-attention blocks (SASRec, Kang & McAuley 2018); the output at the latest position;
- long-term taste: the weighted mean of the vectors of everything the user engaged with (up to
  `profile_len` items), projected (as in YouTube's candidate generator, Covington et al. 2016).
  On MovieLens latest-small, where histories span years, attention over recent items alone fell
  well short of ALS;
- features and context: embeddings of the user's features (categorical values; numeric ones in
  quantile buckets) and of the hour of day and weekday of the event being predicted.
Item tower: an id embedding plus the mean of the item's tag embeddings plus a release-year bucket,
and an id bias. An item nobody has interacted with is represented by its tags and year alone, so
new titles still get sensible vectors.

score = user · item + bias; `predict_proba` turns it into a probability with a sigmoid. Training is
next-item prediction over each user's chronological history with cross-entropy over the whole
catalogue or over shared sampled negatives (Klenitskiy & Vasilev 2023: CE beats BCE for SASRec),
with early stopping on the last few items of some users, held out from the training data.

Torch is imported only here (the registry imports this module lazily). Known users' event order is
stored at fit time because CSR history rows lose it; a user the model has not seen is served from
the history row with items ordered by weight (highest last, i.e. treated as most recent): a
documented approximation, since `histories` carry no timestamps.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn
from torch.nn import functional as F

from recommendations.engine.base import Config, Histories, Reason, Recommender, because_you_watched
from recommendations.engine.data import SECONDS_PER_DAY, Dataset, ItemFeatures, UserFeatures

# Item index i enters the network as token i + 1; token 0 is padding. Feature code 0 means
# "unknown / absent" and its embedding is pinned at zero, so absent features add nothing.
PAD = 0
UNKNOWN = 0
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
        with _seeded(self.config):
            self._encode_features(data)
            events = _chronological_events(data)
            self.seq_indptr_, self.seq_items_ = events.indptr, events.items
            self.network_ = self._build_network().to(self._device())
            self.training_log_ = _Trainer(self, events).run()
        self._prepare_serving()

    def _encode_features(self, data: Dataset) -> None:
        features = self.item_features
        self.tag_names_, self.tag_offsets_, self.tag_indices_ = _encode_tags(features, self.config.min_tag_count)
        self.year_codes_ = _quantile_codes(features.years, self.config.year_buckets)
        self.warm_ = np.zeros(data.n_items, dtype=bool)
        self.warm_[data.item_idx[data.weight > 0]] = True
        names, sizes, codes = _encode_user_features(data.user_features, data.n_users, self.config.feature_buckets)
        self.user_feature_names_, self.user_feature_sizes_, self.user_codes_ = names, sizes, codes

    def _build_network(self) -> _Network:
        return _Network(
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

    def explain(self, user_id: Any, item_id: Any, *, histories: Histories | None = None) -> Reason:
        """Because you watched the history item whose item-tower vector is closest (cosine) to the target."""
        self._require_fitted()
        _, history, _ = self.history_rows([user_id], histories)
        watched, target = history.indices[history.data > 0], self.items.index(item_id)
        if target < 0 or len(watched) == 0:
            return Reason(kind="popular", text="Popular with viewers")
        vectors = F.normalize(self._item_table[1:, :-1], dim=1)
        similarity = vectors[torch.as_tensor(watched, device=vectors.device)] @ vectors[target]
        return because_you_watched(self.items.id(int(watched[int(torch.argmax(similarity))])))

    def _user_vectors(self, user_index: np.ndarray, history: sp.csr_matrix, moments: np.ndarray) -> torch.Tensor:
        device = self._item_table.device
        inputs = self._history_inputs(user_index, history)
        inputs["codes"] = np.where((user_index >= 0)[:, None], self.user_codes_[np.maximum(user_index, 0)], UNKNOWN)
        inputs["hours"], inputs["weekdays"] = _context_codes(moments)
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


# ---- the network -------------------------------------------------------------------------
class _Block(nn.Module):
    """Pre-norm causal self-attention + feed-forward, as in SASRec."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.attention_norm, self.feed_norm = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.project = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.feed = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, dim))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        batch, length, dim = x.shape
        qkv = self.qkv(self.attention_norm(x)).view(batch, length, 3, self.heads, dim // self.heads)
        query, key, value = qkv.permute(2, 0, 3, 1, 4)
        # No dropout on the attention weights: on CPU it makes attention four times slower, and
        # the dropout on residuals and inputs regularises enough.
        attended = F.scaled_dot_product_attention(query, key, value, attn_mask=allowed)
        x = x + self.dropout(self.project(attended.transpose(1, 2).reshape(batch, length, dim)))
        return x + self.dropout(self.feed(self.feed_norm(x)))


class _Network(nn.Module):
    def __init__(
        self,
        *,
        n_items: int,
        tag_offsets: np.ndarray,
        tag_indices: np.ndarray,
        n_tags: int,
        year_codes: np.ndarray,
        warm: np.ndarray,
        user_feature_sizes: list[int],
        config: NeuralConfig,
    ) -> None:
        super().__init__()
        dim = config.dim
        # Item side data is rebuilt from the saved npz, so it stays out of the state_dict.
        self.register_buffer("tag_offsets", torch.as_tensor(tag_offsets, dtype=torch.long), persistent=False)
        self.register_buffer("tag_indices", torch.as_tensor(tag_indices, dtype=torch.long), persistent=False)
        self.register_buffer("year_codes", torch.as_tensor(year_codes, dtype=torch.long), persistent=False)
        self.register_buffer("warm", torch.as_tensor(warm, dtype=torch.float32), persistent=False)
        self.item_ids = nn.Parameter(torch.randn(n_items, dim) * dim**-0.5)
        self.item_bias = nn.Parameter(torch.zeros(n_items))
        self.tags = nn.EmbeddingBag(max(n_tags, 1), dim, mode="mean")
        self.years = nn.Embedding(config.year_buckets + 2, dim, padding_idx=UNKNOWN)
        self.positions = nn.Embedding(config.max_len, dim)
        self.blocks = nn.ModuleList(_Block(dim, config.heads, config.dropout) for _ in range(config.layers))
        self.final_norm = nn.LayerNorm(dim)
        self.profile = nn.Linear(dim, dim)
        self.input_dropout = nn.Dropout(config.dropout)
        self.user_features = nn.ModuleList(nn.Embedding(size, dim, padding_idx=UNKNOWN) for size in user_feature_sizes)
        self.hours = nn.Embedding(25, dim, padding_idx=UNKNOWN)
        self.weekdays = nn.Embedding(8, dim, padding_idx=UNKNOWN)
        for table in [self.tags, self.years, self.positions]:
            nn.init.normal_(table.weight, std=dim**-0.5)
        # Side embeddings start as near no-ops, so a feature that carries no signal adds no noise.
        for table in [*self.user_features, self.hours, self.weekdays]:
            nn.init.normal_(table.weight, std=0.01)
        for table in [self.years, *self.user_features, self.hours, self.weekdays]:
            table.weight.data[UNKNOWN].zero_()

    def item_table(self, keep_ids: torch.Tensor | None = None) -> torch.Tensor:
        """(n_items + 1) × (dim + 1): item vectors with the bias as a last column; row 0 is padding.

        Items without training events (and, while training, a random few) use content alone.
        """
        keep = self.warm if keep_ids is None else self.warm * keep_ids
        content = self.tags(self.tag_indices, self.tag_offsets) + self.years(self.year_codes)
        vectors = content + self.item_ids * keep[:, None]
        table = torch.cat([vectors, (self.item_bias * keep)[:, None]], dim=1)
        return F.pad(table, (0, 0, 1, 0))

    def encode(self, tokens: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
        """Causal self-attention over left-padded sequences → (batch, length, dim); zero at padding."""
        length = tokens.shape[1]
        real = tokens != PAD
        x = table[tokens, :-1] + self.positions.weight[-length:]
        x = self.input_dropout(x) * real[..., None]
        causal = torch.ones(length, length, dtype=torch.bool, device=tokens.device).tril()
        # Every position may attend to itself, so no row is fully masked (which would give NaN).
        allowed = causal & (real[:, None, None, :] | torch.eye(length, dtype=torch.bool, device=tokens.device))
        for block in self.blocks:
            x = block(x, allowed)
        return self.final_norm(x) * real[..., None]

    def side(self, codes: torch.Tensor, hours: torch.Tensor, weekdays: torch.Tensor) -> torch.Tensor:
        """User features + context. `codes` is (batch, columns); hours/weekdays (batch,) or (batch, length)."""
        vector = self.hours(hours) + self.weekdays(weekdays)
        for column, table in enumerate(self.user_features):
            user = table(codes[:, column])
            vector = vector + (user[:, None, :] if vector.dim() == 3 else user)
        return vector

    def bag_sums(self, table: torch.Tensor, tokens: torch.Tensor, offsets: torch.Tensor, weights: torch.Tensor):
        """Weighted sums of item vectors, one per bag (bags given as flat tokens + offsets)."""
        return F.embedding_bag(tokens, table[:, :-1], offsets, mode="sum", per_sample_weights=weights)

    def summarise(self, sums: torch.Tensor, totals: torch.Tensor) -> torch.Tensor:
        """Long-term taste: the weighted mean of the items seen so far, projected; zero without any."""
        mean = sums / totals.clamp(min=1e-6)[..., None]
        return self.profile(mean) * (totals > 0)[..., None]

    def user_vectors(
        self,
        table: torch.Tensor,
        *,
        tokens: torch.Tensor,
        bag_tokens: torch.Tensor,
        bag_offsets: torch.Tensor,
        bag_weights: torch.Tensor,
        bag_totals: torch.Tensor,
        codes: torch.Tensor,
        hours: torch.Tensor,
        weekdays: torch.Tensor,
    ) -> torch.Tensor:
        """Recent sequence (latest position) + long-term profile + features and context.

        With no history at all, features and context alone.
        """
        profile = self.summarise(self.bag_sums(table, bag_tokens, bag_offsets, bag_weights), bag_totals)
        return self.encode(tokens, table)[:, -1] + profile + self.side(codes, hours, weekdays)

    @staticmethod
    def logits(users: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
        return users @ table[1:, :-1].T + table[1:, -1]

    @staticmethod
    def pair_logits(users: torch.Tensor, table: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return (users * table[tokens, :-1]).sum(dim=-1) + table[tokens, -1]


# ---- training ----------------------------------------------------------------------------
@dataclass
class _Events:
    """Positive events, one per (user, item) (the latest), grouped by user in time order."""

    indptr: np.ndarray  # user u's events are [indptr[u], indptr[u + 1])
    items: np.ndarray
    timestamps: np.ndarray
    weights: np.ndarray

    def without(self, drop: np.ndarray) -> _Events:
        keep = np.ones(len(self.items), dtype=bool)
        keep[drop] = False
        n_users = len(self.indptr) - 1
        users = np.repeat(np.arange(n_users), np.diff(self.indptr))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(users[keep], minlength=n_users))])
        return _Events(indptr, self.items[keep], self.timestamps[keep], self.weights[keep])


class _Trainer:
    """Next-item training over windows of each user's sequence, early-stopped on held-out last items."""

    def __init__(self, model: Neural, events: _Events) -> None:
        self.model, self.network, self.config = model, model.network_, model.config
        self.device = next(self.network.parameters()).device
        holdout = self.config.holdout
        self.holdout_users = _holdout_users(events, self.config.validation_users, holdout, self.config.seed)
        last = events.indptr[self.holdout_users + 1][:, None] - np.arange(1, holdout + 1)[None, :]
        self.holdout_items = events.items[last]  # (users, holdout)
        train_events = events.without(last.ravel())
        scale = float(train_events.weights.mean()) if len(train_events.weights) else 1.0
        # Mean weight 1, so that the learning rate means the same whatever the event weights.
        self.event_weights = (train_events.weights / max(scale, 1e-9)).astype(np.float32)
        self.windows = self._windows(train_events)
        self.event_tokens = torch.as_tensor(train_events.items + 1, device=self.device)
        self.event_weights_tensor = torch.as_tensor(self.event_weights, device=self.device)

    def _windows(self, events: _Events) -> dict[str, torch.Tensor]:
        length = self.config.max_len
        users, positions = _window_positions(events.indptr, length)
        valid = positions >= 0
        take = np.maximum(positions, 0)
        hours, weekdays = _context_codes(events.timestamps[take])
        weights = np.where(valid, self.event_weights[take], 0.0).astype(np.float32)
        # The profile also counts the user's events before the window (up to profile_len in all).
        first_input = np.where(valid[:, 0], positions[:, 0], events.indptr[users])
        earlier = max(self.config.profile_len - length, 0) if self.config.profile_len else 0
        prefix_start = np.maximum(events.indptr[users], first_input - earlier)
        cumulative = np.concatenate([[0.0], np.cumsum(self.event_weights, dtype=np.float64)])
        arrays = {
            "tokens": np.where(valid, events.items[take] + 1, PAD),
            "hours": np.where(valid, hours, UNKNOWN)[:, 1:],
            "weekdays": np.where(valid, weekdays, UNKNOWN)[:, 1:],
            "weights": weights,
            "codes": self.model.user_codes_[users],
            "prefix_start": prefix_start,
            "prefix_end": first_input,
            "prefix_totals": (cumulative[first_input] - cumulative[prefix_start]).astype(np.float32),
        }
        return {key: torch.as_tensor(value, device=self.device) for key, value in arrays.items()}

    def run(self) -> list[dict]:
        optimizer = torch.optim.Adam(
            self.network.parameters(), lr=self.config.learning_rate, weight_decay=self.config.weight_decay
        )
        log, best_score, best_state = [], -np.inf, None
        for epoch in range(self.config.epochs):
            loss = self._epoch(optimizer)
            score = self._validate()
            log.append({"epoch": epoch + 1, "loss": round(loss, 5), "ndcg_at_10": round(score, 5)})
            if score > best_score:
                best_score, best_epoch, best_state = score, epoch, copy.deepcopy(self.network.state_dict())
            elif epoch - best_epoch >= self.config.patience:
                break
        if best_state is not None:
            self.network.load_state_dict(best_state)
        return log

    def _epoch(self, optimizer: torch.optim.Optimizer) -> float:
        self.network.train()
        n_windows = len(self.windows["tokens"])
        order = torch.randperm(n_windows).to(self.device)
        total = 0.0
        for start in range(0, n_windows, self.config.batch_size):
            batch = {key: value[order[start : start + self.config.batch_size]] for key, value in self.windows.items()}
            loss = self._batch_loss(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(batch["tokens"])
        return total / max(n_windows, 1)

    def _batch_loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        network, config = self.network, self.config
        keep_ids = (torch.rand(network.item_ids.shape[0], device=self.device) >= config.id_dropout).float()
        table = network.item_table(keep_ids)
        inputs, targets = batch["tokens"][:, :-1], batch["tokens"][:, 1:]
        side = network.side(
            _drop(batch["codes"], config.feature_dropout),
            _drop(batch["hours"], config.context_dropout),
            _drop(batch["weekdays"], config.context_dropout),
        )
        # Where the history is hidden (and for the first item of a history, which has none) the
        # target is predicted from features and context alone: the path that serves users
        # without history. Added to the history's output, those vectors would otherwise be free
        # to learn corrections that mean nothing on their own.
        history = network.encode(inputs, table) + self._profiles(batch, table)
        hidden = torch.rand(history.shape[:2], device=self.device) < config.history_dropout
        users = history.masked_fill(hidden[..., None], 0.0) + side
        valid = targets != PAD
        users, targets = users[valid], targets[valid]
        weights = batch["weights"][:, 1:][valid] if config.weight_targets else torch.ones_like(users[:, 0])
        losses = self._losses(users, targets, table)
        return (losses * weights).sum() / weights.sum()

    def _profiles(self, batch: dict[str, torch.Tensor], table: torch.Tensor) -> torch.Tensor:
        """(batch, length, dim) long-term profile at each position: everything seen up to it."""
        if not self.config.profile_len:
            return torch.zeros((), device=self.device)
        starts, lengths = batch["prefix_start"], batch["prefix_end"] - batch["prefix_start"]
        offsets = torch.cumsum(lengths, 0) - lengths
        flat = torch.arange(int(lengths.sum()), device=self.device) - torch.repeat_interleave(offsets - starts, lengths)
        prefix = self.network.bag_sums(table, self.event_tokens[flat], offsets, self.event_weights_tensor[flat])
        weights = batch["weights"][:, :-1]
        sums = prefix[:, None] + torch.cumsum(table[batch["tokens"][:, :-1], :-1] * weights[..., None], dim=1)
        totals = batch["prefix_totals"][:, None] + torch.cumsum(weights, dim=1)
        return self.network.summarise(sums, totals)

    def _losses(self, users: torch.Tensor, targets: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
        """Per-target loss of the true next item against the catalogue or sampled negatives."""
        positive = _Network.pair_logits(users, table, targets)
        if self.config.negatives > 0:
            negatives = torch.randint(1, table.shape[0], (self.config.negatives,), device=self.device)
            negative = users @ table[negatives, :-1].T + table[negatives, -1]
            negative = negative.masked_fill(negatives[None, :] == targets[:, None], -torch.inf)
        else:
            negative = _Network.logits(users, table)
            negative = negative.scatter(1, (targets - 1)[:, None], -torch.inf)
        if self.config.loss == "bce":
            finite = torch.isfinite(negative)
            negative_loss = (F.softplus(negative) * finite).sum(dim=1) / finite.sum(dim=1).clamp(min=1)
            return F.softplus(-positive) + negative_loss
        logits = torch.cat([positive[:, None], negative], dim=1)
        return F.cross_entropy(logits, torch.zeros_like(targets), reduction="none")

    def _validate(self) -> float:
        """nDCG@10 of held-out users' last items, ranked among everything else they had not seen."""
        if len(self.holdout_users) == 0:
            return 0.0
        self.model._prepare_serving()
        gains = [
            self._holdout_ndcg(self.holdout_users[start : start + 512], self.holdout_items[start : start + 512])
            for start in range(0, len(self.holdout_users), 512)
        ]
        return float(np.concatenate(gains).mean())

    def _holdout_ndcg(self, users: np.ndarray, targets: np.ndarray, k: int = 10) -> np.ndarray:
        rows = np.repeat(np.arange(len(users)), targets.shape[1])
        history = self.model.history_[users].tolil()
        history[rows, targets.ravel()] = 0  # the held-out items are what we predict
        history = history.tocsr()
        history.eliminate_zeros()
        scores = self.model._score(users, history)
        relevant = np.zeros(scores.shape, dtype=bool)
        relevant[rows, targets.ravel()] = True
        scores[(self.model.seen_[users].toarray() > 0) & ~relevant] = -np.inf
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1), axis=1)
        discounts = 1.0 / np.log2(np.arange(2, k + 2))
        ideal = discounts[: min(k, targets.shape[1])].sum()
        return (np.take_along_axis(relevant, top, axis=1) * discounts).sum(axis=1) / ideal


def _drop(codes: torch.Tensor, rate: float) -> torch.Tensor:
    """Replace a random `rate` of feature codes by UNKNOWN."""
    if rate <= 0:
        return codes
    return codes.masked_fill(torch.rand(codes.shape, device=codes.device) < rate, UNKNOWN)


# ---- numpy preparation -------------------------------------------------------------------
def _chronological_events(data: Dataset) -> _Events:
    positive = data.weight > 0
    users, items = data.user_idx[positive].astype(np.int64), data.item_idx[positive].astype(np.int64)
    timestamps, weights = data.timestamp[positive], data.weight[positive]
    order = np.lexsort((np.arange(len(users)), timestamps, users))
    users, items, timestamps, weights = users[order], items[order], timestamps[order], weights[order]
    # A title watched twice counts once, at its latest moment.
    pair = users * data.n_items + items
    _, first_from_end = np.unique(pair[::-1], return_index=True)
    keep = np.sort(len(pair) - 1 - first_from_end)
    counts = np.bincount(users[keep], minlength=data.n_users)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return _Events(indptr, items[keep], timestamps[keep], weights[keep].astype(np.float32))


def _holdout_users(events: _Events, limit: int, holdout: int, seed: int) -> np.ndarray:
    """Users (with two events left for training) whose last `holdout` items are held out."""
    eligible = np.flatnonzero(np.diff(events.indptr) >= holdout + 2)
    if len(eligible) > limit:
        eligible = np.sort(np.random.default_rng(seed).choice(eligible, size=limit, replace=False))
    return eligible


def _window_positions(indptr: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut each user's sequence into windows of length + 1 events, from the latest backwards.

    Returns the user of each window and the event positions (-1 for left padding); consecutive
    windows overlap by one event so that every event but the first is a target exactly once.
    """
    counts = np.diff(indptr)
    per_user = np.where(counts >= 1, np.maximum(-(-(counts - 1) // length), 1), 0)
    users = np.repeat(np.arange(len(counts)), per_user)
    nth = np.arange(per_user.sum()) - np.repeat(np.cumsum(per_user) - per_user, per_user)
    ends = indptr[users + 1] - nth * length
    positions = ends[:, None] - (length + 1) + np.arange(length + 1)[None, :]
    return users, np.where(positions >= indptr[users][:, None], positions, -1)


def _context_codes(timestamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hour of day 1..24 and weekday 1..7 (Monday = 1) in UTC; 0 where the time is unknown (≤ 0)."""
    seconds = np.asarray(timestamps, dtype=np.float64)
    known = seconds > 0
    hours = (seconds // 3600 % 24).astype(np.int64) + 1
    weekdays = ((seconds // SECONDS_PER_DAY + 3) % 7).astype(np.int64) + 1  # 1970-01-01 was a Thursday
    return np.where(known, hours, UNKNOWN), np.where(known, weekdays, UNKNOWN)


def _encode_tags(features: ItemFeatures, min_count: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Tag names used by at least `min_count` items, and each item's tag indices as offsets + indices."""
    counts: dict[str, int] = {}
    for tags in features.tags:
        for tag in set(tags):
            counts[tag] = counts.get(tag, 0) + 1
    names = sorted(tag for tag, count in counts.items() if count >= min_count)
    index = {tag: i for i, tag in enumerate(names)}
    per_item = [sorted({index[tag] for tag in tags if tag in index}) for tags in features.tags]
    offsets = np.concatenate([[0], np.cumsum([len(tags) for tags in per_item])[:-1]]).astype(np.int64)
    indices = np.fromiter((i for tags in per_item for i in tags), dtype=np.int64)
    return names, offsets[: len(per_item)], indices


def _quantile_codes(values: np.ndarray, buckets: int) -> np.ndarray:
    """Codes 1..buckets by quantile of the known values; 0 where a value is unknown (NaN)."""
    values = np.asarray(values, dtype=np.float64)
    known = np.isfinite(values)
    if not known.any():
        return np.zeros(len(values), dtype=np.int64)
    edges = np.unique(np.quantile(values[known], np.linspace(0, 1, buckets + 1)[1:-1]))
    codes = np.searchsorted(edges, np.where(known, values, 0.0), side="right") + 1
    return np.where(known, codes, UNKNOWN).astype(np.int64)


def _encode_user_features(
    features: UserFeatures | None, n_users: int, buckets: int
) -> tuple[list[str], list[int], np.ndarray]:
    """Column names, embedding sizes and (n_users × columns) codes; 0 marks a missing value."""
    names, sizes, columns = [], [], []
    features = features or UserFeatures()
    for name, values in sorted(features.numeric.items()):
        names.append(name)
        columns.append(_quantile_codes(values, buckets))
        sizes.append(buckets + 2)
    for name, values in sorted(features.categorical.items()):
        present = [v not in (None, "", "nan") for v in values]
        vocabulary = {v: i + 1 for i, v in enumerate(sorted({v for v, p in zip(values, present, strict=True) if p}))}
        names.append(name)
        columns.append(np.array([vocabulary.get(v, UNKNOWN) for v in values], dtype=np.int64))
        sizes.append(len(vocabulary) + 1)
    codes = np.stack(columns, axis=1) if columns else np.zeros((n_users, 0), dtype=np.int64)
    return names, sizes, codes


@contextlib.contextmanager
def _seeded(config: NeuralConfig) -> Iterator[None]:
    """Seeded, deterministic torch for the duration of a fit, leaving global state as it was."""
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    deterministic, threads = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(config.seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
        if config.threads:
            torch.set_num_threads(config.threads)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(deterministic)
            torch.set_num_threads(threads)
