"""Two-factor sign-in: who must use it, the one check the publishing actions make, and the
services that set it up, issue backup codes and reset it.

Deciding on reviews, restoring and unpublishing monographs and verifying credentials need a
session signed in with a one-time code (django-otp's `request.user.is_verified()`); no setting
turns this off, DEBUG included. Anyone on the staff may set up an authenticator app; once they
have one, signing in asks for its code (reviews/sign_in.py).
"""

from base64 import b32encode

import segno
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reviews.audit import audit_record
from reviews.models import EDITORS_GROUP, REVIEWERS_GROUP, AuditEntry

TWO_FACTOR_REQUIRED = (
    "This needs a two-factor sign-in: set up an authenticator app on your account page, then "
    "sign in again with its code."
)
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


def two_factor_refusal(request) -> str:
    """Why the request may not take a publishing action for want of two factors ("" if it may).

    The message links to the account page where two-factor sign-in is set up.
    """
    is_verified = getattr(request.user, "is_verified", None)
    if is_verified is not None and is_verified():
        return ""
    return format_html(
        '{} <a href="{}">Two-factor sign-in</a>', TWO_FACTOR_REQUIRED, reverse("admin:two_factor")
    )


def must_use_two_factor(user) -> bool:
    """Medical reviewers, editors and superusers publish, so their publishing actions need a
    one-time code."""
    return (
        user.is_superuser or user.groups.filter(name__in=[REVIEWERS_GROUP, EDITORS_GROUP]).exists()
    )


def has_two_factor(user) -> bool:
    """Whether `user` has a confirmed authenticator app, so that signing in asks for a code."""
    return user_has_device(user, confirmed=True)


def sign_in_devices(user) -> list:
    """The devices whose codes complete `user`'s sign-in: their app, then their backup codes."""
    return [
        device
        for device in devices_for_user(user, confirmed=True)
        if isinstance(device, TOTPDevice | StaticDevice)
    ]


def totp_secret(device: TOTPDevice) -> str:
    """The device's key as authenticator apps take it typed in (base32)."""
    return b32encode(device.bin_key).decode()


def totp_qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth URI as an inline SVG QR code (no script, no external image)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code")


def totp_device_start(*, user) -> TOTPDevice:
    """A new, unconfirmed authenticator device for `user`, replacing any unconfirmed one."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm `device` with a code from the app; return its first backup codes (None if the
    code is wrong). The user's other devices are replaced: one app, one set of codes."""
    if device.confirmed or not device.verify_token(token.strip()):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            action=AuditEntry.Action.TWO_FACTOR_ENROLLED,
            actor=device.user,
            subject=device.user,
        )
        return backup_codes_issue(user=device.user)


def totp_device_enrol_demo(*, user) -> tuple[TOTPDevice, list[str]]:
    """`user`'s confirmed authenticator device, made (with backup codes) if they have none; the
    codes are only returned when the device is new. For the demo site, whose people add the
    printed otpauth URI to their app instead of scanning it on the account page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        return device, []
    with transaction.atomic():
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=True)
        audit_record(action=AuditEntry.Action.TWO_FACTOR_ENROLLED, actor=user, subject=user)
        return device, backup_codes_issue(user=user)


def backup_codes_issue(*, user) -> list[str]:
    """Issue `user` a new set of one-use backup codes; earlier ones stop working."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        audit_record(
            action=AuditEntry.Action.BACKUP_CODES_ISSUED,
            actor=user,
            subject=user,
            details={"count": len(codes)},
        )
    return codes


def two_factor_reset(*, user, by) -> int:
    """Remove all of `user`'s two-factor devices (a lost phone); return how many there were."""
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
        audit_record(
            action=AuditEntry.Action.TWO_FACTOR_RESET,
            actor=by,
            subject=user,
            details={"devices_removed": removed},
        )
    return removed
