"""Two-stage hybrid: candidates from several recommenders, ranked by a learned model, diversified.

Fit, all on the training data (never on a test split):
1. Cut a validation split from the training data with the evaluation protocol itself
   (per-user temporal 80/20, some users cut to their first 3 events), and a second one from that
   split's training part (the 20 % before). Tune each component on the first.
2. For each of the two phases, fit the components on its training part and build one row per
   (user, candidate): each component's score and rank, item-to-item scores from the user's latest
   items, popularity (overall and among users who share the viewer's declared features), time
   context, item year and history length; the label is "the user engaged with it later". Each
   validation user appears twice: as the models know them, and cut to their first few events and
   served as an unknown user (a new sign-up).
3. Learn gradient-boosted trees on those rows: one ranker for users as the models know them, one
   for short histories. Each is also fitted fold by fold, so that every validation user gets a
   score from a ranker that never saw their labels.
4. On those out-of-fold scores choose, per history-length bucket, how much of the ranker's score
   to blend with popularity (cold start), then the diversity (MMR strength, popularity penalty)
   with the most catalogue coverage within `diversity_tolerance` of the best validation nDCG.
5. Refit the components on all training data with the chosen hyper-parameters.

model.py holds the recommender (fit, serve, explain, save); features.py the candidates and the
rankers' feature columns; views.py the validation users as ranker rows; scoring.py array helpers.
"""

from recommendations.engine.hybrid.model import Hybrid, HybridConfig

__all__ = ["Hybrid", "HybridConfig"]
