"""python manage.py import_movielens PATH — load a MovieLens data set (100K, 1M or latest)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.importers.errors import ImportDataError
from catalog.importers.movielens import import_movielens
from catalog.importers.progress import Progress


class Command(BaseCommand):
    help = (
        "Import a MovieLens data set directory (layout detected from its files: u.data, ratings.dat or "
        "ratings.csv) in one transaction. Re-running it changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="directory holding the MovieLens files")
        parser.add_argument(
            "--user-prefix",
            help='prefix of the user names created (default "ml" for 100K, "ml1m-" for 1M, "mll-" for latest)',
        )
        parser.add_argument("--no-progress", action="store_true", help="do not draw progress bars on stderr")

    def handle(self, *args, path: Path, user_prefix: str | None, no_progress: bool, **options) -> None:
        try:
            report = import_movielens(path, user_prefix=user_prefix, progress=Progress(not no_progress))
        except ImportDataError as error:
            raise CommandError(f"{error} (nothing was imported)") from error
        for line in report.summary_lines():
            self.stdout.write(line)
