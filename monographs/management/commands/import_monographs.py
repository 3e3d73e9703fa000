from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from monographs.importer import import_paths


class Command(BaseCommand):
    help = (
        "Import monograph documents (files, or folders of .md/.markdown/.txt files) as drafts. "
        "Each file is all or nothing; a failed file is reported and the run goes on. "
        "Re-importing a file updates its drug."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            metavar="USERNAME",
            help="The user the imported drafts and their history are attributed to.",
        )

    def handle(self, *args, paths, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No user named '{username}'; create it first.") from None

        report = import_paths(paths, user=user)
        for item in report.imported:
            self.stdout.write(
                f"{item.path.name}: {item.outcome} {item.drug.name} ({item.drug.slug})"
            )
        for failure in report.failures:
            self.stderr.write(str(failure))
        imported = report.count("created") + report.count("updated")
        self.stdout.write(
            f"{imported} imported, {report.count('unchanged')} unchanged, "
            f"{len(report.failures)} failed."
        )
        if report.failures:
            total = len(report.imported) + len(report.failures)
            raise CommandError(f"{len(report.failures)} of {total} imports failed.")
