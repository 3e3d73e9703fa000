"""E-mail the people a workflow move concerns (Django's mail framework)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.urls import reverse

from reviews.models import REVIEWERS_GROUP


def _addresses(users) -> list[str]:
    return sorted({user.email for user in users if user.email and user.is_active})


def _send(subject: str, body: str, recipients: list[str]) -> None:
    if recipients:
        send_mass_mail(
            [(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients],
            fail_silently=False,
        )


def _review_url(review) -> str:
    return settings.SITE_URL + reverse("admin:reviews_review_change", args=[review.pk])


def _contributors(review):
    return [review.submitted_by, *review.revision.authors.all()]


def review_submitted(review) -> None:
    reviewers = (
        get_user_model()
        .objects.filter(groups__name=REVIEWERS_GROUP)
        .exclude(pk__in=review.revision.authors.values("pk"))
    )
    _send(
        f"[MedRef] Review requested: {review.drug.name}",
        f"{review.submitted_by.get_username()} submitted {review.revision} for review.\n\n"
        f"{review.comment}\n\nReview it at {_review_url(review)}\n",
        _addresses(reviewers),
    )
    _send(
        f"[MedRef] Submitted: {review.drug.name}",
        f"Your changes to {review.drug.name} are waiting for a medical reviewer.\n"
        f"Follow them at {_review_url(review)}\n",
        _addresses(_contributors(review)),
    )


def review_decided(review, *, outcome: str, comment: str) -> None:
    verdict = "approved and published" if outcome == "approved" else "sent back for changes"
    _send(
        f"[MedRef] {review.drug.name} {verdict}",
        f"{review.revision} was {verdict}.\n\n{comment}\n\nDetails: {_review_url(review)}\n",
        _addresses(_contributors(review)),
    )


def review_superseded(review) -> None:
    deciders = [decision.reviewer for decision in review.decisions.all()]
    reviewers = deciders or get_user_model().objects.filter(groups__name=REVIEWERS_GROUP)
    _send(
        f"[MedRef] Superseded: {review.drug.name}",
        f"{review.revision} was edited after submission; its review is closed. "
        "A newer submission will follow.\n",
        _addresses(reviewers),
    )
