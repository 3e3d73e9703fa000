"""Reviewers' credentials and declared interests: saving, verifying, and their audit entries.

Every change to a profile or a declaration is audited with what changed (field: old → new);
registration numbers are recorded masked, as the audit trail is read more widely than the
profile itself.
"""

from django.db import transaction
from django.utils import timezone

from reviews.audit import audit_record
from reviews.exceptions import NotPermitted
from reviews.models import AuditEntry, InterestDeclaration, ReviewerProfile

PROFILE_FIELDS = [
    "profession",
    "credential",
    "registering_body",
    "registration_number",
    "verified_by",
    "verified_on",
    "expires_on",
]
MASKED_FIELDS = {"registration_number"}
INTEREST_FIELDS = ["description", "drug_classes", "manufacturers", "starts_on", "ends_on"]


def _masked(value: str) -> str:
    return f"…{value[-2:]}" if len(value) > 2 else "…" if value else ""


def _shown(instance, field: str):
    value = getattr(instance, field)
    if field == "verified_by":
        return instance.verified_by.get_username() if instance.verified_by_id else ""
    if field in MASKED_FIELDS:
        return _masked(value)
    return "" if value is None else str(value)


def _changes(before, after, fields) -> dict:
    """{field: [old, new]} for each field whose value differs (masked where private)."""
    changes = {}
    for field in fields:
        attname = after._meta.get_field(field).attname
        old = getattr(before, attname) if before is not None else None
        if old != getattr(after, attname):
            changes[field] = [_shown(before, field) if before else "", _shown(after, field)]
    return changes


def reviewer_profile_save(*, profile: ReviewerProfile, by) -> ReviewerProfile:
    """Save a profile as edited; changing its substance clears the verification. Audited."""
    with transaction.atomic():
        before = None
        if profile.pk is not None:
            before = ReviewerProfile.objects.select_for_update().get(pk=profile.pk)
        substance_changed = before is None or any(
            getattr(before, field) != getattr(profile, field)
            for field in ReviewerProfile.SUBSTANCE_FIELDS
        )
        if substance_changed:
            profile.verified_by, profile.verified_on = None, None
        changes = _changes(before, profile, PROFILE_FIELDS)
        profile.save()
        if changes or before is None:
            audit_record(
                action=AuditEntry.Action.PROFILE_CHANGED,
                actor=by,
                subject=profile.user,
                comment="Profile created." if before is None else _summary(changes),
                details={"changes": changes},
            )
    return profile


def credential_verify_refusal(*, profile: ReviewerProfile, by) -> str:
    """Why `by` may not verify this credential ("" if they may); two factors are the view's."""
    if not by.has_perm("reviews.verify_credential"):
        return "Only editors may verify a reviewer's credential."
    if by.pk == profile.user_id:
        return "You cannot verify your own credential: another editor must."
    if not (profile.credential.strip() and profile.profession):
        return "Record the qualification letters and profession before verifying."
    if not (profile.registering_body.strip() and profile.registration_number.strip()):
        return "Record the registering body and registration number you checked first."
    return ""


def credential_verify(*, profile: ReviewerProfile, by, expires_on) -> ReviewerProfile:
    """Record that `by` checked the registration today, valid until `expires_on`. Audited."""
    refusal = credential_verify_refusal(profile=profile, by=by)
    if refusal:
        raise NotPermitted(refusal)
    today = timezone.localdate()
    if expires_on is None or expires_on <= today:
        raise NotPermitted("The verification must run until a day after today.")
    with transaction.atomic():
        before = ReviewerProfile.objects.select_for_update().get(pk=profile.pk)
        profile.verified_by, profile.verified_on, profile.expires_on = by, today, expires_on
        changes = _changes(before, profile, ["verified_by", "verified_on", "expires_on"])
        profile.save(update_fields=["verified_by", "verified_on", "expires_on"])
        audit_record(
            action=AuditEntry.Action.CREDENTIAL_VERIFIED,
            actor=by,
            subject=profile.user,
            comment=f"Registration with {profile.registering_body} checked; "
            f"valid until {expires_on:%Y-%m-%d}.",
            details={"changes": changes},
        )
    return profile


def interest_save(*, declaration: InterestDeclaration, by, drugs) -> InterestDeclaration:
    """Save a reviewer's own declaration with the drugs it names. Audited."""
    if declaration.reviewer_id is not None and declaration.reviewer_id != by.pk:
        raise NotPermitted("Only the reviewer who declared an interest may change it.")
    declaration.reviewer = by
    with transaction.atomic():
        before = None
        before_drugs = []
        if declaration.pk is not None:
            before = InterestDeclaration.objects.select_for_update().get(pk=declaration.pk)
            before_drugs = sorted(drug.name for drug in before.drugs.all())
        changes = _changes(before, declaration, INTEREST_FIELDS)
        declaration.save()
        declaration.drugs.set(drugs)
        after_drugs = sorted(drug.name for drug in drugs)
        if after_drugs != before_drugs:
            changes["drugs"] = ["; ".join(before_drugs), "; ".join(after_drugs)]
        if changes:
            audit_record(
                action=AuditEntry.Action.INTEREST_DECLARED
                if before is None
                else AuditEntry.Action.INTEREST_CHANGED,
                actor=by,
                subject=by,
                comment=_summary(changes),
                details={"declaration": declaration.pk, "changes": changes},
            )
    return declaration


def _summary(changes: dict) -> str:
    return "; ".join(
        f"{field}: {old or '—'} → {new or '—'}" for field, (old, new) in changes.items()
    )
