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

Torch is imported only in this package (the registry imports it lazily). Known users' event order is
stored at fit time because CSR history rows lose it; a user the model has not seen is served from
the history row with items ordered by weight (highest last, i.e. treated as most recent): a
documented approximation, since `histories` carry no timestamps.
"""

from recommendations.engine.neural.model import Neural, NeuralConfig

__all__ = ["Neural", "NeuralConfig"]
