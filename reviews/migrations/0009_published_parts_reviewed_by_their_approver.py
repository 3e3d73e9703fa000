"""Every part of an approved revision counts as reviewed by its approver on its date.

Before reviews went part by part, one approval covered the whole monograph: each part of
each approved revision gets that approval as its review record, with its next review due
after its risk class's interval from then. Stored articles are assembled again on their
next request (their facts moved on), or at once by `manage.py assemble_articles`.
"""

from django.db import migrations

from monographs.parts import document_parts
from reviews.policy import requirement_for


def forwards(apps, schema_editor):
    Revision = apps.get_model("monographs", "Revision")
    ReviewedPart = apps.get_model("monographs", "ReviewedPart")
    approved = Revision.objects.filter(approved_at__isnull=False).exclude(
        pk__in=ReviewedPart.objects.values("revision_id")
    )
    for revision in approved.iterator(chunk_size=500):
        credits = [revision.approved_by_credit] if revision.approved_by_credit else []
        due_dates = []
        for part in document_parts(revision.content):
            requirement = requirement_for(part.kind)
            due = requirement.next_review_due(revision.approved_at)
            due_dates.append(due)
            reviewed = ReviewedPart.objects.create(
                revision=revision,
                key=part.key,
                kind=part.kind,
                title=part.title[:500],
                position=part.position,
                content_hash=part.content_hash,
                risk=requirement.risk,
                reviewed_at=revision.approved_at,
                credits=credits,
                next_review_due=due,
            )
            if revision.approved_by_id:
                reviewed.reviewers.add(revision.approved_by_id)
        revision.next_review_due = min(due_dates)
        revision.save(update_fields=["next_review_due"])


class Migration(migrations.Migration):
    dependencies = [("reviews", "0008_decisions_part_by_part")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
