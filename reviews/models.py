from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.text import slugify

from monographs.models import Drug, FAQItem, Revision, Section
from monographs.models.ownership import WorkflowOwnedModel
from reviews.audit_hash import GENESIS_HASH, HASHED_FIELDS, audit_hash
from reviews.exceptions import (
    AuditTrailAppendOnly,
    IllegalTransition,
    NotPermitted,
    OwnEditApproval,
    Recused,
    ReviewError,
)

REVIEWERS_GROUP = "Medical reviewers"
CONTRIBUTORS_GROUP = "Contributors"
EDITORS_GROUP = "Editors"


class Profession(models.TextChoices):
    """A reviewer's profession, which the review policy may ask of a part's approvals."""

    PHYSICIAN = "physician", "Physician"
    PHARMACIST = "pharmacist", "Pharmacist"
    NURSE = "nurse", "Nurse"
    NURSE_PRESCRIBER = "nurse_prescriber", "Nurse prescriber"
    OTHER = "other", "Other health professional"


class ReviewerProfile(models.Model):
    """A medical reviewer's credential: public letters and profession, private registration.

    Only a credential an editor verified, and not yet expired, may decide on reviews; changing
    its substance (`SUBSTANCE_FIELDS`) clears the verification (`reviews.credentials`).
    """

    SUBSTANCE_FIELDS = ("profession", "credential", "registering_body", "registration_number")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile"
    )
    credential = models.CharField(
        "qualification letters",
        max_length=100,
        blank=True,
        help_text='Shown publicly with the reviewer\'s name, e.g. "MD", "PharmD".',
    )
    profession = models.CharField(
        max_length=20,
        choices=Profession,
        blank=True,
        help_text="The review policy may ask that an approval of some sections (e.g. dosage) "
        "come from a pharmacist or a prescriber.",
    )
    registering_body = models.CharField(
        max_length=200, blank=True, help_text="e.g. GMC, GPhC, NMC. Private to editors."
    )
    registration_number = models.CharField(
        max_length=100, blank=True, help_text="Private to editors; never published."
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The editor who checked the registration.",
    )
    verified_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(
        null=True, blank=True, help_text="The day the verification stops counting."
    )
    slug = models.SlugField(
        max_length=120, unique=True, blank=True, help_text="The public page's address; stable."
    )

    class Meta:
        permissions = [("verify_credential", "Can verify a reviewer's credential")]

    def __str__(self):
        return person_label(self.user)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._free_slug()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "slug"}
        super().save(*args, **kwargs)

    def _free_slug(self) -> str:
        base = slugify(self.user.get_full_name())[:100] or "reviewer"
        taken = set(
            ReviewerProfile.objects.filter(slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        )
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        return slug

    @property
    def is_verified(self) -> bool:
        return self.verified_on is not None and self.verified_by_id is not None

    def credential_refusal(self, today=None) -> str:
        """Why this credential does not let its holder decide now ("" if it does)."""
        if not self.is_verified:
            return "Your credential is not yet verified by an editor."
        today = today or timezone.localdate()
        if self.expires_on is not None and self.expires_on <= today:
            return (
                f"Your credential expired on {long_date(self.expires_on)}; "
                "ask an editor to verify it again."
            )
        return ""

    @property
    def is_currently_verified(self) -> bool:
        return not self.credential_refusal()


class InterestDeclarationQuerySet(models.QuerySet):
    def current(self, today=None):
        """Declarations in force on `today`: started, and not ended before it."""
        today = today or timezone.localdate()
        return self.filter(starts_on__lte=today).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today)
        )


class InterestDeclaration(models.Model):
    """A reviewer's declared interest in drugs, drug classes or manufacturers, for a time.

    While it is current the reviewer is recused from the reviews of the drugs it concerns (the
    drugs named, and those of the classes named). Drugs record no manufacturer, so the
    manufacturers named are published with it but recuse from nothing by themselves.
    """

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interest_declarations"
    )
    description = models.TextField(help_text="What the interest is, as the public will read it.")
    drugs = models.ManyToManyField(Drug, blank=True, related_name="+")
    drug_classes = models.TextField(
        blank=True, help_text="One drug class per line, as the monographs name it."
    )
    manufacturers = models.TextField(blank=True, help_text="One manufacturer per line.")
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True, help_text="Leave empty while it lasts.")
    declared_at = models.DateTimeField(auto_now_add=True)

    objects = InterestDeclarationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        permissions = [("view_all_interests", "Can see every reviewer's declared interests")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="interest_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"{person_label(self.reviewer)}: {self.description[:60]}"

    def save(self, *args, **kwargs):
        # One name per line, trimmed: `recusing_drugs` matches whole lines in SQL.
        self.drug_classes = "\n".join(self.class_names)
        self.manufacturers = "\n".join(self.manufacturer_names)
        super().save(*args, **kwargs)

    @property
    def class_names(self) -> list[str]:
        return _lines(self.drug_classes)

    @property
    def manufacturer_names(self) -> list[str]:
        return _lines(self.manufacturers)

    def concerns(self, drug) -> bool:
        """Whether this declaration is about `drug` (the drugs prefetched or not)."""
        classes = {name.casefold() for name in self.class_names}
        return drug.drug_class.strip().casefold() in classes or any(
            other.pk == drug.pk for other in self.drugs.all()
        )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def long_date(day) -> str:
    """ "3 March 2026"."""
    return f"{day.day} {day:%B %Y}"


def current_interests(user, today=None) -> list[InterestDeclaration]:
    """`user`'s declarations in force on `today`, their drugs prefetched."""
    declarations = InterestDeclaration.objects.current(today).filter(reviewer_id=user.pk)
    return list(declarations.prefetch_related("drugs"))


def interest_refusal(user, drug, *, declarations=None) -> str:
    """Why `user` is recused from `drug`'s reviews by a current declared interest ("" if not).

    `declarations` is `current_interests(user)` when the caller checks many drugs.
    """
    if declarations is None:
        declarations = current_interests(user)
    for declaration in declarations:
        if declaration.concerns(drug):
            return (
                f"You declared an interest in {drug.name} ({declaration.description.strip()}, "
                f"since {long_date(declaration.starts_on)}): recused."
            )
    return ""


def recusing_drugs(user, today=None) -> Q:
    """Drugs `user` is recused from, as a filter on drugs (for `Drug.objects.filter`).

    One subquery: a class matches a whole line of a declaration's classes, ignoring case.
    """
    declarations = InterestDeclaration.objects.current(today).filter(reviewer_id=user.pk)
    named = declarations.filter(drugs=OuterRef("pk"))
    text = models.TextField()
    line = Concat(Value("\n"), Lower(OuterRef("drug_class")), Value("\n"), output_field=text)
    of_class = declarations.exclude(drug_classes="").annotate(
        lines=Concat(Value("\n"), Lower("drug_classes"), Value("\n"), output_field=text)
    )
    return Exists(named) | (~Q(drug_class="") & Exists(of_class.filter(lines__contains=line)))


def reviewer_display_name(user) -> str:
    """A person's full name, with their credential if they are a reviewer; never their login.

    It is what approvals credit on public pages, the API and feeds, so it is empty for someone
    without a full name (who may therefore not decide on reviews) rather than their username.
    """
    name = user.get_full_name().strip()
    if not name:
        return ""
    profile = getattr(user, "reviewer_profile", None)
    return f"{name}, {profile.credential}" if profile and profile.credential else name


def reviewer_credit(user) -> dict:
    """What a published review records of its reviewer: their display name and page's slug."""
    profile = getattr(user, "reviewer_profile", None)
    return {"name": reviewer_display_name(user), "slug": profile.slug if profile else ""}


def person_label(user) -> str:
    """How the admin names a person: their display name, else their login (never published)."""
    return reviewer_display_name(user) or user.get_username()


def decide_refusal(user) -> str:
    """Why `user` may not decide on any review ("" if they may); see `Review.decide_refusal`."""
    profile = getattr(user, "reviewer_profile", None)
    if not (
        user.is_active
        and user.is_authenticated
        and user.has_perm("reviews.decide_review")
        and user.groups.filter(name=REVIEWERS_GROUP).exists()
        and profile is not None
        and profile.credential.strip()
    ):
        return "Only medical reviewers with a recorded credential may decide on a review."
    if not user.get_full_name().strip():
        return (
            "Approvals are published with the reviewer's name: add your first and last name "
            "to your account before deciding on a review."
        )
    return profile.credential_refusal()


def can_decide(user) -> bool:
    """Only active medical reviewers with a verified credential and a full name may decide."""
    return not decide_refusal(user)


def can_read_reviewer_comments(user, *, submitter_id, author_ids) -> bool:
    """Reviewer comments are for the submitter, the revision's authors, reviewers and editors."""
    return (
        user.is_active
        and user.is_authenticated
        and (
            user.pk == submitter_id
            or user.pk in author_ids
            or user.has_perm("reviews.view_all_comments")
        )
    )


class ReviewQuerySet(models.QuerySet):
    def in_review(self):
        return self.filter(status=Review.Status.IN_REVIEW)

    def reviewable_by(self, user):
        """Reviews `user` may decide: `Review.decide_refusal`'s rule, stated for many rows.

        Open reviews, none for someone who may not decide at all, none with their own edits,
        none of a drug they declared an interest in.
        """
        if not can_decide(user):
            return self.none()
        return (
            self.in_review()
            .exclude(revision__authors=user)
            .exclude(drug__in=Drug.objects.filter(recusing_drugs(user)))
        )

    def for_queue(self):
        """Everything the review queue shows, in one query."""
        return self.select_related("drug__published_revision", "revision", "submitted_by")


class Review(WorkflowOwnedModel):
    """One submission of a frozen revision, and where it stands in the workflow."""

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded by a later edit"
        SCHEDULED = "scheduled", "Approved, to go live at a set time"
        CANCELLED = "cancelled", "Approved, but its scheduled publication was cancelled"

    TRANSITIONS = {
        Status.IN_REVIEW: {
            Status.APPROVED,
            Status.SCHEDULED,
            Status.CHANGES_REQUESTED,
            Status.WITHDRAWN,
            Status.SUPERSEDED,
        },
        Status.SCHEDULED: {Status.APPROVED, Status.CANCELLED},
    }

    workflow_fields = frozenset({"status", "closed_at", "publish_at"})

    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="reviews")
    revision = models.OneToOneField(Revision, on_delete=models.PROTECT, related_name="review")
    status = models.CharField(max_length=20, choices=Status, default=Status.IN_REVIEW)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_reviews"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True, help_text="What changed and why.")
    closed_at = models.DateTimeField(null=True, blank=True)
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="When an approval scheduled for later goes live."
    )

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
            ("view_all_comments", "Can read reviewer comments on every review"),
            ("reset_two_factor", "Can reset another person's two-factor sign-in"),
            ("comment_review", "Can comment on reviews without deciding"),
        ]

    def __str__(self):
        return f"{self.revision} ({self.get_status_display()})"

    def can_be_read_in_full_by(self, user) -> bool:
        """Whether `user` may read the reviewers' comments on this review."""
        return can_read_reviewer_comments(
            user,
            submitter_id=self.submitted_by_id,
            author_ids={author.pk for author in self.revision.authors.all()},
        )

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

    def close(self, *, status: str, at) -> list[str]:
        """Move the review to `status` as of `at`; return the workflow fields to save."""
        self._move_to(status)
        self.closed_at = at
        return ["status", "closed_at"]

    # Who may decide. `decide_refusal` is the one statement of the rule; `check_decider` raises
    # its person-level half (the transition table refuses a closed review), and
    # `ReviewQuerySet.reviewable_by` and `deciders` state it for many reviews or many people.

    def decide_refusal(self, user) -> str:
        """Why `user` may not approve or send back this review ("" if they may).

        The review must be open, `user` a medical reviewer with a verified, unexpired credential
        and a full name, none of the revision's edits theirs (the four-eyes rule), and the drug
        not one they declared a current interest in.
        """
        if not self.is_open:
            return f"This review is already {self.get_status_display().lower()}."
        error = self._decider_error(user)
        return str(error) if error else ""

    def can_be_decided_by(self, user) -> bool:
        """Whether `user` may approve or send back this review."""
        return not self.decide_refusal(user)

    def check_decider(self, user) -> None:
        """Raise the domain error that keeps `user` from deciding on this review, if any."""
        error = self._decider_error(user)
        if error is not None:
            raise error

    def _decider_error(self, user) -> NotPermitted | None:
        refusal = decide_refusal(user)
        if refusal:
            return NotPermitted(refusal)
        if self.revision.authors.filter(pk=user.pk).exists():
            return OwnEditApproval(
                "You cannot decide on a revision that contains your own edits; "
                "another reviewer must review it."
            )
        recusal = interest_refusal(user, self.drug)
        if recusal:
            return Recused(recusal)
        return None

    def comment_refusal(self, user) -> str:
        """Why `user` may not comment on this review without deciding ("" if they may)."""
        if not self.is_open:
            return f"This review is already {self.get_status_display().lower()}."
        return self.commenter_refusal(user)

    def commenter_refusal(self, user) -> str:
        """`comment_refusal`'s person-level half: the rule for `user`, whatever the status.

        Commenting needs no approving credential: a reviewer whose credential is unverified or
        expired may still comment. A declared interest in the drug recuses from comments too.
        """
        may_comment = user.is_active and user.is_authenticated
        if not (may_comment and user.has_perm("reviews.comment_review")):
            return "Only medical reviewers and editors may comment on a review."
        return interest_refusal(user, self.drug)

    def deciders(self) -> list:
        """The people who may decide this review while it is open (`decide_refusal` per person)."""
        candidates = (
            get_user_model()
            .objects.filter(groups__name=REVIEWERS_GROUP, is_active=True)
            .exclude(pk__in=self.revision.authors.values("pk"))
            .select_related("reviewer_profile")
            .prefetch_related(
                Prefetch(
                    "interest_declarations",
                    InterestDeclaration.objects.current().prefetch_related("drugs"),
                    to_attr="current_interests",
                )
            )
            .distinct()
        )
        return [
            user
            for user in candidates
            if can_decide(user)
            and not interest_refusal(user, self.drug, declarations=user.current_interests)
        ]

    def _refuse_if_scheduled(self) -> None:
        # A scheduled review may still become approved, but only by `go_live` when it is due;
        # the transition table refuses every other closed review.
        if self.is_scheduled:
            raise IllegalTransition(f"This review is already {self.get_status_display().lower()}.")

    def approve(self, *, by, at) -> list[str]:
        """Close the review as approved by `by`; return the workflow fields to save."""
        self._refuse_if_scheduled()
        self.check_decider(by)
        return self.close(status=self.Status.APPROVED, at=at)

    def schedule(self, *, by, at, publish_at) -> list[str]:
        """Approve, to go live at `publish_at`; return the workflow fields to save."""
        if publish_at <= at:
            raise ReviewError("The time to go live must be in the future.")
        self._refuse_if_scheduled()
        self.check_decider(by)
        self.publish_at = publish_at
        return [*self.close(status=self.Status.SCHEDULED, at=at), "publish_at"]

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.SCHEDULED

    def go_live(self, *, at) -> list[str]:
        """The scheduled approval takes effect; return the workflow fields to save."""
        return self.close(status=self.Status.APPROVED, at=at)

    def cancel_schedule(self, *, at) -> list[str]:
        """The scheduled approval will not go live; return the workflow fields to save."""
        return self.close(status=self.Status.CANCELLED, at=at)

    def request_changes(self, *, by, comment: str, at) -> list[str]:
        """Close the review as sent back by `by`; return the workflow fields to save."""
        if not comment.strip():
            raise ReviewError("Say what needs to change: a note or a comment is required.")
        self.check_decider(by)
        return self.close(status=self.Status.CHANGES_REQUESTED, at=at)

    def withdraw(self, *, by, at) -> list[str]:
        """Close the review at its submitter's request; return the workflow fields to save."""
        if by.pk != self.submitted_by_id:
            raise NotPermitted("Only the person who submitted this revision can withdraw it.")
        return self.close(status=self.Status.WITHDRAWN, at=at)

    def supersede(self, *, at) -> list[str]:
        """Close the review because its drug changed; return the workflow fields to save."""
        return self.close(status=self.Status.SUPERSEDED, at=at)


class Decision(models.Model):
    """A reviewer's verdict on a review, with an overall comment and notes per section."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        PARTLY_APPROVED = "partly_approved", "Approved in part"
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
    attestation = models.TextField(
        blank=True, help_text="The statement the reviewer signed, as it was shown to them."
    )
    signature_method = models.CharField(
        max_length=60, blank=True, help_text="How they signed: password or one-time code."
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    approved_parts = models.JSONField(
        default=dict, blank=True, help_text="The content hash of each part this approval covers."
    )
    approved_parts_hash = models.CharField(
        max_length=64, blank=True, help_text="One hash of exactly the parts approved."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_outcome_display()} by {self.reviewer}"

    @property
    def is_signed(self) -> bool:
        """Approvals are signed since signed attestations began; earlier ones were not."""
        return bool(self.attestation) and self.signed_at is not None


class PartDecision(models.Model):
    """One reviewer's verdict on one changed part of a review's revision.

    `part_hash` is the content the verdict was on: on a later submission, an approval of the
    same part with the same hash is carried over (`carried_from` points at the original).
    """

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="part_decisions")
    part_key = models.CharField(max_length=64)
    part_hash = models.CharField(max_length=64)
    part_title = models.CharField(max_length=500)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="part_decisions"
    )
    outcome = models.CharField(max_length=20, choices=Outcome)
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(
        help_text="When the reviewer decided (for a carried-over "
        "approval, when they decided it first)."
    )
    signed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the approval was signed with the attestation (kept when carried over).",
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.ForeignKey(
        "Decision",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="part_verdicts",
        help_text="The reviewer's decision this verdict was given with (none if carried over).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "part_key", "reviewer"], name="one_verdict_per_part_and_reviewer"
            )
        ]

    def __str__(self):
        return f"{self.part_title}: {self.get_outcome_display()} by {self.reviewer}"

    @property
    def is_approval(self) -> bool:
        return self.outcome == self.Outcome.APPROVED


class ReviewComment(models.Model):
    """A reviewer's or editor's comment on an open review, given without a verdict."""

    MAX_LENGTH = 5000

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_comments"
    )
    body = models.TextField(max_length=MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Comment by {self.author} on {self.review}"


class ReviewReminder(models.Model):
    """A reminder sent for one part's review cycle (the part of a drug, due on a day)."""

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="+")
    part_key = models.CharField(max_length=64)
    due = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["drug", "part_key", "due"], name="one_reminder_per_part_cycle"
            )
        ]

    def __str__(self):
        return f"Reminder for {self.drug}, due {self.due}"


APPEND_ONLY_MESSAGE = "Audit entries are append-only: they cannot be changed or deleted."


class AuditEntryQuerySet(models.QuerySet):
    """Audit entries, which no query may change or delete."""

    def update(self, **kwargs):
        raise AuditTrailAppendOnly(APPEND_ONLY_MESSAGE)

    def delete(self):
        raise AuditTrailAppendOnly(APPEND_ONLY_MESSAGE)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditTrailAppendOnly(APPEND_ONLY_MESSAGE)

    update.alters_data = delete.alters_data = bulk_update.alters_data = True
    delete.queryset_only = True


class AuditEntry(models.Model):
    """One line of the editorial audit trail, a link in its hash chain (`reviews.audit`).

    Append-only through the application: `save()` only inserts, and neither an entry nor a
    query may delete or update one.
    """

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        PARTS_DECIDED = "parts_decided", "Parts decided"
        APPROVALS_CARRIED = "approvals_carried", "Approvals carried over"
        APPROVED = "approved", "Approved and published"
        RECONFIRMED = "reconfirmed", "Reviewed, no change"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded by a later edit"
        UNPUBLISHED = "unpublished", "Unpublished"
        SCHEDULED = "scheduled", "Approved to go live at a set time"
        PUBLISHED_AS_SCHEDULED = "published_scheduled", "Published as scheduled"
        SCHEDULE_CANCELLED = "schedule_cancelled", "Scheduled publication cancelled"
        LINK_CREATED = "link_created", "Shared with a specialist"
        LINK_OPENED = "link_opened", "Shared link opened"
        LINK_REVOKED = "link_revoked", "Shared link revoked"
        PROFILE_CHANGED = "profile_changed", "Reviewer profile changed"
        CREDENTIAL_VERIFIED = "credential_verified", "Credential verified"
        INTEREST_DECLARED = "interest_declared", "Interest declared"
        INTEREST_CHANGED = "interest_changed", "Declared interest changed"
        TWO_FACTOR_ENROLLED = "2fa_enrolled", "Two-factor sign-in set up"
        TWO_FACTOR_RESET = "2fa_reset", "Two-factor sign-in reset"
        BACKUP_CODES_ISSUED = "backup_codes", "Backup codes issued"
        SIGNED_IN = "signed_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGNED_OUT = "signed_out", "Signed out"
        COMMENTED = "commented", "Reviewer commented"

    drug = models.ForeignKey(
        Drug, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The person an entry about an account is about (profile, sign-in, 2FA).",
    )
    action = models.CharField(max_length=20, choices=Action)
    comment = models.TextField(blank=True)
    details = models.JSONField(
        default=dict, blank=True, help_text="What changed, as recorded at the time."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    previous_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["drug", "-created_at"])]

    def __str__(self):
        about = self.drug or self.subject or "MedRef"
        return f"{self.get_action_display()}: {about}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailAppendOnly(APPEND_ONLY_MESSAGE)
        # An unsaved entry given an existing id must fail, not overwrite that entry.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailAppendOnly(APPEND_ONLY_MESSAGE)

    def computed_hash(self) -> str:
        """The hash this entry's fields and its predecessor's hash give."""
        return audit_hash({name: getattr(self, name) for name in HASHED_FIELDS})

    @property
    def carries_reviewer_comment(self) -> bool:
        return self.action in {
            self.Action.APPROVED,
            self.Action.CHANGES_REQUESTED,
            self.Action.PARTS_DECIDED,
            self.Action.COMMENTED,
        }


class AuditChainHead(models.Model):
    """The end of the audit trail's hash chain: the last entry's sequence and hash (one row).

    Appending locks it, which puts concurrent writers in line; the verifier compares it with
    the last entry, so that deleting the newest entries is caught too.
    """

    ROW = 1

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self):
        return f"Audit chain head at entry #{self.last_sequence}"


class ShareLink(models.Model):
    """A signed, expiring, revocable link showing one revision to a specialist without an account.

    The link carries only a signature of this row's id; whether it still works is decided here,
    on every request, so revoking or expiry takes effect at once.
    """

    DEFAULT_DAYS = 7
    MAX_DAYS = 30
    SALT = "medref.reviews.share-link"

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="share_links")
    recipient = models.CharField(
        max_length=200, help_text="Who the link is for, e.g. “Dr Lee, hepatology”."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("share_revision", "Can share a revision with an outside specialist")]

    def __str__(self):
        return f"{self.revision} for {self.recipient}"

    @property
    def token(self) -> str:
        return signing.dumps(self.pk, salt=self.SALT, compress=True)

    @classmethod
    def from_token(cls, token: str) -> "ShareLink | None":
        """The link a token was signed for, or None for a token nobody signed."""
        try:
            pk = signing.loads(token, salt=cls.SALT)
        except signing.BadSignature:
            return None
        if not isinstance(pk, int):
            return None
        return cls.objects.select_related("revision__drug").filter(pk=pk).first()

    def refusal(self, now=None) -> str:
        """Why the link no longer works ("" while it does)."""
        if self.revoked_at is not None:
            return "This review link was withdrawn by the MedRef editorial team."
        if (now or timezone.now()) >= self.expires_at:
            return "This review link has expired."
        return ""


class WorkflowState(models.TextChoices):
    """Where a monograph stands, as its contributors see it."""

    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    SCHEDULED = "scheduled", "Approved, scheduled to go live"
    PUBLISHED = "published", "Published"
    PUBLISHED_WITH_CHANGES = "published_with_changes", "Published, with unpublished changes"
    UNPUBLISHED = "unpublished", "Unpublished"


def _any_history(**filters) -> Q:
    """Whether the drug (the outer row) has a history row, of itself, a section or an FAQ
    item, matching `filters`."""
    drug = OuterRef("pk")
    return (
        Exists(Drug.history.filter(id=drug, **filters))
        | Exists(Section.history.filter(drug_id=drug, **filters))
        | Exists(FAQItem.history.filter(drug_id=drug, **filters))
    )


def _edited_since(published_at) -> Q:
    """Any history row (drug, section or FAQ) written after `published_at`."""
    return _any_history(history_date__gt=published_at)


def edited_by(user) -> Q:
    """Drugs whose working copy `user` has saved (any row of it), for `Drug.objects.filter`."""
    return _any_history(history_user=user)


def with_workflow_state(drugs: models.QuerySet) -> models.QuerySet:
    """Annotate drugs with `workflow_state` (a WorkflowState value) in the same query.

    "With unpublished changes" means the working copy has history written after the published
    revision was frozen: saves that change nothing write no history, so they don't count.
    """
    reviews = Review.objects.filter(drug=OuterRef("pk"))
    # No ordering: Revision's default one joins the drug table, which would shadow the outer one.
    published_at = (
        Revision.objects.filter(pk=OuterRef("published_revision_id"))
        .order_by()
        .values("created_at")[:1]
    )
    return drugs.annotate(
        _published_at=Subquery(published_at),
        _last_review_status=Subquery(reviews.order_by("-submitted_at", "-id").values("status")[:1]),
        workflow_state=Case(
            When(Exists(reviews.in_review()), then=Value(WorkflowState.IN_REVIEW)),
            When(
                _last_review_status=Review.Status.CHANGES_REQUESTED,
                then=Value(WorkflowState.CHANGES_REQUESTED),
            ),
            When(
                Exists(reviews.filter(status=Review.Status.SCHEDULED)),
                then=Value(WorkflowState.SCHEDULED),
            ),
            When(
                Q(published_revision__isnull=False) & _edited_since(OuterRef("_published_at")),
                then=Value(WorkflowState.PUBLISHED_WITH_CHANGES),
            ),
            When(published_revision__isnull=False, then=Value(WorkflowState.PUBLISHED)),
            When(
                Exists(Revision.objects.approved().filter(drug=OuterRef("pk"))),
                then=Value(WorkflowState.UNPUBLISHED),
            ),
            default=Value(WorkflowState.DRAFT),
            output_field=models.CharField(),
        ),
    )


def drug_workflow_state(drug: Drug) -> WorkflowState:
    """The workflow state of one drug (one query)."""
    state = with_workflow_state(Drug.objects.filter(pk=drug.pk)).values_list(
        "workflow_state", flat=True
    )
    return WorkflowState(state.get())


def drugs_overdue_for_review(today=None):
    """Published monographs whose next medical review date has passed, most overdue first."""
    today = today or timezone.localdate()
    return (
        Drug.objects.published()
        .filter(published_revision__next_review_due__lt=today)
        .select_related("published_revision")
        .order_by("published_revision__next_review_due", "name")
    )


class ProblemReportQuerySet(models.QuerySet):
    def open(self):
        """Reports nobody has closed yet (new or triaged)."""
        return self.filter(status__in=ProblemReport.OPEN_STATUSES)


class ProblemReport(models.Model):
    """A reader's report that something on a published monograph page is wrong.

    The reader's text is kept exactly as typed and always shown escaped; their address, if
    they left one, is only for the reply sent when the report is closed.
    """

    MESSAGE_MAX_LENGTH = 2000
    REPLY_MAX_LENGTH = 5000

    class Status(models.TextChoices):
        NEW = "new", "New"
        TRIAGED = "triaged", "Triaged"
        FIXED = "fixed", "Fixed"
        DECLINED = "declined", "Declined"

    OPEN_STATUSES = (Status.NEW, Status.TRIAGED)
    CLOSED_STATUSES = (Status.FIXED, Status.DECLINED)
    TRANSITIONS = {
        Status.NEW: {Status.TRIAGED, Status.FIXED, Status.DECLINED},
        Status.TRIAGED: {Status.FIXED, Status.DECLINED},
        Status.FIXED: {Status.TRIAGED},
        Status.DECLINED: {Status.TRIAGED},
    }

    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="problem_reports")
    revision = models.ForeignKey(
        Revision,
        on_delete=models.PROTECT,
        related_name="problem_reports",
        help_text="The published version the reader was looking at.",
    )
    part_anchor = models.CharField(max_length=200, blank=True)
    part_title = models.CharField(
        max_length=500, blank=True, help_text="The section reported (none: the whole page)."
    )
    message = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    reply_to = models.EmailField(
        blank=True, help_text="The reader's address for a reply; never shown publicly."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.NEW)
    reply = models.TextField(
        blank=True,
        max_length=REPLY_MAX_LENGTH,
        help_text="The editor's reply, sent to the reader when the report is closed.",
    )
    fixed_by = models.ForeignKey(
        Revision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fixed_problem_reports",
        help_text="The approved revision that fixed it.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ProblemReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "drug"], name="problem_report_status_drug")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="fixed") | Q(fixed_by__isnull=False),
                name="fixed_problem_report_names_its_revision",
            )
        ]

    def __str__(self):
        where = f", {self.part_title}" if self.part_title else ""
        return f"Problem with {self.drug}{where} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def move_refusal(self, status: str, *, fixed_by: Revision | None) -> str:
        """Why this report cannot move to `status` (with `fixed_by` for "fixed"); "" if it can."""
        if status not in self.TRANSITIONS.get(self.status, set()):
            return (
                f"This report is {self.get_status_display().lower()}; it cannot be moved to "
                f"“{self.Status(status).label.lower()}”."
            )
        if status == self.Status.FIXED:
            if fixed_by is None:
                return "Name the approved revision that fixed it."
            if fixed_by.drug_id != self.drug_id or not fixed_by.is_approved:
                return "The revision that fixed it must be an approved revision of this drug."
            if fixed_by.number <= self.revision.number:
                return (
                    f"The revision that fixed it must be later than the one reported "
                    f"(revision {self.revision.number})."
                )
        return ""

    def move(self, status: str, *, at, fixed_by: Revision | None = None) -> list[str]:
        """Move to `status` as of `at`; return the fields to save."""
        refusal = self.move_refusal(status, fixed_by=fixed_by)
        if refusal:
            raise IllegalTransition(refusal)
        self.status = status
        self.fixed_by = fixed_by if status == self.Status.FIXED else None
        self.closed_at = at if status in self.CLOSED_STATUSES else None
        return ["status", "fixed_by", "closed_at"]


class ProblemReportChange(models.Model):
    """A status change of a problem report: who moved it, when, and the reply at the time."""

    report = models.ForeignKey(ProblemReport, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=10, choices=ProblemReport.Status)
    to_status = models.CharField(max_length=10, choices=ProblemReport.Status)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, editable=False)
    reply = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()} by {self.by}"
