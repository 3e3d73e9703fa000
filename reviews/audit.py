"""The editorial audit trail: the one way an entry is written."""

from reviews.models import AuditEntry


def audit_record(
    *,
    action: str,
    actor=None,
    drug=None,
    revision=None,
    subject=None,
    comment: str = "",
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail (inside the caller's transaction, if any)."""
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        drug=drug,
        revision=revision,
        subject=subject,
        comment=comment,
        details=details or {},
    )
