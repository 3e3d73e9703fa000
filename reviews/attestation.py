"""The statement a reviewer signs with every approval: `settings.MEDREF_APPROVAL_ATTESTATION`.

Through the admin, signing means ticking every statement and re-entering one's password or a
one-time code (`attestation_sign`); the decision then keeps the statement's text as shown, the
signer, how and when they signed, and the content hash of exactly the parts they approved.
Management commands that approve (the demo seed, the benchmark) sign unattended, and say so.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone
from django_otp import match_token

from reviews.exceptions import ReviewError

BY_PASSWORD, BY_ONE_TIME_CODE = "password", "one-time code"


class AttestationRefused(ReviewError):
    """An approval without a complete, verified signature."""


@dataclass(frozen=True)
class Signature:
    """A signed attestation, as the decision it comes with records it."""

    signer_id: int
    statement: str
    method: str
    signed_at: datetime


def attestation_statements() -> tuple[str, ...]:
    """The statements an approver signs, as configured."""
    return tuple(settings.MEDREF_APPROVAL_ATTESTATION)


def attestation_text(statements=None) -> str:
    """The statement as stored with a decision: one line per box ticked."""
    return "\n".join(f"[x] {line}" for line in (statements or attestation_statements()))


def attestation_errors() -> list[str]:
    """What is wrong with the configured statements (for the system check)."""
    statements = settings.MEDREF_APPROVAL_ATTESTATION
    if not isinstance(statements, list | tuple) or not statements:
        return ["MEDREF_APPROVAL_ATTESTATION must list at least one statement."]
    if not all(isinstance(line, str) and line.strip() for line in statements):
        return ["Every statement in MEDREF_APPROVAL_ATTESTATION must be non-empty text."]
    if len(set(statements)) != len(statements):
        return ["MEDREF_APPROVAL_ATTESTATION lists a statement twice."]
    return []


def attestation_sign(*, user, ticked, secret: str, request) -> Signature:
    """`user`'s signature, if they ticked every statement and `secret` is their password or a
    one-time code of theirs (a backup code is used up). Failed passwords count towards the
    sign-in lockout as failed sign-ins do."""
    statements = attestation_statements()
    if set(ticked) != set(statements):
        raise AttestationRefused("Tick every statement of the attestation to approve.")
    secret = (secret or "").strip()
    if not secret:
        raise AttestationRefused("Sign the attestation with your password or a one-time code.")
    method = BY_ONE_TIME_CODE if match_token(user, secret) is not None else None
    if method is None:
        signer = authenticate(request, username=user.get_username(), password=secret)
        if signer is not None and signer.pk == user.pk:
            method = BY_PASSWORD
    if method is None:
        raise AttestationRefused(
            "That is neither your password nor a current one-time code: nothing was approved."
        )
    return Signature(
        signer_id=user.pk,
        statement=attestation_text(statements),
        method=method,
        signed_at=timezone.now(),
    )


def attestation_unattended(*, user, means: str) -> Signature:
    """The signature of an approval a command makes for `user` (the demo seed, the benchmark):
    the statement is recorded with `means` as how it was signed, never a password or code."""
    return Signature(
        signer_id=user.pk,
        statement=attestation_text(),
        method=unattended_method(means),
        signed_at=timezone.now(),
    )


def unattended_method(means: str) -> str:
    """How an approval a command made was signed, as its decision records it."""
    return f"unattended: {means}"[:60]


def signature_check(signature: Signature | None, *, by) -> None:
    """Refuse an approval that `by` did not sign."""
    if signature is None or signature.signer_id != by.pk or not signature.statement:
        raise AttestationRefused(
            "An approval needs your signed attestation: tick every statement and sign with "
            "your password or a one-time code."
        )


def signature_details(signature: Signature) -> dict:
    """The signature as the audit trail records it."""
    return {
        "attestation": signature.statement,
        "signature": signature.method,
        "signed_at": signature.signed_at.isoformat(),
    }


def approved_parts_digest(parts: dict[str, str]) -> str:
    """One hash of exactly the parts approved: their keys and content hashes."""
    canonical = json.dumps(sorted(parts.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
