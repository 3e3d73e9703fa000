from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks

from reviews.checks import approval_attestation_is_valid, review_policy_is_valid


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Editorial review"

    def ready(self):
        checks.register(review_policy_is_valid)
        checks.register(approval_attestation_is_valid)
        from reviews import sign_in

        sign_in.connect_audit()


class EditorialAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the site that signs editorial users in with two factors."""

    default = False
    default_site = "reviews.admin_site.EditorialAdminSite"
