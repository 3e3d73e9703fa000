from django.conf import settings
from django.db import models
from django.utils import timezone

from monographs.models.drugs import Drug
from monographs.models.revisions import Revision


class ReviewedPartQuerySet(models.QuerySet):
    def live(self):
        """Parts of the revisions the public sees now."""
        return self.filter(revision__published_for__isnull=False)

    def due_by(self, day):
        """Live parts whose next review is due on or before `day`, soonest first."""
        return self.live().filter(next_review_due__lte=day).order_by("next_review_due", "pk")


class ReviewedPart(models.Model):
    """One part of an approved revision, with its medical review: who, when, and when next.

    Written only by the editorial workflow (publishing, re-confirming); a part that did not
    change in a revision carries the review it had in the revision before.
    """

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="reviewed_parts")
    key = models.CharField(max_length=64)
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=500)
    position = models.PositiveIntegerField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    risk = models.CharField(max_length=20, default="standard")
    reviewed_at = models.DateTimeField()
    credits = models.JSONField(
        default=list,
        help_text='Each reviewer as then: {"name": name and credential, "slug": their page}.',
    )
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    next_review_due = models.DateField()
    approvals_signed = models.BooleanField(
        default=False,
        help_text="Every approval of it was signed with the attestation, in which reviewers "
        "take editorial responsibility for AI-generated or crowd-sourced text.",
    )

    objects = ReviewedPartQuerySet.as_manager()

    class Meta:
        ordering = ["revision", "kind", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "key"], name="one_review_record_per_part")
        ]
        indexes = [models.Index(fields=["next_review_due"])]

    def __str__(self):
        return f"{self.revision}: {self.title}"

    @property
    def credit_names(self) -> list[str]:
        return [credit["name"] for credit in self.credits]

    def is_overdue(self, today=None) -> bool:
        return self.next_review_due < (today or timezone.localdate())


class Reconfirmation(models.Model):
    """A live part reviewed again without a change: the public change log lists it."""

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="reconfirmations")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="+")
    part_key = models.CharField(max_length=64)
    title = models.CharField(max_length=500)
    reviewed_at = models.DateTimeField()
    credits = models.JSONField(default=list)
    next_review_due = models.DateField()
    content_hash = models.CharField(max_length=64, blank=True)
    attestation = models.TextField(
        blank=True, help_text="The statement the reviewer signed, as it was shown to them."
    )
    signature_method = models.CharField(max_length=60, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        indexes = [models.Index(fields=["drug", "-reviewed_at"])]

    def __str__(self):
        return f"{self.title} reviewed again on {self.reviewed_at:%Y-%m-%d}"
