"""The network: item tower, causal self-attention over recent items, long-term profile, side features."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from recommendations.engine.neural.encoding import PAD, UNKNOWN

if TYPE_CHECKING:
    from recommendations.engine.neural.model import NeuralConfig


class Block(nn.Module):
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


class Network(nn.Module):
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
        self.blocks = nn.ModuleList(Block(dim, config.heads, config.dropout) for _ in range(config.layers))
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
