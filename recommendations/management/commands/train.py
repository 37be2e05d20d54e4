"""manage.py train [--algorithm NAME]: train a model version now, with progress, and say whether
it became the active one. --queue hands the run to the Celery workers instead."""

from django.core.management.base import BaseCommand, CommandError

from recommendations import rows, tasks, training
from recommendations.models import ModelVersion


class Command(BaseCommand):
    help = "Train a recommender from the database's events, evaluate it on held-out events, and activate it if it wins."

    def add_arguments(self, parser):
        parser.add_argument("--algorithm", default="hybrid", help=f"one of: {', '.join(training.TRAINABLE)}")
        parser.add_argument("--max-configs", type=int, default=training.DEFAULT_MAX_CONFIGS)
        parser.add_argument("--queue", action="store_true", help="send the run to the Celery workers and return")
        parser.add_argument(
            "--if-no-active",
            action="store_true",
            help="do nothing when a model version is already active (first start)",
        )

    def handle(self, *args, algorithm: str, max_configs: int, queue: bool, if_no_active: bool, **options):
        active = ModelVersion.objects.filter(is_active=True).first()
        if if_no_active and active is not None:
            self.stdout.write(f"{active} is active; not training (--if-no-active).")
            return
        try:
            run = training.start_run(algorithm, trigger="command", options={"max_configs": max_configs})
        except ValueError as error:
            raise CommandError(str(error)) from None
        if queue:
            tasks.train_model.delay(run.pk)
            self.stdout.write(f"Queued training run #{run.pk} ({algorithm}).")
            return
        run = training.run_training(run.pk, on_progress=self._progress)
        if run.status != run.Status.SUCCEEDED:
            raise CommandError(f"training run #{run.pk} failed: {run.error.splitlines()[0] if run.error else ''}")
        version = run.version
        self.stdout.write(self.style.SUCCESS(f"{version}: {version.decision}"))
        self.stdout.write(f"  held-out: {_summary(version.metrics)}; trained in {version.training_seconds:.1f} s")
        if training.changed_serving(run):
            self.stdout.write("Refreshing precomputed rows…")
            rows.schedule_precompute()
        else:
            self.stdout.write("The active model is unchanged, and so are the precomputed rows.")

    def _progress(self, stage: str, progress: float) -> None:
        self.stdout.write(f"[{progress:4.0%}] {stage}")


def _summary(metrics: dict) -> str:
    overall = metrics.get("all") or {}
    keys = ("ndcg@10", "recall@20", "coverage@10")
    return ", ".join(f"{key} {overall[key]:.4f}" for key in keys if overall.get(key) is not None)
