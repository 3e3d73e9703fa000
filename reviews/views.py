"""The workflow's pages outside the admin: a revision shared with a specialist by a signed link,
each reviewer's public page, and the form a reader reports a problem with a page through."""

from django.db.models import F, Prefetch
from django.http import Http404, HttpResponseGone
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from monographs.admin_views import preview_response
from monographs.models import Drug, ReviewedPart
from monographs.public.links import (
    class_url,
    drug_link,
    drug_links,
    drug_url,
    redirect_retired_slug,
)
from monographs.public.monograph import preview_page
from reviews.models import InterestDeclaration, ProblemReport, ReviewerProfile, ShareLink
from reviews.problem_report_form import ProblemReportForm
from reviews.problem_reports import (
    problem_report_create,
    problem_report_refusal,
    reportable_drug,
    reportable_parts,
)
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
REPORT_ROUTE = "report_problem"


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


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report_problem(request, slug: str):
    """A reader reports a problem with a published monograph page (no account needed).

    Never cached (it carries a CSRF token); the monograph page links here, per section with
    `?part=<anchor>`. A filled honeypot gets the usual thanks and is dropped; a valid report
    over a rate limit, like an invalid one, gets the form back with the text as typed.
    """
    drug = reportable_drug(slug)
    if drug is None:
        return redirect_retired_slug(request, REPORT_ROUTE, slug)
    revision = drug.published_revision
    parts = reportable_parts(revision)
    context = {
        "name": revision.content.get("name") or drug.search_document.name,
        "page_url": drug_url(drug.search_document.slug),
    }
    if request.method != "POST":
        form = ProblemReportForm(parts=parts, initial={"part": request.GET.get("part", "")})
        return render(request, "reviews/report_problem.html", {**context, "form": form})
    form = ProblemReportForm(request.POST, parts=parts)
    if form.is_from_a_bot:
        return _thanks(request, context, form)
    if not form.is_valid():
        return render(request, "reviews/report_problem.html", {**context, "form": form})
    refusal = problem_report_refusal(request=request, drug=drug)
    if refusal:
        context.update(form=form, refusal=refusal)
        return render(request, "reviews/report_problem.html", context, status=429)
    problem_report_create(
        drug=drug,
        part=form.reported_part(),
        message=form.cleaned_data["message"],
        reply_to=form.cleaned_data["reply_to"],
    )
    return _thanks(request, context, form)


def _thanks(request, context: dict, form: ProblemReportForm):
    part = form.parts.get(form.data.get("part", ""))
    context.update(
        message=form.data.get("message", "")[: ProblemReport.MESSAGE_MAX_LENGTH],
        part_title=part.title if part else "",
        will_reply=bool(form.data.get("reply_to")),
    )
    return render(request, "reviews/report_problem_thanks.html", context)
