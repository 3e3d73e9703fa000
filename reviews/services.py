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
from reviews.models import AuditEntry, Decision, Review, ShareLink, reviewer_display_name


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


def review_approve(*, review: Review, by, comment: str = "", section_notes=None) -> Review:
    """Approve the frozen revision and publish it, unless it was edited since submission.

    One transaction under one lock (drug, review, revision): close the review, stamp the
    revision, point the drug at it, refresh what derives from publication, record the
    decision and the audit entry, and mail the contributors once it commits.
    """
    # Refused before taking any lock; the locked review is checked again by `approve`.
    review.check_decider(by)
    with transaction.atomic():
        review = _lock_review(review)
        superseded = _supersede_if_stale(review, by=by)
        if not superseded:
            _publish(review=review, by=by, comment=comment, section_notes=section_notes)
    if superseded:
        # Raised once committed: the review stays closed as superseded.
        raise StaleRevision(STALE_MESSAGE)
    return review


def _publish(*, review: Review, by, comment: str, section_notes) -> None:
    """Approve and publish the locked `review` (its drug and revision locked with it)."""
    now = timezone.now()
    review.save(update_fields=review.approve(by=by, at=now))
    revision = review.revision
    revision.save(
        update_fields=revision.record_approval(
            by=by,
            credit=reviewer_display_name(by),
            at=now,
            review_interval=timedelta(days=settings.MEDREF_REVIEW_INTERVAL_DAYS),
        )
    )

    drug = review.drug
    drug.published_revision = revision
    drug.save(update_fields=["published_revision", "updated_at"])
    try:
        publication_changed(drug)
    except PublishedSlugTaken as error:
        raise AddressTaken(
            f"{error} Nothing was published: give this monograph another slug and submit it again."
        ) from error

    Decision.objects.create(
        review=review,
        reviewer=by,
        outcome=Decision.Outcome.APPROVED,
        comment=comment,
        section_notes=section_notes or {},
    )
    _audit(
        drug=drug, action=AuditEntry.Action.APPROVED, actor=by, revision=revision, comment=comment
    )
    _notify_after_commit(
        notifications.review_decided, review, outcome=Decision.Outcome.APPROVED, comment=comment
    )


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
