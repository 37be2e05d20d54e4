"""Training: next-item prediction over windows of each user's history, early-stopped on held-out items."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.nn import functional as F

from recommendations.engine.neural.encoding import (
    PAD,
    UNKNOWN,
    Events,
    context_codes,
    holdout_users,
    window_positions,
)
from recommendations.engine.neural.network import Network

if TYPE_CHECKING:
    from recommendations.engine.neural.model import Neural, NeuralConfig


class Trainer:
    """Next-item training over windows of each user's sequence, early-stopped on held-out last items."""

    def __init__(self, model: Neural, events: Events, *, hold_out: bool = True) -> None:
        self.model, self.network, self.config = model, model.network_, model.config
        self.device = next(self.network.parameters()).device
        holdout = self.config.holdout
        limit = self.config.validation_users if hold_out else 0
        self.holdout_users = holdout_users(events, limit, holdout, self.config.seed)
        last = events.indptr[self.holdout_users + 1][:, None] - np.arange(1, holdout + 1)[None, :]
        self.holdout_items = events.items[last]  # (users, holdout)
        train_events = events.without(last.ravel())
        scale = float(train_events.weights.mean()) if len(train_events.weights) else 1.0
        # Mean weight 1, so that the learning rate means the same whatever the event weights.
        self.event_weights = (train_events.weights / max(scale, 1e-9)).astype(np.float32)
        self.windows = self._windows(train_events)
        self.event_tokens = torch.as_tensor(train_events.items + 1, device=self.device)
        self.event_weights_tensor = torch.as_tensor(self.event_weights, device=self.device)

    def _windows(self, events: Events) -> dict[str, torch.Tensor]:
        length = self.config.max_len
        users, positions = window_positions(events.indptr, length)
        valid = positions >= 0
        take = np.maximum(positions, 0)
        hours, weekdays = context_codes(events.timestamps[take])
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

    def train_for(self, epochs: int) -> list[dict]:
        """A fixed number of epochs, no validation: the refit on every event once `run` chose the count."""
        optimizer = self._optimizer()
        return [{"epoch": epoch + 1, "loss": round(self._epoch(optimizer), 5)} for epoch in range(epochs)]

    def _optimizer(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(
            self.network.parameters(), lr=self.config.learning_rate, weight_decay=self.config.weight_decay
        )

    def run(self) -> list[dict]:
        optimizer = self._optimizer()
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
            drop_codes(batch["codes"], config.feature_dropout),
            drop_codes(batch["hours"], config.context_dropout),
            drop_codes(batch["weekdays"], config.context_dropout),
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
        positive = Network.pair_logits(users, table, targets)
        if self.config.negatives > 0:
            negatives = torch.randint(1, table.shape[0], (self.config.negatives,), device=self.device)
            negative = users @ table[negatives, :-1].T + table[negatives, -1]
            negative = negative.masked_fill(negatives[None, :] == targets[:, None], -torch.inf)
        else:
            negative = Network.logits(users, table)
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


def drop_codes(codes: torch.Tensor, rate: float) -> torch.Tensor:
    """Replace a random `rate` of feature codes by UNKNOWN."""
    if rate <= 0:
        return codes
    return codes.masked_fill(torch.rand(codes.shape, device=codes.device) < rate, UNKNOWN)


@contextlib.contextmanager
def seeded(config: NeuralConfig) -> Iterator[None]:
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
