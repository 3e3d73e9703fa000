from django.conf import settings
from django.db import models
from django.db.models import Q

from monographs.models import Drug, Revision
from reviews.exceptions import IllegalTransition, NotPermitted, OwnEditApproval, ReviewError

REVIEWERS_GROUP = "Medical reviewers"
CONTRIBUTORS_GROUP = "Contributors"
EDITORS_GROUP = "Editors"


class ReviewerProfile(models.Model):
    """A medical reviewer's public credential, shown with their name on approved monographs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile"
    )
    credential = models.CharField(max_length=100, blank=True, help_text='e.g. "MD", "PharmD"')

    def __str__(self):
        return reviewer_display_name(self.user)


def reviewer_display_name(user) -> str:
    name = user.get_full_name() or user.get_username()
    profile = getattr(user, "reviewer_profile", None)
    return f"{name}, {profile.credential}" if profile and profile.credential else name


def can_decide(user) -> bool:
    """Only active medical reviewers with a credential may approve or send back."""
    if not (user.is_active and user.is_authenticated):
        return False
    profile = getattr(user, "reviewer_profile", None)
    return (
        user.has_perm("reviews.decide_review")
        and user.groups.filter(name=REVIEWERS_GROUP).exists()
        and profile is not None
        and bool(profile.credential.strip())
    )


class ReviewQuerySet(models.QuerySet):
    def in_review(self):
        return self.filter(status=Review.Status.IN_REVIEW)

    def reviewable_by(self, user):
        """Reviews in progress that the user may decide: none containing their own edits."""
        return self.in_review().exclude(revision__authors=user)


class Review(models.Model):
    """One submission of a frozen revision, and where it stands in the workflow."""

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded by a later edit"

    TRANSITIONS = {
        Status.IN_REVIEW: {
            Status.APPROVED,
            Status.CHANGES_REQUESTED,
            Status.WITHDRAWN,
            Status.SUPERSEDED,
        },
    }

    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="reviews")
    revision = models.OneToOneField(Revision, on_delete=models.PROTECT, related_name="review")
    status = models.CharField(max_length=20, choices=Status, default=Status.IN_REVIEW)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_reviews"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True, help_text="What changed and why.")
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["drug"],
                condition=Q(status="in_review"),
                name="one_review_in_progress_per_drug",
            )
        ]
        permissions = [
            ("submit_review", "Can submit monographs for review"),
            ("decide_review", "Can approve monographs or request changes"),
        ]

    def __str__(self):
        return f"{self.revision} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_REVIEW

    def _move_to(self, status: str) -> None:
        if status not in self.TRANSITIONS.get(self.status, set()):
            raise IllegalTransition(
                f"This review is already {self.get_status_display().lower()}; "
                f"it cannot be moved to “{self.Status(status).label.lower()}”."
            )
        self.status = status

    def check_decider(self, user) -> None:
        if not can_decide(user):
            raise NotPermitted(
                "Only medical reviewers with a recorded credential may decide on a review."
            )
        if self.revision.authors.filter(pk=user.pk).exists():
            raise OwnEditApproval(
                "You cannot decide on a revision that contains your own edits; "
                "another reviewer must review it."
            )

    def approve(self, *, by) -> None:
        self.check_decider(by)
        self._move_to(self.Status.APPROVED)

    def request_changes(self, *, by, comment: str) -> None:
        if not comment.strip():
            raise ReviewError("Say what needs to change: a comment is required.")
        self.check_decider(by)
        self._move_to(self.Status.CHANGES_REQUESTED)

    def withdraw(self, *, by) -> None:
        if by.pk != self.submitted_by_id:
            raise NotPermitted("Only the person who submitted this revision can withdraw it.")
        self._move_to(self.Status.WITHDRAWN)

    def supersede(self) -> None:
        self._move_to(self.Status.SUPERSEDED)


class Decision(models.Model):
    """A reviewer's verdict on a review, with an overall comment and notes per section."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions"
    )
    outcome = models.CharField(max_length=20, choices=Outcome)
    comment = models.TextField(blank=True)
    section_notes = models.JSONField(
        default=dict, blank=True, help_text="Notes keyed by section position in the revision."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_outcome_display()} by {self.reviewer}"


class AuditEntry(models.Model):
    """One line of a monograph's editorial audit trail."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        APPROVED = "approved", "Approved and published"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded by a later edit"
        UNPUBLISHED = "unpublished", "Unpublished"

    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="audit_entries")
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["drug", "-created_at"])]

    def __str__(self):
        return f"{self.get_action_display()}: {self.drug}"
