"""python manage.py load_demo — the offline demo catalogue, synthetic users and their activity."""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.demo.load import AnchorMismatch, load_demo
from catalog.demo.staff import ensure_staff_accounts


class Command(BaseCommand):
    help = (
        "Load an offline demo: ~200 movies, ~80 courses, ~400 synthetic users with hidden tastes and their "
        "activity. Nothing is downloaded; re-running with the same --seed and --scale changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument("--scale", type=float, default=1.0, help="Multiply titles and users (default 1.0).")
        parser.add_argument(
            "--anchor",
            type=_date,
            help="YYYY-MM-DD the activity ends on (default: today, or the date of the first load).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")
        parser.add_argument("--no-admin", action="store_true", help="Do not create the admin/editor accounts.")

    def handle(self, *args, seed: int, scale: float, anchor, no_progress: bool, no_admin: bool, **options) -> None:
        if not 0 < scale <= 10:
            raise CommandError("--scale must be between 0 and 10")
        started = time.monotonic()
        try:
            result = load_demo(seed=seed, scale=scale, anchor=anchor, progress=not no_progress)
        except AnchorMismatch as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Demo loaded in {time.monotonic() - started:.1f}s (seed {seed}, scale {scale:g}, "
            f"activity up to {result.anchor:%Y-%m-%d}): "
            f"{result.titles} titles ({result.titles_created} new), "
            f"{result.users} users ({result.users_created} new), "
            f"{result.events} events ({result.events_created} new)."
        )
        if not no_admin:
            for account in ensure_staff_accounts(var_dir=settings.VAR_DIR):
                self.stdout.write(_account_line(account))


def _date(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)


def _account_line(account) -> str:
    password = account.password or "(unchanged: set MARQUEE_ADMIN_PASSWORD to reset it)"
    label = "Admin" if account.username == "admin" else "Editor"
    return f"{label}: http://127.0.0.1:8000/admin/  user: {account.username}  password: {password}"
