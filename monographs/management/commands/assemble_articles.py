from django.core.management.base import BaseCommand

from monographs.models import Revision
from monographs.public.page_cache import public_pages_changed


class Command(BaseCommand):
    help = (
        "Assemble the stored article HTML of every published revision again (after an upgrade "
        "changed the article template); content and approvals are untouched."
    )

    def handle(self, *args, **options):
        count = 0
        revisions = Revision.objects.published().select_related("drug").order_by("pk")
        for revision in revisions.iterator(chunk_size=200):
            revision.assemble_article()
            revision.save(update_fields=["article_html"])
            count += 1
        public_pages_changed()
        self.stdout.write(f"Assembled {count} published articles.")
