"""Build the benchmark's deterministic synthetic corpus in the database DATABASE_URL names.

    python bench/generate_dataset.py --drugs 10000 [--seed N]

N monographs of about 8 sections (~1.5 KB of markdown each) with FAQ items, other names,
classes, ~5% combinations, 2-3 approved revisions each and some open reviews, plus the large
monograph (20 sections, 1,000 history rows, a review in progress). `--path bulk` (default)
writes the rows the workflow writes with bulk inserts; `--path services` goes through `save()`
and `reviews.services` for every step (the reference, ~10x slower). Meant for an empty, migrated
database; runs under `bench.settings` unless DJANGO_SETTINGS_MODULE says otherwise.
"""

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    """Build the corpus the arguments describe and print what was written (Django set up)."""
    from bench.corpus import LARGE_MONOGRAPH_NAME
    from bench.writers import BULK_PATH, SERVICES_PATH, dataset_generate

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
        "--no-large", action="store_true", help=f"Leave out {LARGE_MONOGRAPH_NAME} (20 sections)."
    )
    parser.add_argument("--progress", action="store_true", help="Count the monographs written.")
    args = parser.parse_args(argv)
    if args.drugs < 0:
        parser.error("--drugs must be zero or more.")
    anchor = args.anchor
    if anchor is None:
        anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    elif anchor.tzinfo is None:
        anchor = anchor.replace(tzinfo=UTC)
    total = args.drugs + (0 if args.no_large else 1)

    def progress(done: int) -> None:
        if args.progress:
            print(f"  {done}/{total} monographs", flush=True)

    try:
        report = dataset_generate(
            count=args.drugs,
            seed=args.seed,
            anchor=anchor,
            path=args.path,
            workers=max(1, args.workers),
            large=not args.no_large,
            progress=progress,
        )
    except ValueError as error:
        parser.error(str(error))
    for line in report.lines():
        print(line)


if __name__ == "__main__":
    # Run as a script, Python puts bench/ first on the path: the project's root must be there.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    main()
