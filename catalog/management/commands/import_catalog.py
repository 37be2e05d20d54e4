"""python manage.py import_catalog FILE — bulk-load titles from an editors' CSV or JSON file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.importers.catalog_import import import_catalog_file
from catalog.importers.errors import ImportDataError
from catalog.importers.progress import Progress


class Command(BaseCommand):
    help = (
        "Import movies and courses from a .csv or .json file (columns: docs/catalog-import.md) in one "
        "transaction. Titles are matched by slug (or source + external_id), so re-running it changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a .csv file with a header row, or a .json list of objects")
        parser.add_argument("--no-progress", action="store_true", help="do not draw progress bars on stderr")

    def handle(self, *args, file: Path, no_progress: bool, **options) -> None:
        try:
            report = import_catalog_file(file, progress=Progress(not no_progress))
        except ImportDataError as error:
            raise CommandError(f"{error} (nothing was imported)") from error
        for line in report.summary_lines():
            self.stdout.write(line)
