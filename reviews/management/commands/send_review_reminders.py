from django.conf import settings
from django.core.management.base import BaseCommand

from reviews.cycles import review_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail the reviewers of published parts that are overdue or due within N days, once "
        "per part per review cycle (idempotent: run it from cron daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.MEDREF_REMINDER_DAYS,
            help="Remind of parts due within this many days (default MEDREF_REMINDER_DAYS, "
            "%(default)s).",
        )

    def handle(self, *args, days, **options):
        run = review_reminders_send(within_days=days)
        self.stdout.write(
            f"Reminded the reviewers of {run.parts_reminded} part(s) "
            f"({run.messages_sent} message(s) sent)."
        )
