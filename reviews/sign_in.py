"""Signing in to the admin: the password, then, for an account with an authenticator app, a
one-time code (from the app, or one of its backup codes) before the session exists.

Between the two steps the session holds only who passed the password and when; the account is
signed in (and the session key changed) once the code is right. Wrong codes count as failed
logins for django-axes, which locks the account and the address out as it does for passwords,
and django-otp's own throttle slows guessing on each device. Sign-ins, failures and sign-outs
of editorial users are audited with the client's address.
"""

import time

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import auth
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from reviews.audit import audit_record
from reviews.client_ip import client_ip
from reviews.models import CONTRIBUTORS_GROUP, EDITORS_GROUP, REVIEWERS_GROUP, AuditEntry
from reviews.two_factor import has_two_factor, sign_in_devices

PENDING = "medref_sign_in_pending"
# Long enough to open the app and type the code; a forgotten half sign-in then lapses.
PENDING_SECONDS = 300
CODE_STEP = "one-time code"

WRONG_CODE = (
    "That code is not right. Type the 6-digit code your authenticator app shows now, or one of "
    "your backup codes."
)
THROTTLED = "Too many wrong codes in a row. Wait a minute, then try again."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
        help_text="From your authenticator app, or one of your backup codes.",
    )


class PasswordStepView(LoginView):
    """Django's admin login; an account with an authenticator app goes on to the code step."""

    def form_valid(self, form):
        user = form.get_user()
        if not has_two_factor(user):
            return super().form_valid(form)
        session = self.request.session
        session.cycle_key()
        session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": int(time.time()),
            "next": self.get_success_url(),
        }
        return HttpResponseRedirect(reverse("admin:login_code"))


def password_step(site, request, extra_context=None):
    """The admin's login page (AdminSite.login with the view above)."""
    if request.method == "GET" and site.has_permission(request):
        return HttpResponseRedirect(reverse("admin:index", current_app=site.name))
    context = {
        **site.each_context(request),
        "title": "Log in",
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=site.name)
    context.update(extra_context or {})
    request.current_app = site.name
    return PasswordStepView.as_view(
        extra_context=context,
        authentication_form=site.login_form or AdminAuthenticationForm,
        template_name=site.login_template or "admin/login.html",
    )(request)


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    user = auth.get_user_model()._default_manager.filter(pk=pending["user"], is_active=True)
    return user.first(), pending


def _verified_device(user, code: str):
    """The device `code` is valid for, or None; True as second value if every device refused
    for throttling rather than for the code."""
    devices = sign_in_devices(user)
    throttled = bool(devices)
    for device in devices:
        allowed, _ = device.verify_is_allowed()
        throttled = throttled and not allowed
        if allowed and device.verify_token(code):
            return device, False
    return None, throttled


def code_step(site, request):
    """Ask for the one-time code of the account that passed the password step."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        return HttpResponseRedirect(reverse("admin:login", current_app=site.name))
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username(), "step": CODE_STEP}
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.session.pop(PENDING, None)
            form.add_error(None, settings.AXES_COOLOFF_MESSAGE)
            return _code_page(site, request, form, status=429)
        device, throttled = _verified_device(user, form.cleaned_data["code"].strip())
        if device is not None:
            del request.session[PENDING]
            user.backend = pending["backend"]
            request.medref_sign_in_device = device
            auth.login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return HttpResponseRedirect(_safe_next(request, pending.get("next")))
        form.add_error("code", THROTTLED if throttled else WRONG_CODE)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        status = 400
    return _code_page(site, request, form, status=status)


def _code_page(site, request, form, *, status):
    context = {
        **site.each_context(request),
        "title": "Log in: one-time code",
        "subtitle": None,
        "form": form,
        "login_url": reverse("admin:login", current_app=site.name),
    }
    return TemplateResponse(request, "admin/two_factor/code.html", context, status=status)


def _safe_next(request, url) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# The audit of signing in and out.

EDITORIAL_GROUPS = [CONTRIBUTORS_GROUP, REVIEWERS_GROUP, EDITORS_GROUP]


def _is_editorial(user) -> bool:
    return user is not None and user.groups.filter(name__in=EDITORIAL_GROUPS).exists()


def _address(request) -> dict:
    return {"ip": client_ip(request)} if request is not None else {}


def audit_signed_in(sender, request, user, **kwargs):
    if _is_editorial(user):
        device = getattr(request, "medref_sign_in_device", None)
        details = {**_address(request), "two_factor": device is not None}
        audit_record(action=AuditEntry.Action.SIGNED_IN, actor=user, subject=user, details=details)


def audit_sign_in_failed(sender, credentials, request=None, **kwargs):
    # Only failures against an editorial account: an unknown "username" is sometimes a
    # password typed in the wrong box, and is not kept.
    username = credentials.get("username")
    if not username:
        return
    user = auth.get_user_model()._default_manager.filter(username=username).first()
    if _is_editorial(user):
        details = {**_address(request), "step": credentials.get("step", "password")}
        audit_record(action=AuditEntry.Action.SIGN_IN_FAILED, subject=user, details=details)


def audit_signed_out(sender, request, user, **kwargs):
    if _is_editorial(user):
        audit_record(
            action=AuditEntry.Action.SIGNED_OUT, actor=user, subject=user, details=_address(request)
        )


def connect_audit() -> None:
    """Audit the sign-ins, failed sign-ins and sign-outs of editorial users."""
    user_logged_in.connect(audit_signed_in, dispatch_uid="medref_audit_signed_in")
    user_login_failed.connect(audit_sign_in_failed, dispatch_uid="medref_audit_sign_in_failed")
    user_logged_out.connect(audit_signed_out, dispatch_uid="medref_audit_signed_out")
