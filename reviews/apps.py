from django.apps import AppConfig
from django.core import checks

from reviews.checks import approval_attestation_is_valid, review_policy_is_valid


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Editorial review"

    def ready(self):
        checks.register(review_policy_is_valid)
        checks.register(approval_attestation_is_valid)
