import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monographs.exporter import draft_documents, export_jekyll, published_documents


class Command(BaseCommand):
    help = (
        "Export every drug (drafts included, or only published content with --published) as a "
        "JSON list, or as one Jekyll markdown page per drug that re-imports to the same content."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "jekyll"], default="json")
        parser.add_argument(
            "--output",
            type=Path,
            help="JSON: the file to write (default: standard output). Jekyll: the folder.",
        )
        parser.add_argument(
            "--published",
            action="store_true",
            help="Export the published (approved) revision of published drugs only.",
        )

    def handle(self, *args, format, output, published, **options):
        if format == "jekyll":
            if output is None:
                raise CommandError("--format jekyll needs --output DIR.")
            if output.exists() and not output.is_dir():
                raise CommandError(f"{output} is not a folder.")
            written = export_jekyll(output, published=published)
            self.stdout.write(f"Wrote {len(written)} pages to {output}")
            return

        documents = published_documents() if published else draft_documents()
        text = json.dumps(documents, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {len(documents)} drugs to {output}")
