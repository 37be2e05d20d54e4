"""Training, evaluation, promotion and rollback of model versions (the services tasks call).

A run: build the data set from the events privacy allows → cut the evaluation protocol's held-out
split → tune the algorithm on a validation split cut from the training part and score it on the
held-out events → score the active version's configuration on the same split (the champion) →
fit on all data → save the artifact through Django's storage → keep the new version, and make it
active only if it beats the champion on the held-out nDCG@10 (Gorse's rule). The active model
changes in one short transaction at the very end, so a run that fails or is killed at any point
leaves the active model serving as it was.
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from recommendations.engine.evaluate import cut_split, evaluate_algorithms, recommend_indices, score
from recommendations.engine.registry import algorithm_names, get_algorithm
from recommendations.models import ModelVersion, TrainingRun
from recommendations.training_data import build_training_data

log = logging.getLogger(__name__)

TRAINABLE = ("popularity", "trending", "content", "ease", "itemknn", "mf", "neural", "hybrid")
MIN_EVENTS = 20  # fewer than this and no held-out split means anything
OBJECTIVE = "ndcg@10"
DEFAULT_MAX_CONFIGS = 6  # per run; the engine's offline benchmark tries more
Progress = Callable[[str, float], None]


class TrainingError(Exception):
    """A run that cannot produce a model (too little data, an algorithm error)."""


def start_run(algorithm: str, *, trigger: str = "manual", requested_by=None, options: dict | None = None):
    if algorithm not in TRAINABLE or algorithm not in algorithm_names():
        raise ValueError(f"unknown algorithm {algorithm!r}; choose from {', '.join(TRAINABLE)}")
    return TrainingRun.objects.create(
        algorithm=algorithm, trigger=trigger, requested_by=requested_by, options=options or {}
    )


def changed_serving(run: TrainingRun) -> bool:
    """Whether the run left its version active, so that rows computed before are stale: a version
    kept inactive changes nothing (precomputing every user's rows again would be wasted)."""
    return run.status == TrainingRun.Status.SUCCEEDED and run.version is not None and run.version.is_active


def run_training(run_id: int, *, on_progress: Progress | None = None) -> TrainingRun:
    """Carry out one run. Idempotent: a finished run is returned as it is; a run whose worker
    died midway (redelivered by Celery's late acknowledgement) starts again from the top."""
    run = TrainingRun.objects.get(pk=run_id)
    if run.is_finished:
        return run
    TrainingRun.objects.filter(pk=run.pk).update(
        status=TrainingRun.Status.RUNNING, started_at=timezone.now(), attempts=run.attempts + 1, error=""
    )
    report = _reporter(run, on_progress)
    started = time.perf_counter()
    try:
        version = _train(run, report, started)
    except BaseException as error:  # the soft time limit arrives as an exception too
        _fail(run, error)
        if not isinstance(error, Exception):
            raise
        return TrainingRun.objects.get(pk=run.pk)
    report("done: " + version.decision, 1.0)
    return TrainingRun.objects.get(pk=run.pk)


def _train(run: TrainingRun, report: Progress, started: float) -> ModelVersion:
    report("building the data set from events", 0.02)
    data = build_training_data()
    if data.counts["events"] < MIN_EVENTS:
        raise TrainingError(f"only {data.counts['events']} events allowed for training; need at least {MIN_EVENTS}")
    split = cut_split(data.dataset, seed=run.options.get("seed", 42))
    report(f"tuning on validation and scoring on held-out events ({data.counts['events']} events)", 0.1)
    row = evaluate_algorithms(
        data.dataset,
        [run.algorithm],
        peers=False,
        split=split,
        max_configs=run.options.get("max_configs", DEFAULT_MAX_CONFIGS),
        tune_budget_seconds=run.options.get("tune_budget_seconds", settings.TRAINING_TUNE_BUDGET),
        log=log.info,
    )[0]
    if row.error:
        raise TrainingError(row.error)
    champion = ModelVersion.objects.filter(is_active=True).first()
    champion_metrics = {}
    if champion is not None and _same_configuration(champion, run.algorithm, row.params):
        # Fitting it again on the same split would only repeat the fit just scored.
        champion_metrics = _clean(row.metrics)
    elif champion is not None:
        report(f"scoring the active version ({champion}) on the same held-out events", 0.6)
        champion_metrics = score_configuration(split, champion.algorithm, champion.params)
    report("fitting on all data", 0.75)
    model = get_algorithm(run.algorithm)(**row.params).fit(data.dataset)
    report("saving the model", 0.9)
    artifact_name = save_artifact(model, run)
    learnt = {"counts": data.counts, "fingerprint": data.fingerprint}
    return _record_version(run, row, learnt, champion, champion_metrics, artifact_name, started)


def score_configuration(split, algorithm: str, params: dict) -> dict:
    """Held-out metrics of one fixed configuration fitted on the split's training part."""
    model = get_algorithm(algorithm)(**params).fit(split.train)
    users = split.test_users
    return _clean(score(split, users, recommend_indices(model, split, users, 20), k=10))


def _same_configuration(champion: ModelVersion, algorithm: str, params: dict) -> bool:
    return champion.algorithm == algorithm and champion.params == _clean(params)


@transaction.atomic
def _record_version(run, row, learnt, champion, champion_metrics, artifact_name, started) -> ModelVersion:
    version = ModelVersion.objects.create(
        algorithm=run.algorithm,
        params=_clean(row.params),
        data_counts=learnt["counts"],
        data_fingerprint=learnt["fingerprint"],
        metrics=_clean(row.metrics),
        champion_metrics=champion_metrics,
        training_seconds=round(time.perf_counter() - started, 2),
        artifact=artifact_name,
    )
    won, reason = _verdict(version, champion)
    if won:
        activate(version, reason=reason)
    else:
        version.decision = reason
        version.save(update_fields=["decision"])
    TrainingRun.objects.filter(pk=run.pk).update(
        status=TrainingRun.Status.SUCCEEDED, version=version, finished_at=timezone.now(), progress=1.0
    )
    return version


def _verdict(version: ModelVersion, champion: ModelVersion | None) -> tuple[bool, str]:
    """(activate it?, why). A different configuration must beat the active one on the same
    held-out events (Gorse's rule). The active configuration itself, fitted again, scores exactly
    what it did on that split, so its new version wins when, and only when, it learnt from
    different data: otherwise new titles and events would never reach the site."""
    new, old = _objective(version.metrics), _objective(version.champion_metrics)
    score = f"{OBJECTIVE} {_fmt(new)}"
    if champion is None:
        return True, f"activated: no active model before (held-out {score})"
    if _same_configuration(champion, version.algorithm, version.params):
        if champion.data_fingerprint != version.data_fingerprint:
            return True, f"activated: the configuration of {champion}, learnt from newer data (held-out {score})"
        return False, f"kept inactive: the same configuration and data as {champion} (held-out {score})"
    won = new is not None and (old is None or new > old)
    verb = "activated: beat" if won else "kept inactive: did not beat"
    return won, f"{verb} {champion} on the same held-out events ({score} vs {_fmt(old)})"


@transaction.atomic
def activate(version: ModelVersion, *, reason: str = "") -> ModelVersion:
    """Make `version` the one the site serves (also how staff roll back to an older one)."""
    current = ModelVersion.objects.select_for_update().filter(is_active=True).exclude(pk=version.pk)
    current.update(is_active=False, status=ModelVersion.Status.CANDIDATE)
    version.is_active, version.status, version.activated_at = True, ModelVersion.Status.ACTIVE, timezone.now()
    version.decision = reason or version.decision
    version.save(update_fields=["is_active", "status", "activated_at", "decision"])
    transaction.on_commit(_rows_are_stale)
    return version


def rollback() -> ModelVersion | None:
    """Re-activate the version that was active before the current one; None when there is none."""
    current = ModelVersion.objects.filter(is_active=True).first()
    previous = (
        ModelVersion.objects.exclude(activated_at=None)
        .exclude(pk=getattr(current, "pk", None))
        .order_by("-activated_at")
        .first()
    )
    if previous is None:
        return None
    return activate(previous, reason=f"rolled back from {current}" if current else "rolled back")


def save_artifact(model, run: TrainingRun) -> str:
    """Save the engine's model directory as one zip through Django's storage; returns its name."""
    with tempfile.TemporaryDirectory() as scratch:
        model.save(Path(scratch) / "model")
        archive = shutil.make_archive(str(Path(scratch) / "artifact"), "zip", Path(scratch) / "model")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        with open(archive, "rb") as handle:
            return default_storage.save(f"models/{run.algorithm}-run{run.pk}-{stamp}.zip", File(handle))


def _fail(run: TrainingRun, error: BaseException) -> None:
    log.error("training run %s failed: %s", run.pk, error)
    # A fit takes minutes; the database connection may have died meanwhile (a restart, a dropped
    # socket), perhaps causing the error. Reconnect rather than lose the failure, which would
    # leave the run "running" for ever.
    if not connection.in_atomic_block and not connection.is_usable():
        connection.close()
    detail = str(error) if isinstance(error, TrainingError) else "".join(traceback.format_exception(error))[-4000:]
    TrainingRun.objects.filter(pk=run.pk).update(
        status=TrainingRun.Status.FAILED, error=f"{type(error).__name__}: {detail}", finished_at=timezone.now()
    )


def _reporter(run: TrainingRun, on_progress: Progress | None) -> Progress:
    def report(stage: str, progress: float) -> None:
        TrainingRun.objects.filter(pk=run.pk).update(stage=stage[:200], progress=progress)
        if on_progress is not None:
            on_progress(stage, progress)

    return report


def _rows_are_stale() -> None:
    from recommendations import rows  # rows import serving, which imports this module's models

    rows.invalidate_all()


def _objective(metrics: dict) -> float | None:
    return (metrics.get("all") or {}).get(OBJECTIVE)


def _clean(value):
    """JSON-safe: NaN/inf become None, numpy numbers plain floats, tuples lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4f}"
