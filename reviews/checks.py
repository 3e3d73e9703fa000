"""System checks for the editorial workflow's configuration."""

from django.core.checks import Error

from reviews.attestation import attestation_errors
from reviews.policy import policy_errors


def review_policy_is_valid(app_configs, **kwargs) -> list[Error]:
    """Refuse to start with a review policy that names unknown classes or professions."""
    return [
        Error(message, hint="See “Review policy” in the README.", id="reviews.E001")
        for message in policy_errors()
    ]


def approval_attestation_is_valid(app_configs, **kwargs) -> list[Error]:
    """Refuse to start without a statement for approvers to sign."""
    return [
        Error(message, hint="See “Signed approvals” in the README.", id="reviews.E002")
        for message in attestation_errors()
    ]
