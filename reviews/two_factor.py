"""Two-factor sign-in: who must use it, and the one check the publishing actions make.

Deciding on reviews, restoring and unpublishing monographs and verifying credentials need a
session signed in with a one-time code (django-otp's `request.user.is_verified()`); no setting
turns this off, DEBUG included.
"""

TWO_FACTOR_REQUIRED = (
    "This needs a two-factor sign-in: set up an authenticator app on your account page, then "
    "sign in again with its code."
)


def two_factor_refusal(request) -> str:
    """Why the request may not take a publishing action for want of two factors ("" if it may)."""
    is_verified = getattr(request.user, "is_verified", None)
    if is_verified is not None and is_verified():
        return ""
    return TWO_FACTOR_REQUIRED
