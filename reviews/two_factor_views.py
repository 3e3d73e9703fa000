"""Each staff user's "Two-factor sign-in" page: set up an authenticator app, confirm it with a
code, issue new backup codes; and, for editors allowed to, reset someone else's.

Views stay thin: every POST is checked here on the server, then a service in
`reviews.two_factor` does the work and writes the audit entry.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reviews.models import person_label
from reviews.two_factor import (
    backup_codes_issue,
    has_two_factor,
    must_use_two_factor,
    totp_device_confirm,
    totp_device_start,
    totp_qr_svg,
    totp_secret,
    two_factor_refusal,
    two_factor_reset,
)

START, CONFIRM, BACKUP_CODES = "start", "confirm", "backup_codes"
RESET_PERMISSION = "reviews.reset_two_factor"


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label="Code from your app",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def account(site, request):
    """Show where the user's two-factor sign-in stands, and take its moves on POST."""
    user = request.user
    if request.method == "POST":
        match request.POST.get("action"):
            case "start":
                return _start(request)
            case "confirm":
                return _confirm(site, request)
            case "backup_codes":
                return _new_backup_codes(site, request)
        return HttpResponseRedirect(reverse("admin:two_factor"))
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return _page(site, request, confirm_form=ConfirmForm() if _unconfirmed(user) else None)


def _unconfirmed(user):
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def _start(request):
    if has_two_factor(request.user):
        messages.error(
            request,
            "Two-factor sign-in is already set up. To move it to a new phone, ask an editor to "
            "reset it, then set it up again.",
        )
    else:
        totp_device_start(user=request.user)
    return HttpResponseRedirect(reverse("admin:two_factor"))


def _confirm(site, request):
    device = _unconfirmed(request.user)
    if device is None:
        return HttpResponseRedirect(reverse("admin:two_factor"))
    form = ConfirmForm(request.POST)
    codes = None
    if form.is_valid():
        codes = totp_device_confirm(device=device, token=form.cleaned_data["code"])
        if codes is None:
            form.add_error(
                "code",
                "That code is not right. Check that your phone's clock is correct and type the "
                "code the app shows now.",
            )
    if codes is None:
        return _page(site, request, confirm_form=form, status=400)
    otp_login(request, device)
    messages.success(request, "Two-factor sign-in is set up. This session is signed in with it.")
    return _page(site, request, backup_codes=codes)


def _new_backup_codes(site, request):
    if not has_two_factor(request.user) or two_factor_refusal(request):
        messages.error(
            request,
            "New backup codes need two-factor sign-in set up, and this session signed in with "
            "its code.",
        )
        return HttpResponseRedirect(reverse("admin:two_factor"))
    codes = backup_codes_issue(user=request.user)
    messages.success(request, "New backup codes issued; the earlier ones no longer work.")
    return _page(site, request, backup_codes=codes)


def _page(site, request, *, confirm_form=None, backup_codes=None, status=200):
    user = request.user
    device = _unconfirmed(user) if confirm_form is not None else None
    may_reset = user.has_perm(RESET_PERMISSION)
    context = {
        **site.each_context(request),
        "title": "Two-factor sign-in",
        "is_set_up": has_two_factor(user),
        "is_verified": user.is_verified(),
        "required": must_use_two_factor(user),
        "backup_codes_left": StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count(),
        "device": device,
        "confirm_form": confirm_form,
        "backup_codes": backup_codes,
        "may_reset": may_reset,
    }
    if device is not None:
        context.update(
            qr_svg=totp_qr_svg(device), secret=totp_secret(device), uri=device.config_url
        )
    if may_reset:
        enrolled = TOTPDevice.objects.filter(confirmed=True).values("user")
        context["enrolled_people"] = [
            (person, person_label(person))
            for person in get_user_model()
            .objects.filter(pk__in=enrolled)
            .exclude(pk=user.pk)
            .order_by("username")
        ]
    return TemplateResponse(request, "admin/two_factor/account.html", context, status=status)


def reset(site, request, user_id):
    """Remove someone's two-factor devices (POST), for an editor signed in with their own."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm(RESET_PERMISSION):
        raise PermissionDenied
    person = get_user_model().objects.filter(pk=user_id).first()
    if person is None:
        raise Http404
    refusal = two_factor_refusal(request)
    if refusal:
        messages.error(request, refusal)
    else:
        two_factor_reset(user=person, by=request.user)
        messages.success(
            request,
            f"Two-factor sign-in of {person_label(person)} is reset: they sign in with their "
            "password and set up their app again.",
        )
    return HttpResponseRedirect(reverse("admin:two_factor"))
