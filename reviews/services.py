"""The editorial workflow: the only code that moves a drug's published revision.

Locks follow the one order of `monographs.locking`: the drug, then the review, then the
revision. Every transition locks the drug first (`_lock_review` does it for a review's
transitions), so an approval and a content save of the same monograph wait for each other
instead of deadlocking.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from monographs.locking import drug_lock
from monographs.models import Drug, ReviewedPart, Revision, Significance
from monographs.parts import document_parts
from monographs.publication import PublishedSlugTaken, publication_changed
from monographs.services import drug_content_hash, revision_freeze
from reviews import notifications
from reviews.attestation import (
    Signature,
    approved_parts_digest,
    signature_check,
    signature_details,
)
from reviews.audit import audit_record
from reviews.exceptions import (
    AddressTaken,
    IllegalTransition,
    NothingToSubmit,
    NotPermitted,
    PolicyRefusal,
    ReviewError,
    StaleRevision,
)
from reviews.models import (
    AuditEntry,
    Decision,
    PartDecision,
    Review,
    ReviewComment,
    ShareLink,
    can_decide,
    reviewer_display_name,
)
from reviews.policy import requirement_for
from reviews.progress import PartProgress, ReviewProgress, review_progress

APPROVE, REQUEST_CHANGES = PartDecision.Outcome.APPROVED, PartDecision.Outcome.CHANGES_REQUESTED


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
    audit_record(
        drug=review.drug,
        action=AuditEntry.Action.SUPERSEDED,
        actor=by,
        revision=review.revision,
        comment="The monograph was edited after it was submitted.",
    )
    _notify_after_commit(notifications.review_superseded, review, by=by)
    return True


@transaction.atomic
def review_submit(
    *, drug: Drug, by, comment: str = "", significance: str = Significance.EDITORIAL
) -> Review:
    """Freeze the working copy and put it in front of the medical reviewers.

    Approvals given on an earlier submission since the last publication carry over to every
    part whose content is the same (same hash), unless their reviewer is now an author.
    """
    if significance not in Significance.values:
        raise ReviewError("Say how significant the change is: editorial, clinical or safety.")
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
    revision = revision_freeze(drug=drug, by=by, reason=comment, significance=significance)
    review = Review.objects.create(
        drug=drug,
        revision=revision,
        submitted_by=by,
        comment=comment,
    )
    audit_record(
        drug=drug,
        action=AuditEntry.Action.SUBMITTED,
        actor=by,
        revision=revision,
        comment=comment,
    )
    _carry_approvals_over(review)
    _notify_after_commit(notifications.review_submitted, review)
    return review


def _carry_approvals_over(review: Review) -> None:
    """Give the new `review` the earlier approvals of parts whose content it did not change."""
    drug, revision = review.drug, review.revision
    progress = review_progress(review, base=drug.published_revision, decisions=[])
    if not progress.parts:
        return
    earlier = (
        PartDecision.objects.filter(
            review__drug=drug,
            outcome=APPROVE,
            part_key__in=[part.key for part in progress.parts],
        )
        .exclude(review=review)
        .exclude(reviewer__in=revision.authors.all())
        .select_related("reviewer__reviewer_profile")
        .order_by("-decided_at", "-pk")
    )
    if drug.published_revision is not None:
        earlier = earlier.filter(review__submitted_at__gt=drug.published_revision.approved_at)
    earlier = list(earlier)
    carried = []
    for part in progress.parts:
        seen = set()
        for decision in earlier:
            if (decision.part_key, decision.part_hash) != (part.key, part.change.content_hash):
                continue
            if decision.reviewer_id in seen or not can_decide(decision.reviewer):
                continue
            if len(seen) >= part.requirement.approvals:
                break
            seen.add(decision.reviewer_id)
            carried.append(
                PartDecision(
                    review=review,
                    part_key=part.key,
                    part_hash=part.change.content_hash,
                    part_title=part.title[:500],
                    reviewer=decision.reviewer,
                    outcome=APPROVE,
                    note=decision.note,
                    decided_at=decision.decided_at,
                    signed_at=decision.signed_at,
                    carried_from=decision.carried_from or decision,
                )
            )
    if not carried:
        return
    for decision in carried:
        decision.save()
    audit_record(
        drug=drug,
        action=AuditEntry.Action.APPROVALS_CARRIED,
        revision=revision,
        comment="Unchanged since approved: "
        + "; ".join(
            f"{decision.part_title} ({reviewer_display_name(decision.reviewer)})"
            for decision in carried
        )
        + ".",
    )


STALE_MESSAGE = (
    "The monograph was edited after this revision was submitted, so this review is "
    "superseded. Review the newer submission instead."
)


def review_decide_parts(
    *,
    review: Review,
    by,
    verdicts: dict,
    comment: str = "",
    publish_at=None,
    signature: Signature | None = None,
) -> Review:
    """Record `by`'s verdict on some changed parts; publish once every part is approved.

    `verdicts` maps a part key to `(outcome, note)`. One transaction under the locks (drug,
    review, revision): each verdict is checked against the review policy and the four-eyes
    rule, and then the review either stays in review with its partial approvals, goes back to
    its contributors (any part sent back), or publishes (`publish_at`: is scheduled) when the
    last part a policy asks for is approved. Approving any part needs `by`'s `signature`.
    """
    if not verdicts:
        raise ReviewError("Choose approve or request changes for at least one part.")
    return _decide(
        review,
        by=by,
        decide=lambda locked: _decide_locked(
            locked,
            by=by,
            verdicts=verdicts,
            comment=comment,
            publish_at=publish_at,
            signature=signature,
        ),
    )


def review_approve(
    *, review: Review, by, signature: Signature, comment: str = "", publish_at=None
) -> Review:
    """Approve every changed part `by` may approve, signed; publish if that completes the review.

    A review whose parts are all approved already (carried over from an earlier submission)
    is published by any reviewer who may decide it.
    """

    def approve_all(locked: Review) -> None:
        _refuse_unless_open(locked, by=by)
        progress = _progress(locked)
        verdicts = {part.key: (APPROVE, "") for part in progress.approvable_by(by)}
        if not verdicts and not progress.is_complete:
            raise PolicyRefusal(_nothing_to_approve(progress, by))
        _decide_locked(
            locked,
            by=by,
            verdicts=verdicts,
            comment=comment,
            publish_at=publish_at,
            signature=signature,
            progress=progress,
        )

    return _decide(review, by=by, decide=approve_all)


def _decide(review: Review, *, by, decide) -> Review:
    """Run `decide(locked_review)` under the review's locks, unless the monograph was edited
    since submission: then the review is closed as superseded and StaleRevision raised."""
    # Refused before taking any lock; the locked review is checked again by `decide`.
    review.check_decider(by)
    with transaction.atomic():
        review = _lock_review(review)
        superseded = _supersede_if_stale(review, by=by)
        if not superseded:
            decide(review)
    if superseded:
        # Raised once committed: the review stays closed as superseded.
        raise StaleRevision(STALE_MESSAGE)
    return review


def _refuse_unless_open(review: Review, *, by) -> None:
    if not review.is_open:
        # Refused as approving a closed review is: the schedule guard or the transition table.
        review.approve(by=by, at=timezone.now())


def _nothing_to_approve(progress: ReviewProgress, by) -> str:
    reasons = [
        f"“{part.title}”: {part.refusal(by)}" for part in progress.parts if not part.is_approved
    ]
    return "Nothing here is left for you to approve. " + " ".join(reasons)


def _progress(review: Review) -> ReviewProgress:
    return review_progress(review, base=review.drug.published_revision)


def _decide_locked(
    review: Review, *, by, verdicts: dict, comment: str, publish_at, signature, progress=None
) -> None:
    """Record the verdicts on the locked `review`, then close it if they settle it."""
    _refuse_unless_open(review, by=by)
    review.check_decider(by)
    progress = progress or _progress(review)
    if any(outcome == APPROVE for outcome, _note in verdicts.values()) or not verdicts:
        signature_check(signature, by=by)
    now = timezone.now()
    recorded = []
    for key, (outcome, note) in verdicts.items():
        part = progress.part(key)
        if part is None:
            raise ReviewError(
                "One of the parts you decided is not among this revision's changes; "
                "reload the page and decide again."
            )
        recorded.append(
            _verdict(
                review, part, by=by, outcome=outcome, note=note.strip(), at=now, signature=signature
            )
        )
    progress = _progress(review)
    if progress.is_sent_back:
        _send_back(review, by=by, comment=comment, recorded=recorded, at=now, signature=signature)
    elif progress.is_complete:
        if publish_at is None:
            review.save(update_fields=review.approve(by=by, at=now))
            _go_live(review, progress=progress, at=now, approver=by)
            action = AuditEntry.Action.APPROVED
            audit_comment = _decided_parts_text(recorded, comment)
        else:
            review.save(update_fields=review.schedule(by=by, at=now, publish_at=publish_at))
            _cancel_schedules(
                review.drug, at=now, reason="A newer revision was approved.", keep=review
            )
            action = AuditEntry.Action.SCHEDULED
            when = timezone.localtime(publish_at)
            audit_comment = (
                f"To go live on {when:%d %B %Y at %H:%M %Z}. "
                + _decided_parts_text(recorded, comment)
            ).strip()
        _record_decision(
            review,
            by=by,
            outcome=Decision.Outcome.APPROVED,
            comment=comment,
            action=action,
            audit_comment=audit_comment,
            verdicts=recorded,
            signature=signature,
        )
    else:
        if publish_at is not None:
            raise ReviewError(
                "A time to go live can be set only by the approval that completes the review; "
                f"it still needs: {progress.summary}."
            )
        _record_decision(
            review,
            by=by,
            outcome=Decision.Outcome.PARTLY_APPROVED,
            comment=comment,
            action=AuditEntry.Action.PARTS_DECIDED,
            audit_comment=f"{_decided_parts_text(recorded, comment)} Still needed: "
            f"{progress.summary}.",
            verdicts=recorded,
            signature=signature,
        )


def _verdict(
    review: Review, part: PartProgress, *, by, outcome: str, note: str, at, signature=None
):
    if outcome not in (APPROVE, REQUEST_CHANGES):
        raise ReviewError("A part is either approved or sent back for changes.")
    if part.decided_by(by) is not None:
        raise PolicyRefusal(f"You have already decided “{part.title}”.")
    if outcome == APPROVE:
        refusal = part.refusal(by)
        if refusal:
            raise PolicyRefusal(f"“{part.title}” cannot take your approval: {refusal}")
    decision = PartDecision.objects.create(
        review=review,
        part_key=part.key,
        part_hash=part.change.content_hash,
        part_title=part.title[:500],
        reviewer=by,
        outcome=outcome,
        note=note,
        decided_at=at,
        signed_at=signature.signed_at if signature is not None and outcome == APPROVE else None,
    )
    part.decisions.append(decision)
    return decision


def _send_back(
    review: Review, *, by, comment: str, recorded: list[PartDecision], at, signature=None
) -> None:
    """Close the locked review as sent back: a comment or a note on a part says why."""
    reason = ""
    if comment.strip() or any(d.note for d in recorded if not d.is_approval):
        reason = _decided_parts_text(recorded, comment)
    review.save(update_fields=review.request_changes(by=by, comment=reason, at=at))
    _record_decision(
        review,
        by=by,
        outcome=Decision.Outcome.CHANGES_REQUESTED,
        comment=comment,
        action=AuditEntry.Action.CHANGES_REQUESTED,
        audit_comment=reason,
        verdicts=recorded,
        signature=signature,
    )


def _decided_parts_text(decisions: list[PartDecision], comment: str) -> str:
    approved = [d.part_title for d in decisions if d.is_approval]
    sent_back = [d for d in decisions if not d.is_approval]
    lines = []
    if approved:
        lines.append("Approved: " + "; ".join(approved) + ".")
    for decision in sent_back:
        note = f": {decision.note}" if decision.note else ""
        lines.append(f"Changes requested to {decision.part_title}{note}")
    if comment.strip():
        lines.append(comment.strip())
    return " ".join(lines)


def _go_live(review: Review, *, progress: ReviewProgress, at, approver) -> None:
    """Publish the locked review's revision, approved by `approver` (who completed it) at `at`:
    record each part's review, stamp the revision, point the drug at it, refresh what derives
    from publication."""
    revision, drug = review.revision, review.drug
    reviewed = record_reviewed_parts(revision, base=drug.published_revision, progress=progress)
    revision.save(
        update_fields=revision.record_approval(
            by=approver,
            credit=credit_line(reviewed),
            at=at,
            next_review_due=min(part.next_review_due for part in reviewed),
        )
    )
    _cancel_schedules(drug, at=timezone.now(), reason="A newer revision was approved.", keep=review)
    drug.published_revision = revision
    drug.save(update_fields=["published_revision", "updated_at"])
    try:
        publication_changed(drug)
    except PublishedSlugTaken as error:
        raise AddressTaken(
            f"{error} Nothing was published: give this monograph another slug and submit it again."
        ) from error


def credit_line(reviewed: list[ReviewedPart]) -> str:
    """Everyone who reviewed a part of the version, most recent first, once each."""
    credits = []
    for part in sorted(reviewed, key=lambda part: part.reviewed_at, reverse=True):
        for credit in part.credits:
            if credit["name"] not in credits:
                credits.append(credit["name"])
    return "; ".join(credits)


@dataclass
class PartRecord:
    """A part's review record as it goes live (not saved), and its reviewers' ids."""

    record: ReviewedPart
    reviewer_ids: list[int]


def part_records(
    revision: Revision, *, earlier: dict[str, PartRecord], progress: ReviewProgress
) -> list[PartRecord]:
    """The review record of each part of `revision` as it goes live (nothing is saved).

    A changed part is reviewed by its approvers as of the last approval; an unchanged one
    keeps its record in `earlier` (the live revision's, by part key).
    """
    records = []
    for part in document_parts(revision.content):
        changed = progress.part(part.key)
        requirement = requirement_for(part.kind)
        record = ReviewedPart(
            revision=revision,
            key=part.key,
            kind=part.kind,
            title=part.title[:500],
            position=part.position,
            content_hash=part.content_hash,
            risk=requirement.risk,
        )
        kept = earlier.get(part.key)
        if changed is None and kept is not None and kept.record.content_hash == part.content_hash:
            record.reviewed_at, record.credits = kept.record.reviewed_at, kept.record.credits
            record.next_review_due = kept.record.next_review_due
            record.approvals_signed = kept.record.approvals_signed
            reviewer_ids = kept.reviewer_ids
        elif changed is not None and changed.approvals:
            record.reviewed_at = max(d.decided_at for d in changed.approvals)
            record.credits = changed.credits
            record.next_review_due = requirement.next_review_due(record.reviewed_at)
            record.approvals_signed = all(d.signed_at is not None for d in changed.approvals)
            reviewer_ids = [d.reviewer_id for d in changed.approvals]
        else:
            raise ReviewError(f"“{part.title}” has no review to publish it with.")
        records.append(PartRecord(record, reviewer_ids))
    return records


def record_reviewed_parts(
    revision: Revision, *, base: Revision | None, progress: ReviewProgress
) -> list[ReviewedPart]:
    """Write the review record of each part of `revision` as it goes live (`part_records`)."""
    earlier = {}
    if base is not None:
        for kept in base.reviewed_parts.prefetch_related("reviewers"):
            earlier[kept.key] = PartRecord(kept, [user.pk for user in kept.reviewers.all()])
    records = part_records(revision, earlier=earlier, progress=progress)
    for item in records:
        item.record.save()
        item.record.reviewers.set(item.reviewer_ids)
    return [item.record for item in records]


def _cancel_schedules(drug: Drug, *, at, reason: str, keep: Review | None = None, by=None) -> None:
    """Cancel the drug's approvals still waiting to go live (its row is locked already)."""
    pending = Review.objects.select_for_update().filter(drug=drug, status=Review.Status.SCHEDULED)
    if keep is not None:
        pending = pending.exclude(pk=keep.pk)
    for scheduled in pending.select_related("revision"):
        scheduled.save(update_fields=scheduled.cancel_schedule(at=at))
        audit_record(
            drug=drug,
            action=AuditEntry.Action.SCHEDULE_CANCELLED,
            actor=by,
            revision=scheduled.revision,
            comment=reason,
        )


def _record_decision(
    review: Review,
    *,
    by,
    outcome: str,
    comment: str,
    action,
    audit_comment: str,
    verdicts=(),
    signature: Signature | None = None,
) -> None:
    decision = Decision(review=review, reviewer=by, outcome=outcome, comment=comment)
    details = {}
    if signature is not None:
        decision.approved_parts = {v.part_key: v.part_hash for v in verdicts if v.is_approval}
        decision.approved_parts_hash = approved_parts_digest(decision.approved_parts)
        decision.attestation = signature.statement
        decision.signature_method = signature.method
        decision.signed_at = signature.signed_at
        details = {
            **signature_details(signature),
            "signed_by": reviewer_display_name(by),
            "approved_parts": decision.approved_parts,
            "approved_parts_hash": decision.approved_parts_hash,
        }
    decision.save()
    for verdict in verdicts:
        verdict.decision = decision
        verdict.save(update_fields=["decision"])
    audit_record(
        drug=review.drug,
        action=action,
        actor=by,
        revision=review.revision,
        comment=audit_comment,
        details=details,
    )
    _notify_after_commit(notifications.review_decided, review, outcome=outcome, comment=comment)


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
            audit_record(
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
        completing = review.decisions.filter(outcome=Decision.Outcome.APPROVED).latest(
            "created_at", "id"
        )
        review.save(update_fields=review.go_live(at=now))
        _go_live(
            review,
            progress=_progress(review),
            at=completing.created_at,
            approver=completing.reviewer,
        )
        audit_record(
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
    audit_record(
        drug=review.drug,
        action=AuditEntry.Action.SCHEDULE_CANCELLED,
        actor=by,
        revision=review.revision,
        comment=comment or "Cancelled before it went live.",
    )
    return review


def review_request_changes(*, review: Review, by, comment: str, part_notes=None) -> Review:
    """Send the whole revision back to its contributors with the reviewer's comment.

    `part_notes` (part key to note) marks those parts as the ones to change.
    """
    if not comment.strip():
        raise ReviewError("Say what needs to change: a comment is required.")
    verdicts = {key: (REQUEST_CHANGES, note) for key, note in (part_notes or {}).items()}
    review.check_decider(by)
    with transaction.atomic():
        review = _lock_review(review)
        progress = _progress(review)
        now = timezone.now()
        recorded = [
            _verdict(review, progress.part(key), by=by, outcome=outcome, note=note, at=now)
            for key, (outcome, note) in verdicts.items()
            if progress.part(key) is not None
        ]
        _send_back(review, by=by, comment=comment, recorded=recorded, at=now)
    return review


@transaction.atomic
def review_comment(*, review: Review, by, body: str) -> ReviewComment:
    """Comment on an open review without deciding it (`Review.comment_refusal` says who may)."""
    body = body.strip()
    if not body:
        raise ReviewError("Write your comment before posting it.")
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("drug", "revision")
        .get(pk=review.pk)
    )
    refusal = review.commenter_refusal(by)
    if refusal:
        raise NotPermitted(refusal)
    if not review.is_open:
        raise IllegalTransition(review.comment_refusal(by))
    comment = ReviewComment.objects.create(review=review, author=by, body=body)
    audit_record(
        drug=review.drug,
        action=AuditEntry.Action.COMMENTED,
        actor=by,
        revision=review.revision,
        comment=body,
    )
    _notify_after_commit(notifications.review_commented, comment)
    return comment


@transaction.atomic
def review_withdraw(*, review: Review, by, comment: str = "") -> Review:
    """The submitter takes their revision back out of review."""
    review = _lock_review(review)
    review.save(update_fields=review.withdraw(by=by, at=timezone.now()))
    audit_record(
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
    audit_record(
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
    audit_record(
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
    audit_record(
        drug=link.revision.drug,
        action=AuditEntry.Action.LINK_REVOKED,
        actor=by,
        revision=link.revision,
        comment=f"The link for {link.recipient}.",
    )


def share_link_opened(*, link: ShareLink) -> None:
    """Record that someone opened a working review link."""
    audit_record(
        drug=link.revision.drug,
        action=AuditEntry.Action.LINK_OPENED,
        revision=link.revision,
        comment=f"The link for {link.recipient}.",
    )
