from django.core.management.base import BaseCommand, CommandError

from reviews.audit import audit_verify


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain; fail naming the first entry changed, deleted "
        "or inserted since it was written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=2000, help="Entries read per query (default 2000)."
        )

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        check = audit_verify(batch_size=batch_size)
        if not check.is_intact:
            raise CommandError(
                f"Audit trail NOT intact: {check.problem} "
                f"(the {check.entries} entries before it verified)"
            )
        self.stdout.write(f"Audit trail intact: {check.entries} entries")
