from django.core.management.base import BaseCommand

from reviews.services import review_publish_due


class Command(BaseCommand):
    help = (
        "Publish the approvals scheduled to go live by now (idempotent: run it from cron every "
        "minute)."
    )

    def handle(self, *args, **options):
        published = review_publish_due()
        for review in published:
            self.stdout.write(f"Published {review.drug.name}, revision {review.revision.number}.")
        if not published:
            self.stdout.write("Nothing is due.")
