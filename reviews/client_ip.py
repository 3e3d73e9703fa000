"""The client's address, as login throttling sees it, behind a configured number of proxies.

Without trusted proxies (`TRUSTED_PROXY_COUNT=0`, the default) it is REMOTE_ADDR and
X-Forwarded-For is ignored: anyone can send that header. Behind N proxies REMOTE_ADDR is the
nearest proxy, and the client is the N-th address from the right of X-Forwarded-For, the one the
outermost proxy appended; everything left of it came from the client and may be forged.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The address of the client that sent `request` (see the module docstring)."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.MEDREF_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < proxies:
        return remote_addr  # the request did not come through every proxy
    try:
        return str(ipaddress.ip_address(forwarded[-proxies].strip()))
    except ValueError:
        return remote_addr
