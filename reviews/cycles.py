"""Review cycles of published parts: re-confirming a part unchanged, and reminding reviewers.

Every live part has a next review date (its risk class's interval after its last review). A
reviewer re-confirms a part by reviewing it again without changing it: its dates move on, the
public change log says "reviewed, no change", and the page is assembled again. Locks follow
the order of `reviews.services`: the drug first.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monographs.models import Reconfirmation, ReviewedPart
from monographs.publication import article_changed
from reviews import notifications
from reviews.attestation import Signature, signature_check, signature_details
from reviews.audit import audit_record
from reviews.exceptions import (
    IllegalTransition,
    NotPermitted,
    OwnEditApproval,
    PolicyRefusal,
    Recused,
    ReviewError,
)
from reviews.models import (
    AuditEntry,
    ReviewReminder,
    decide_refusal,
    interest_refusal,
    reviewer_credit,
    reviewer_display_name,
)
from reviews.policy import requirement_for
from reviews.progress import approver
from reviews.services import _lock_drug


def _reconfirm_error(
    part: ReviewedPart, user, person_refusal=None, declarations=None
) -> ReviewError | None:
    refusal = decide_refusal(user) if person_refusal is None else person_refusal
    if refusal:
        return NotPermitted(refusal)
    if any(author.pk == user.pk for author in part.revision.authors.all()):
        return OwnEditApproval(
            "You cannot re-confirm a part of a revision that contains your own edits."
        )
    recusal = interest_refusal(user, part.revision.drug, declarations=declarations)
    if recusal:
        return Recused(recusal)
    requirement = requirement_for(part.kind)
    if requirement.professions and not requirement.accepts(approver(user).profession):
        return PolicyRefusal(
            f"Re-confirming “{part.title}” needs {requirement.professions_phrase}."
        )
    return None


def reconfirm_refusal(
    part: ReviewedPart, user, *, person_refusal: str | None = None, declarations=None
) -> str:
    """Why `user` may not re-confirm this live part ("" if they may): a medical reviewer who
    may decide, with no edits in its revision, no declared interest in its drug, of the
    profession its policy asks for.

    `person_refusal` is `decide_refusal(user)` and `declarations` `current_interests(user)`
    when the caller checks many parts.
    """
    error = _reconfirm_error(part, user, person_refusal, declarations)
    return str(error) if error else ""


def part_reconfirm(*, part: ReviewedPart, by, signature: Signature, note: str = "") -> ReviewedPart:
    """Review a live part again without changing it, signed: its review dates move on, audited."""
    error = _reconfirm_error(part, by)
    if error is not None:
        raise error
    signature_check(signature, by=by)
    with transaction.atomic():
        drug = _lock_drug(part.revision.drug_id)
        part = (
            ReviewedPart.objects.select_for_update(of=("self",))
            .select_related("revision")
            .get(pk=part.pk)
        )
        revision = part.revision
        if drug.published_revision_id != revision.pk:
            raise IllegalTransition(
                "This part is no longer live: a newer version was published or the monograph "
                "was unpublished."
            )
        now = timezone.now()
        credit = reviewer_display_name(by)
        part.reviewed_at, part.credits = now, [reviewer_credit(by)]
        part.next_review_due = requirement_for(part.kind).next_review_due(now)
        part.approvals_signed = True
        part.save(update_fields=["reviewed_at", "credits", "next_review_due", "approvals_signed"])
        part.reviewers.set([by])
        Reconfirmation.objects.create(
            drug=drug,
            revision=revision,
            part_key=part.key,
            title=part.title,
            reviewed_at=now,
            credits=[credit],
            next_review_due=part.next_review_due,
            content_hash=part.content_hash,
            attestation=signature.statement,
            signature_method=signature.method,
            signed_at=signature.signed_at,
        )
        # The approval's own credit stays as it was; the page names re-confirmers by part.
        parts = list(revision.reviewed_parts.all())
        revision.next_review_due = min(item.next_review_due for item in parts)
        revision.assemble_article()
        revision.save(update_fields=["next_review_due", "article_html"])
        audit_record(
            drug=drug,
            action=AuditEntry.Action.RECONFIRMED,
            actor=by,
            revision=revision,
            comment=f"{part.title}: reviewed, no change; next review due "
            f"{part.next_review_due:%d %B %Y}. {note}".strip(),
            details={
                **signature_details(signature),
                "part": part.key,
                "content_hash": part.content_hash,
            },
        )
        article_changed(drug)
    return part


@dataclass
class ReminderRun:
    parts_reminded: int
    messages_sent: int


def review_reminders_send(*, today=None, within_days: int | None = None) -> ReminderRun:
    """E-mail the reviewers of live parts due within `within_days` days, or overdue.

    Once per part per cycle: a reminder is recorded for the part's due date, and a part
    already reminded for that date is skipped (safe to run from cron as often as wanted).
    """
    today = today or timezone.localdate()
    within = settings.MEDREF_REMINDER_DAYS if within_days is None else within_days
    due = (
        ReviewedPart.objects.due_by(today + timedelta(days=within))
        .select_related("revision__drug")
        .prefetch_related("reviewers")
    )
    reminded = sent = 0
    for part in due:
        drug = part.revision.drug
        with transaction.atomic():
            reminder, created = ReviewReminder.objects.get_or_create(
                drug=drug, part_key=part.key, due=part.next_review_due
            )
            if not created:
                continue
            recipients = notifications.part_due(part, today=today)
            reminder.recipients = recipients
            reminder.save(update_fields=["recipients"])
        reminded += 1
        sent += recipients
    return ReminderRun(parts_reminded=reminded, messages_sent=sent)
