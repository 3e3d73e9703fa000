"""System checks for the editorial workflow's configuration."""

from django.core.checks import Error

from reviews.policy import policy_errors


def review_policy_is_valid(app_configs, **kwargs) -> list[Error]:
    """Refuse to start with a review policy that names unknown classes or professions."""
    return [
        Error(message, hint="See “Review policy” in the README.", id="reviews.E001")
        for message in policy_errors()
    ]
