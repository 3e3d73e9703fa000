from django.core.management.base import BaseCommand
from django.db import transaction

from monographs.search.index import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from the published revisions (drafts are never indexed)."

    def handle(self, *args, **options):
        with transaction.atomic():
            indexed = search_index_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Indexed {indexed} published monographs."))
