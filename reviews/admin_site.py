"""The admin site: Django's, with a sign-in that asks for a one-time code after the password
when the account has an authenticator app, and each person's two-factor account page."""

from functools import partial

from django.contrib.admin import AdminSite
from django.urls import path
from django.views.decorators.cache import never_cache


class EditorialAdminSite(AdminSite):
    def login(self, request, extra_context=None):
        from reviews import sign_in

        return sign_in.password_step(self, request, extra_context)

    def get_urls(self):
        from reviews import sign_in, two_factor_views

        return [
            path("login/code/", never_cache(partial(sign_in.code_step, self)), name="login_code"),
            path(
                "two-factor/",
                self.admin_view(partial(two_factor_views.account, self)),
                name="two_factor",
            ),
            path(
                "two-factor/reset/<int:user_id>/",
                self.admin_view(partial(two_factor_views.reset, self)),
                name="two_factor_reset",
            ),
            *super().get_urls(),
        ]
