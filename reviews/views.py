"""The one workflow page outside the admin: a revision shared with a specialist by a signed link."""

from django.http import Http404, HttpResponseGone
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from monographs.admin_views import preview_response
from monographs.public.monograph import preview_page
from reviews.models import ShareLink
from reviews.services import share_link_opened


@never_cache
@require_safe
def shared_revision(request, token: str):
    """The revision the link was made for, read-only; 410 once it is revoked or expired."""
    link = ShareLink.from_token(token)
    if link is None:
        raise Http404("No such review link.")
    refusal = link.refusal()
    if refusal:
        return HttpResponseGone(
            format_html(
                "<!doctype html><title>Link no longer works</title><p>{} Ask the person who "
                "sent it for a new one.</p>",
                refusal,
            )
        )
    share_link_opened(link=link)
    response = preview_response(preview_page(link.revision))
    response["Referrer-Policy"] = "no-referrer"
    return response
