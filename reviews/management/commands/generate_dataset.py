import os
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from monographs.dataset import LARGE_MONOGRAPH_NAME
from reviews.dataset import BULK_PATH, SERVICES_PATH, dataset_generate


class Command(BaseCommand):
    help = (
        "Build a deterministic synthetic corpus for benchmarks: N monographs of about 8 "
        "sections (~1.5 KB of markdown each) with FAQ items, other names, classes, ~5% "
        "combinations, 2-3 approved revisions each and some open reviews, plus "
        f"'{LARGE_MONOGRAPH_NAME}' (20 sections, 1,000 history rows, a review in progress). "
        "--path bulk (default) writes the rows the workflow writes (history rows per save, "
        "revisions frozen from Drug.document(), article HTML from Revision.assemble_article(), "
        "reviews, decisions, audit entries, publication_changed()) with bulk inserts; "
        "--path services goes through save() and reviews.services for every step (the "
        "reference, ~10x slower). Meant for an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--drugs", type=int, default=10_000, help="How many monographs.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same corpus.")
        parser.add_argument(
            "--anchor",
            type=datetime.fromisoformat,
            default=None,
            help="The corpus's 'today' (YYYY-MM-DD); histories end before it. Default: today.",
        )
        parser.add_argument("--path", choices=[BULK_PATH, SERVICES_PATH], default=BULK_PATH)
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes rendering markdown on the bulk path (default: one per CPU).",
        )
        parser.add_argument(
            "--no-large", action="store_true", help="Leave out the 20-section monograph."
        )

    def handle(self, *args, drugs, seed, anchor, path, workers, no_large, verbosity, **options):
        if drugs < 0:
            raise CommandError("--drugs must be zero or more.")
        if anchor is None:
            anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        elif anchor.tzinfo is None:
            anchor = anchor.replace(tzinfo=UTC)
        total = drugs + (0 if no_large else 1)

        def progress(done: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {done}/{total} monographs")

        try:
            report = dataset_generate(
                count=drugs,
                seed=seed,
                anchor=anchor,
                path=path,
                workers=max(1, workers),
                large=not no_large,
                progress=progress,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
