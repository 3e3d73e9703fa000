"""Editorial screens behind the admin login: a monograph's history and the markdown preview.

History (the versions, a diff of any two, restore): `DrugAdmin` routes here after checking
permissions; these functions only read and render. The live preview of the markdown editor
checks its own permission and rate.
"""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from monographs.diff import compare_documents
from monographs.markdown import MarkdownError, render_markdown
from monographs.models import Drug
from monographs.public.monograph import preview_page
from monographs.services import revision_preview
from monographs.versions import drug_document_as_of, drug_versions, format_moment

CURRENT = "current"
VERSIONS_PER_PAGE = 50


def parse_point(value: str | None) -> datetime | None:
    """A point in the history from a query parameter: a version's timestamp, or None for now."""
    if not value or value == CURRENT:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise BadRequest("Unknown version.") from error
    if moment.tzinfo is None:
        raise BadRequest("Unknown version.")
    return moment


def _context(model_admin, request, drug: Drug, title: str) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": model_admin.opts,
        "object": drug,
        "original": drug,
        "can_restore": model_admin.has_restore_permission(request, drug),
    }


def history_list(model_admin, request, drug: Drug, extra_context=None):
    """Every version of the whole monograph: who, when, why and what changed."""
    paginator = Paginator(drug_versions(drug.pk), VERSIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    # Preselect the change that led to the current working copy.
    on_page = list(page.object_list)
    default_from = on_page[1 if page.number == 1 and len(on_page) > 1 else 0] if on_page else None
    context = {
        **_context(model_admin, request, drug, f"History: {drug}"),
        "page_obj": page,
        "versions": on_page,
        "default_from": default_from.token if default_from else None,
        "page_range": paginator.get_elided_page_range(page.number),
        **(extra_context or {}),
    }
    return render(request, model_admin.object_history_template, context)


def _document(drug: Drug, moment: datetime | None) -> dict | None:
    return drug.document() if moment is None else drug_document_as_of(drug, moment)


def _label(moment: datetime | None) -> str:
    if moment is None:
        return "the current working copy"
    return f"the version of {format_moment(moment)}"


def history_compare(model_admin, request, drug: Drug):
    """A word-level diff, section by section, between any two points of the history."""
    versions = drug_versions(drug.pk)
    to_at = parse_point(request.GET.get("to"))
    if "from" in request.GET:
        from_at = parse_point(request.GET["from"])
    else:
        from_at = versions[1].at if len(versions) > 1 else None
    old, new = _document(drug, from_at), _document(drug, to_at)
    context = {
        **_context(model_admin, request, drug, f"Compare versions: {drug}"),
        "comparison": compare_documents(old, new or {}),
        "from_at": from_at,
        "to_at": to_at,
        "from_label": _label(from_at),
        "to_label": _label(to_at),
        "from_missing": old is None,
        "to_missing": new is None,
        "restorable": [
            moment
            for moment, document in [(from_at, old), (to_at, new)]
            if moment is not None and document is not None
        ],
        "versions": versions,
        "current": CURRENT,
    }
    return render(request, "admin/monographs/drug/compare.html", context)


def report_restore(model_admin, request, moment: datetime, changed: bool) -> None:
    if changed:
        model_admin.message_user(
            request,
            f"Restored the version of {format_moment(moment)} as the working copy. The "
            "published monograph is unchanged until this is reviewed and approved.",
            messages.SUCCESS,
        )
    else:
        model_admin.message_user(
            request,
            f"The working copy already reads as the version of {format_moment(moment)}; "
            "nothing was changed.",
            messages.INFO,
        )


def history_restore(model_admin, request, drug: Drug):
    """Make an old version the working copy, recorded as an edit by the current user."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    moment = parse_point(request.POST.get("at"))
    if moment is None:
        raise BadRequest("Choose a version to restore.")
    if not model_admin.perform_restore(request, drug, moment, request.POST.get("reason", "")):
        return HttpResponseRedirect(reverse("admin:monographs_drug_history", args=[drug.pk]))
    return HttpResponseRedirect(reverse("admin:monographs_drug_change", args=[drug.pk]))


EDIT_PERMISSIONS = (
    "monographs.add_drug",
    "monographs.change_drug",
    "monographs.change_section",
    "monographs.change_faqitem",
)
# Each keystroke pause posts a preview; a person typing stays far below this.
PREVIEW_RATE = "60/m"


@never_cache
@require_POST
def markdown_preview(request):
    """The editor's live preview, through the same sanitizing renderer as saved content."""
    user = request.user
    if not (user.is_active and user.is_staff and any(map(user.has_perm, EDIT_PERMISSIONS))):
        raise PermissionDenied
    if is_ratelimited(
        request, group="markdown-preview", key="user", rate=PREVIEW_RATE, increment=True
    ):
        return _refusal(
            f"Too many previews: at most {PREVIEW_RATE.replace('/m', ' a minute')}. "
            "Wait a moment; your text is not lost.",
            status=429,
        )
    try:
        return HttpResponse(render_markdown(request.POST.get("content", "")))
    except MarkdownError as error:
        return _refusal(str(error), status=400)


def _refusal(message: str, *, status: int) -> HttpResponse:
    # markdownx puts any answer, whatever its status, into the preview pane as HTML.
    return HttpResponse(
        format_html('<p class="preview-refused" role="alert">{}</p>', message), status=status
    )


def preview_response(html: str) -> HttpResponse:
    """A draft page for the editorial team only: never cached or indexed anywhere."""
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def drug_preview(model_admin, request, drug: Drug):
    """The working copy as the public page would show it (after approval)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return preview_response(preview_page(revision_preview(drug=drug)))
