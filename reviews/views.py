"""The workflow's pages outside the admin: a revision shared with a specialist by a signed link,
and each reviewer's public page."""

from django.db.models import F, Prefetch
from django.http import Http404, HttpResponseGone
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from monographs.admin_views import preview_response
from monographs.models import Drug, ReviewedPart
from monographs.public.links import class_url, drug_link, drug_links
from monographs.public.monograph import preview_page
from reviews.models import InterestDeclaration, ReviewerProfile, ShareLink
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


RECENT_PARTS = 30


@require_safe
def reviewer_page(request, slug: str):
    """A reviewer's public page: credential, declared interests, what they reviewed lately.

    Never their registration, e-mail or login, nor anything not live on the site.
    """
    profile = get_object_or_404(
        ReviewerProfile.objects.select_related("user"), slug=slug, user__is_active=True
    )
    user = profile.user
    if not user.get_full_name().strip():
        raise Http404("No such reviewer.")
    # Public names and slugs are the published ones (the search document's), never a draft's.
    public_drugs = (
        Drug.objects.published()
        .annotate(public_name=F("search_document__name"), public_slug=F("search_document__slug"))
        .only("pk")
        .order_by("search_document__name")
    )
    declarations = InterestDeclaration.objects.filter(
        reviewer=user, starts_on__lte=timezone.localdate()
    ).prefetch_related(Prefetch("drugs", public_drugs))
    parts = (
        ReviewedPart.objects.live()
        .filter(reviewers=user)
        .order_by("-reviewed_at", "pk")
        .values_list(
            "title",
            "reviewed_at",
            "revision__drug__search_document__name",
            "revision__drug__search_document__slug",
        )[:RECENT_PARTS]
    )
    context = {
        "profile": profile,
        "name": user.get_full_name().strip(),
        "verified": profile.is_currently_verified,
        "declarations": [
            {
                "declaration": declaration,
                "drugs": drug_links(
                    (drug.public_slug, drug.public_name) for drug in declaration.drugs.all()
                ),
                "classes": [
                    {"name": name, "url": class_url(name)} for name in declaration.class_names
                ],
            }
            for declaration in declarations
        ],
        "reviewed": _by_monograph(parts),
    }
    return render(request, "reviews/reviewer_page.html", context)


def _by_monograph(parts) -> list[dict]:
    """Reviewed parts grouped by monograph, the most recently reviewed monograph first."""
    monographs = {}
    for title, reviewed_at, name, slug in parts:
        entry = monographs.setdefault(
            slug, {**drug_link(slug, name), "reviewed_at": reviewed_at, "parts": []}
        )
        entry["parts"].append(title)
    return list(monographs.values())
