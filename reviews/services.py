"""The editorial workflow: the only code that moves a drug's published revision.

Locks follow the one order of `monographs.locking`: the drug, then the review, then the
revision. Every transition locks the drug first (`_lock_review` does it for a review's
transitions), so an approval and a content save of the same monograph wait for each other
instead of deadlocking.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monographs.locking import drug_lock
from monographs.models import Drug, Revision
from monographs.publication import PublishedSlugTaken, publication_changed
from monographs.services import drug_content_hash, revision_freeze
from reviews import notifications
from reviews.exceptions import (
    AddressTaken,
    IllegalTransition,
    NothingToSubmit,
    NotPermitted,
    ReviewError,
    StaleRevision,
)
from reviews.models import (
    AuditEntry,
    Decision,
    Review,
    ShareLink,
    can_decide,
    reviewer_display_name,
)


def _lock_drug(pk) -> Drug:
    drug = drug_lock(pk=pk)
    if drug is None:
        raise Drug.DoesNotExist(f"Drug {pk} does not exist.")
    return drug


def _lock_review(review: Review) -> Review:
    """The review as it is now, with its drug and revision: locked drug, review, revision."""
    drug = _lock_drug(review.drug_id)
    locked = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    locked.drug = drug
    locked.revision = Revision.objects.select_for_update(of=("self",)).get(pk=locked.revision_id)
    return locked


def _audit(*, drug, action, actor=None, revision=None, comment="") -> AuditEntry:
    return AuditEntry.objects.create(
        drug=drug, action=action, actor=actor, revision=revision, comment=comment
    )


def _notify_after_commit(notify, *args, **kwargs) -> None:
    """Send mail only for a transition that committed; a mail outage never undoes one."""
    transaction.on_commit(lambda: notify(*args, **kwargs), robust=True)


def review_is_stale(review: Review) -> bool:
    """True when the working copy was edited after this revision was frozen."""
    return drug_content_hash(review.drug) != review.revision.content_hash


@transaction.atomic
def review_supersede_if_stale(*, review: Review, by=None) -> bool:
    """Mark an open review superseded when its drug has been edited since submission."""
    return _supersede_if_stale(_lock_review(review), by=by)


def _supersede_if_stale(review: Review, *, by) -> bool:
    if not review.is_open or not review_is_stale(review):
        return False
    review.save(update_fields=review.supersede(at=timezone.now()))
    _audit(
        drug=review.drug,
        action=AuditEntry.Action.SUPERSEDED,
        actor=by,
        revision=review.revision,
        comment="The monograph was edited after it was submitted.",
    )
    _notify_after_commit(notifications.review_superseded, review, by=by)
    return True


@transaction.atomic
def review_submit(*, drug: Drug, by, comment: str = "") -> Review:
    """Freeze the working copy and put it in front of the medical reviewers."""
    if not (by.has_perm("reviews.submit_review") and by.has_perm("monographs.change_drug")):
        raise NotPermitted("You do not have permission to submit monographs for review.")
    drug = _lock_drug(drug.pk)
    current_hash = drug_content_hash(drug)
    open_review = drug.reviews.in_review().select_related("revision").first()
    if open_review and open_review.revision.content_hash == current_hash:
        raise NothingToSubmit("This version is already in review.")
    if drug.published_revision and drug.published_revision.content_hash == current_hash:
        raise NothingToSubmit("Nothing to submit: the monograph matches what is published.")
    if open_review:
        review_supersede_if_stale(review=open_review, by=by)
    revision = revision_freeze(drug=drug, by=by, reason=comment)
    review = Review.objects.create(drug=drug, revision=revision, submitted_by=by, comment=comment)
    _audit(
        drug=drug,
        action=AuditEntry.Action.SUBMITTED,
        actor=by,
        revision=revision,
        comment=comment,
    )
    _notify_after_commit(notifications.review_submitted, review)
    return review


STALE_MESSAGE = (
    "The monograph was edited after this revision was submitted, so this review is "
    "superseded. Review the newer submission instead."
)


def review_approve(
    *, review: Review, by, comment: str = "", section_notes=None, publish_at=None
) -> Review:
    """Approve the frozen revision and publish it, unless it was edited since submission.

    One transaction under one lock (drug, review, revision): close the review, stamp the
    revision, point the drug at it, refresh what derives from publication, record the
    decision and the audit entry, and mail the contributors once it commits. With
    `publish_at`, the approval is recorded now and `review_publish_due` publishes it then.
    """
    # Refused before taking any lock; the locked review is checked again by `approve`.
    review.check_decider(by)
    with transaction.atomic():
        review = _lock_review(review)
        superseded = _supersede_if_stale(review, by=by)
        if not superseded and publish_at is None:
            _publish(review=review, by=by, comment=comment, section_notes=section_notes)
        elif not superseded:
            _schedule(
                review=review,
                by=by,
                comment=comment,
                section_notes=section_notes,
                publish_at=publish_at,
            )
    if superseded:
        # Raised once committed: the review stays closed as superseded.
        raise StaleRevision(STALE_MESSAGE)
    return review


def _publish(*, review: Review, by, comment: str, section_notes) -> None:
    """Approve and publish the locked `review` (its drug and revision locked with it)."""
    now = timezone.now()
    review.save(update_fields=review.approve(by=by, at=now))
    _go_live(review, reviewer=by, reviewed_at=now)
    _record_approval_decision(
        review,
        by=by,
        comment=comment,
        section_notes=section_notes,
        action=AuditEntry.Action.APPROVED,
    )


def _schedule(*, review: Review, by, comment: str, section_notes, publish_at) -> None:
    """Approve the locked `review` now, to be published at `publish_at`."""
    now = timezone.now()
    review.save(update_fields=review.schedule(by=by, at=now, publish_at=publish_at))
    _cancel_schedules(review.drug, at=now, reason="A newer revision was approved.", keep=review)
    when = timezone.localtime(publish_at)
    _record_approval_decision(
        review,
        by=by,
        comment=comment,
        section_notes=section_notes,
        action=AuditEntry.Action.SCHEDULED,
        audit_comment=f"To go live on {when:%d %B %Y at %H:%M %Z}. {comment}".strip(),
    )


def _go_live(review: Review, *, reviewer, reviewed_at) -> None:
    """Publish the locked review's revision, as reviewed by `reviewer` at `reviewed_at`."""
    revision = review.revision
    revision.save(
        update_fields=revision.record_approval(
            by=reviewer,
            credit=reviewer_display_name(reviewer),
            at=reviewed_at,
            review_interval=timedelta(days=settings.MEDREF_REVIEW_INTERVAL_DAYS),
        )
    )
    drug = review.drug
    _cancel_schedules(drug, at=timezone.now(), reason="A newer revision was approved.", keep=review)
    drug.published_revision = revision
    drug.save(update_fields=["published_revision", "updated_at"])
    try:
        publication_changed(drug)
    except PublishedSlugTaken as error:
        raise AddressTaken(
            f"{error} Nothing was published: give this monograph another slug and submit it again."
        ) from error


def _cancel_schedules(drug: Drug, *, at, reason: str, keep: Review | None = None, by=None) -> None:
    """Cancel the drug's approvals still waiting to go live (its row is locked already)."""
    pending = Review.objects.select_for_update().filter(drug=drug, status=Review.Status.SCHEDULED)
    if keep is not None:
        pending = pending.exclude(pk=keep.pk)
    for scheduled in pending.select_related("revision"):
        scheduled.save(update_fields=scheduled.cancel_schedule(at=at))
        _audit(
            drug=drug,
            action=AuditEntry.Action.SCHEDULE_CANCELLED,
            actor=by,
            revision=scheduled.revision,
            comment=reason,
        )


def _record_approval_decision(
    review: Review, *, by, comment: str, section_notes, action, audit_comment: str | None = None
) -> None:
    drug, revision = review.drug, review.revision
    Decision.objects.create(
        review=review,
        reviewer=by,
        outcome=Decision.Outcome.APPROVED,
        comment=comment,
        section_notes=section_notes or {},
    )
    _audit(
        drug=drug,
        action=action,
        actor=by,
        revision=revision,
        comment=comment if audit_comment is None else audit_comment,
    )
    _notify_after_commit(
        notifications.review_decided, review, outcome=Decision.Outcome.APPROVED, comment=comment
    )


def review_publish_due(*, now=None) -> list[Review]:
    """Publish every scheduled approval whose time has come; each in its own transaction.

    Idempotent (for cron every minute): a review already published, or cancelled meanwhile,
    is skipped under its lock.
    """
    now = now or timezone.now()
    due = Review.objects.filter(status=Review.Status.SCHEDULED, publish_at__lte=now).order_by(
        "publish_at", "pk"
    )
    published = []
    for review in list(due.only("pk", "drug_id", "revision_id")):
        try:
            if _publish_scheduled(review, now=now):
                published.append(review)
        except AddressTaken as error:
            # Rolled back; cancelled so it neither blocks the others nor fails every minute.
            _cancel_schedule_that_cannot_go_live(review, reason=str(error))
    return published


def _cancel_schedule_that_cannot_go_live(review: Review, *, reason: str) -> None:
    with transaction.atomic():
        review = _lock_review(review)
        if review.is_scheduled:
            review.save(update_fields=review.cancel_schedule(at=timezone.now()))
            _audit(
                drug=review.drug,
                action=AuditEntry.Action.SCHEDULE_CANCELLED,
                revision=review.revision,
                comment=reason,
            )


def _publish_scheduled(review: Review, *, now) -> bool:
    """Publish one due scheduled review under its locks; False if it is no longer due."""
    with transaction.atomic():
        review = _lock_review(review)
        if not review.is_scheduled or review.publish_at > now:
            return False
        decision = (
            review.decisions.filter(outcome=Decision.Outcome.APPROVED)
            .select_related("reviewer")
            .latest("created_at", "id")
        )
        review.save(update_fields=review.go_live(at=now))
        _go_live(review, reviewer=decision.reviewer, reviewed_at=decision.created_at)
        _audit(
            drug=review.drug,
            action=AuditEntry.Action.PUBLISHED_AS_SCHEDULED,
            revision=review.revision,
            comment=f"Approved by {review.revision.approved_by_credit}.",
        )
    return True


@transaction.atomic
def review_cancel_schedule(*, review: Review, by, comment: str = "") -> Review:
    """Stop a scheduled approval from going live (its submitter or a medical reviewer)."""
    if not (by.pk == review.submitted_by_id or can_decide(by)):
        raise NotPermitted("Only its submitter or a medical reviewer can cancel a schedule.")
    review = _lock_review(review)
    if not review.is_scheduled:
        raise IllegalTransition("This revision is not waiting to go live.")
    review.save(update_fields=review.cancel_schedule(at=timezone.now()))
    _audit(
        drug=review.drug,
        action=AuditEntry.Action.SCHEDULE_CANCELLED,
        actor=by,
        revision=review.revision,
        comment=comment or "Cancelled before it went live.",
    )
    return review


@transaction.atomic
def review_request_changes(*, review: Review, by, comment: str, section_notes=None) -> Review:
    """Send the revision back to its contributors with the reviewer's comments."""
    review = _lock_review(review)
    review.save(update_fields=review.request_changes(by=by, comment=comment, at=timezone.now()))
    Decision.objects.create(
        review=review,
        reviewer=by,
        outcome=Decision.Outcome.CHANGES_REQUESTED,
        comment=comment,
        section_notes=section_notes or {},
    )
    _audit(
        drug=review.drug,
        action=AuditEntry.Action.CHANGES_REQUESTED,
        actor=by,
        revision=review.revision,
        comment=comment,
    )
    _notify_after_commit(
        notifications.review_decided,
        review,
        outcome=Decision.Outcome.CHANGES_REQUESTED,
        comment=comment,
    )
    return review


@transaction.atomic
def review_withdraw(*, review: Review, by, comment: str = "") -> Review:
    """The submitter takes their revision back out of review."""
    review = _lock_review(review)
    review.save(update_fields=review.withdraw(by=by, at=timezone.now()))
    _audit(
        drug=review.drug,
        action=AuditEntry.Action.WITHDRAWN,
        actor=by,
        revision=review.revision,
        comment=comment,
    )
    _notify_after_commit(notifications.review_withdrawn, review)
    return review


@transaction.atomic
def drug_unpublish(*, drug: Drug, by, comment: str = "") -> Drug:
    """Take a monograph off the public site; its revisions and history stay."""
    if not by.has_perm("monographs.unpublish_drug"):
        raise NotPermitted("You do not have permission to unpublish monographs.")
    drug = _lock_drug(drug.pk)
    if drug.published_revision_id is None:
        raise IllegalTransition("This monograph is not published.")
    revision = drug.published_revision
    drug.published_revision = None
    drug.save(update_fields=["published_revision", "updated_at"])
    publication_changed(drug)
    _cancel_schedules(drug, at=timezone.now(), reason="The monograph was unpublished.", by=by)
    _audit(
        drug=drug,
        action=AuditEntry.Action.UNPUBLISHED,
        actor=by,
        revision=revision,
        comment=comment,
    )
    return drug


def share_link_create(*, revision: Revision, by, recipient: str, days: int) -> ShareLink:
    """A link showing `revision` to a specialist without an account, for `days` days."""
    if not by.has_perm("reviews.share_revision"):
        raise NotPermitted("You do not have permission to share revisions.")
    if not 1 <= days <= ShareLink.MAX_DAYS:
        raise ReviewError(f"A review link lasts from 1 to {ShareLink.MAX_DAYS} days.")
    now = timezone.now()
    link = ShareLink.objects.create(
        revision=revision,
        recipient=recipient.strip(),
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    _audit(
        drug=revision.drug,
        action=AuditEntry.Action.LINK_CREATED,
        actor=by,
        revision=revision,
        comment=f"For {link.recipient}, until {link.expires_at:%Y-%m-%d %H:%M %Z}.",
    )
    return link


def share_link_revoke(*, link: ShareLink, by) -> None:
    """Stop a review link from working, at once."""
    if not by.has_perm("reviews.share_revision"):
        raise NotPermitted("You do not have permission to revoke review links.")
    if link.revoked_at is not None:
        raise ReviewError("This link was already revoked.")
    link.revoked_at, link.revoked_by = timezone.now(), by
    link.save(update_fields=["revoked_at", "revoked_by"])
    _audit(
        drug=link.revision.drug,
        action=AuditEntry.Action.LINK_REVOKED,
        actor=by,
        revision=link.revision,
        comment=f"The link for {link.recipient}.",
    )


def share_link_opened(*, link: ShareLink) -> None:
    """Record that someone opened a working review link."""
    _audit(
        drug=link.revision.drug,
        action=AuditEntry.Action.LINK_OPENED,
        revision=link.revision,
        comment=f"The link for {link.recipient}.",
    )
