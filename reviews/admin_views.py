"""The editorial workflow's admin screens: confirm-then-act moves on a monograph, its audit
trail, the review page and its decision, and the overdue list.

`WorkflowDrugAdmin` and `ReviewAdmin` (reviews/admin.py) route here. Views stay thin: they check
permissions (403 when missing), call a service from `reviews.services`, and turn a domain error
into an admin message.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import OperationalError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from monographs.admin_views import preview_response
from monographs.locking import is_lock_conflict
from monographs.models import Drug, ReviewedPart, Significance
from monographs.parts import document_parts, part_html
from monographs.public.monograph import preview_page
from reviews import presentation
from reviews.cycles import part_reconfirm, reconfirm_refusal
from reviews.exceptions import NotPermitted, ReviewError
from reviews.forms import (
    APPROVE,
    PARTS,
    CommentForm,
    DecisionForm,
    ReconfirmForm,
    ReviewCommentForm,
    ShareLinkForm,
    SubmitForm,
)
from reviews.models import Review, ShareLink, current_interests, decide_refusal
from reviews.progress import review_progress
from reviews.services import (
    drug_unpublish,
    review_approve,
    review_cancel_schedule,
    review_comment,
    review_decide_parts,
    review_request_changes,
    review_submit,
    review_withdraw,
    share_link_create,
    share_link_revoke,
)
from reviews.two_factor import must_use_two_factor, two_factor_refusal

# The name of the change form's "Save and submit for review" button.
SAVE_AND_SUBMIT = "_save_and_submit"

BUSY_MESSAGE = (
    "Someone else was changing this monograph at the same moment, so nothing was done. "
    "Please try again."
)


def _drug_or_404(model_admin, request, object_id) -> Drug:
    drug = model_admin.get_object(request, unquote(object_id))
    if drug is None:
        raise Http404
    return drug


def _change_url(model_admin, drug) -> str:
    return reverse(f"admin:{model_admin._url_name('change')}", args=[drug.pk])


def _confirm(model_admin, request, drug, *, form, title, button, explanation):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "drug": drug,
        "form": form,
        "title": title,
        "button": button,
        "explanation": explanation,
        "change_url": _change_url(model_admin, drug),
    }
    return TemplateResponse(request, "admin/reviews/drug/confirm_action.html", context)


def _run(model_admin, request, action, *, success: str, then: str):
    """Run a workflow service, then go to `then`; no permission is a 403, other refusals
    and a lost lock conflict are messages."""
    try:
        action()
    except NotPermitted as error:
        raise PermissionDenied(str(error)) from error
    except ReviewError as error:
        model_admin.message_user(request, str(error), messages.ERROR)
    except OperationalError as error:
        if not is_lock_conflict(error):
            raise
        model_admin.message_user(request, BUSY_MESSAGE, messages.ERROR)
    else:
        model_admin.message_user(request, success, messages.SUCCESS)
    return HttpResponseRedirect(then)


def submit_saved(model_admin, request, drug):
    """Finish "Save and submit for review": the form was just saved, now submit that copy.

    Runs inside the admin's save transaction, so the edit and the submission are kept together
    or not at all (a lock conflict retries both).
    """
    change_url = _change_url(model_admin, drug)
    if not model_admin._may_submit(request, drug):
        model_admin.message_user(
            request,
            "Your changes were saved, but not submitted: you may not submit monographs for review.",
            messages.ERROR,
        )
        return HttpResponseRedirect(change_url)
    reason = getattr(request, "_medref_change_reason", "")
    significance = getattr(request, "_medref_significance", "") or Significance.EDITORIAL
    try:
        review_submit(drug=drug, by=request.user, comment=reason, significance=significance)
    except ReviewError as error:
        model_admin.message_user(
            request, f"Your changes were saved, but not submitted: {error}", messages.ERROR
        )
    else:
        model_admin.message_user(
            request,
            f"Your changes were saved and “{drug}” is now waiting for a medical reviewer.",
            messages.SUCCESS,
        )
    return HttpResponseRedirect(change_url)


def workflow_action(model_admin, request, object_id, *, action: "WorkflowAction"):
    """Confirm a workflow move on GET and make it on POST (403 without permission)."""
    drug = _drug_or_404(model_admin, request, object_id)
    if not action.is_permitted(model_admin, request, drug):
        raise PermissionDenied
    review = None
    if action.acts_on_review:
        review = Review.objects.in_review().filter(drug=drug).first()
        if review is None:
            model_admin.message_user(
                request, "Nothing of this monograph is in review.", messages.ERROR
            )
            return HttpResponseRedirect(_change_url(model_admin, drug))
        if review.submitted_by_id != request.user.pk:
            raise PermissionDenied("Only the person who submitted this revision can withdraw it.")
    refusal = two_factor_refusal(request) if action.needs_two_factor else ""
    if refusal:
        model_admin.message_user(request, refusal, messages.ERROR)
        if request.method == "POST":
            return HttpResponseRedirect(_change_url(model_admin, drug))
    form = action.form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return _run(
            model_admin,
            request,
            lambda: action.perform(drug=drug, review=review, by=request.user, form=form),
            success=action.success(drug, review),
            then=_change_url(model_admin, drug),
        )
    return _confirm(
        model_admin,
        request,
        drug,
        form=form,
        title=action.title.format(drug=drug),
        button=action.button,
        explanation=action.explanation(drug, review),
    )


def audit_trail(model_admin, request, object_id):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    drug = _drug_or_404(model_admin, request, object_id)
    if not (
        model_admin.has_view_or_change_permission(request, drug)
        and request.user.has_perm("reviews.view_auditentry")
    ):
        raise PermissionDenied
    page = Paginator(presentation.audit_entries(drug), 100).get_page(request.GET.get("p"))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "drug": drug,
        "title": f"Audit trail: {drug}",
        "page": page,
        "rows": presentation.audit_rows(page.object_list, request.user),
        "change_url": _change_url(model_admin, drug),
    }
    return TemplateResponse(request, "admin/reviews/drug/audit_trail.html", context)


@dataclass(frozen=True)
class WorkflowAction:
    """A confirm-then-act move on a monograph's change form: submit, withdraw or unpublish."""

    route: str
    name: str
    form_class: type
    title: str
    button: str
    is_permitted: Callable[[object, object, Drug], bool]
    perform: Callable[..., object]
    explanation: Callable[[Drug, Review | None], str]
    success: Callable[[Drug, Review | None], str]
    # Withdrawing acts on the review in progress, and only its submitter may.
    acts_on_review: bool = False
    # Publishing moves need a session signed in with a one-time code (reviews/two_factor.py).
    needs_two_factor: bool = False


WORKFLOW_ACTIONS = [
    WorkflowAction(
        route="submit-for-review",
        name="workflow_submit",
        form_class=SubmitForm,
        title="Submit “{drug}” for review",
        button="Submit for review",
        is_permitted=lambda admin, request, drug: admin._may_submit(request, drug),
        perform=lambda *, drug, review, by, form: review_submit(
            drug=drug,
            by=by,
            comment=form.cleaned_data["reason"],
            significance=form.cleaned_data["significance"] or Significance.EDITORIAL,
        ),
        explanation=lambda drug, review: (
            "The current working copy is frozen as a revision for a medical reviewer. The "
            "public keeps seeing the published version until it is approved."
        ),
        success=lambda drug, review: f"“{drug}” is now waiting for a medical reviewer.",
    ),
    WorkflowAction(
        route="withdraw-review",
        name="workflow_withdraw",
        form_class=CommentForm,
        title="Withdraw “{drug}” from review",
        button="Withdraw",
        is_permitted=lambda admin, request, drug: admin.has_change_permission(request, drug),
        perform=lambda *, drug, review, by, form: review_withdraw(
            review=review, by=by, comment=form.cleaned_data["comment"]
        ),
        explanation=lambda drug, review: (
            f"Revision {review.revision.number} leaves the review queue. Your working copy is "
            "kept; submit again when it is ready."
        ),
        success=lambda drug, review: (
            f"Revision {review.revision.number} of “{drug}” was withdrawn from review."
        ),
        acts_on_review=True,
    ),
    WorkflowAction(
        route="unpublish",
        name="workflow_unpublish",
        form_class=CommentForm,
        title="Unpublish “{drug}”",
        button="Unpublish",
        is_permitted=lambda admin, request, drug: (
            request.user.has_perm("monographs.unpublish_drug")
            and admin.has_view_or_change_permission(request, drug)
        ),
        perform=lambda *, drug, review, by, form: drug_unpublish(
            drug=drug, by=by, comment=form.cleaned_data["comment"]
        ),
        explanation=lambda drug, review: (
            "The monograph disappears from the public site. Its revisions, history and audit "
            "trail are kept; a new approval publishes it again."
        ),
        success=lambda drug, review: (
            f"“{drug}” was taken off the public site. Its history is kept."
        ),
        needs_two_factor=True,
    ),
]


def _review_or_404(model_admin, request, object_id) -> Review:
    """The review, if the user may see both it and its monograph (as editing would check)."""
    review = model_admin.get_object(request, unquote(object_id))
    if review is None:
        raise Http404
    drug_admin = model_admin.admin_site.get_model_admin(Drug)
    if not (
        model_admin.has_view_permission(request, review)
        and drug_admin.has_view_or_change_permission(request, review.drug)
    ):
        raise PermissionDenied
    return review


def _decision_form(review, request, data=None) -> DecisionForm:
    """The decision form, with a verdict for each changed part the user has not decided yet."""
    user = request.user
    progress = review_progress(review)
    open_parts = [
        part for part in progress.parts if not part.is_approved and not part.decided_by(user)
    ]
    return DecisionForm(data, parts=open_parts, signer=user, request=request)


def _render_review(
    model_admin, request, review, *, form=None, share_form=None, comment_form=None, status=200
):
    refusal = review.decide_refusal(request.user) or two_factor_refusal(request)
    may_comment = not review.comment_refusal(request.user)
    can_share = request.user.has_perm("reviews.share_revision")
    may_decide = not refusal
    if may_decide and form is None:
        form = _decision_form(review, request)
    context = {
        **model_admin.admin_site.each_context(request),
        **presentation.review_page_context(
            review, user=request.user, form=form if may_decide else None, may_decide=may_decide
        ),
        "opts": model_admin.opts,
        # A closed review's page shows its outcome, not why nobody may decide it any more.
        "decide_refusal": refusal if review.is_open else "",
        "title": f"Review of {review.revision}",
        "decide_url": reverse("admin:reviews_review_decide", args=[review.pk]),
        "drug_change_url": reverse("admin:monographs_drug_change", args=[review.drug_id]),
        "audit_url": reverse("admin:monographs_drug_workflow_audit", args=[review.drug_id]),
        "can_share": can_share,
        "comment_form": comment_form or (ReviewCommentForm() if may_comment else None),
        "comment_url": reverse("admin:reviews_review_comment", args=[review.pk]),
    }
    if can_share:
        context["share_form"] = share_form or ShareLinkForm()
        context["share_url"] = reverse("admin:reviews_review_share", args=[review.pk])
        context["share_links"] = [
            (link, link.refusal(), share_link_url(link))
            for link in review.revision.share_links.select_related("created_by")
        ]
    return TemplateResponse(
        request, "admin/reviews/review/review_page.html", context, status=status
    )


def review_page(model_admin, request, object_id):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _render_review(model_admin, request, _review_or_404(model_admin, request, object_id))


def review_preview(model_admin, request, object_id):
    """The submitted revision as the public page will show it once approved."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    review = _review_or_404(model_admin, request, object_id)
    return preview_response(preview_page(review.revision))


def share_link_url(link: ShareLink) -> str:
    return settings.SITE_URL + reverse("review_link", args=[link.token])


def review_share(model_admin, request, object_id):
    """Create a review link to this revision for a specialist without an account."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    review = _review_or_404(model_admin, request, object_id)
    if not request.user.has_perm("reviews.share_revision"):
        raise PermissionDenied
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        return _render_review(model_admin, request, review, share_form=form, status=400)
    link = share_link_create(
        revision=review.revision,
        by=request.user,
        recipient=form.cleaned_data["recipient"],
        days=form.cleaned_data["days"],
    )
    model_admin.message_user(
        request,
        f"A review link for {link.recipient} works until "
        f"{timezone.localtime(link.expires_at):%d %B %Y, %H:%M}: {share_link_url(link)}",
        messages.SUCCESS,
    )
    return HttpResponseRedirect(reverse("admin:reviews_review_change", args=[review.pk]))


def review_share_revoke(model_admin, request, object_id, link_id):
    """Stop a review link from working."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    review = _review_or_404(model_admin, request, object_id)
    link = ShareLink.objects.filter(pk=link_id, revision=review.revision).first()
    if link is None:
        raise Http404
    return _run(
        model_admin,
        request,
        lambda: share_link_revoke(link=link, by=request.user),
        success=f"The link for {link.recipient} no longer works.",
        then=reverse("admin:reviews_review_change", args=[review.pk]),
    )


def review_cancel_schedule_view(model_admin, request, object_id):
    """Stop a scheduled approval from going live."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    review = _review_or_404(model_admin, request, object_id)
    # Its submitter may call off their own change without two factors; a reviewer may not.
    if must_use_two_factor(request.user) and (refusal := two_factor_refusal(request)):
        model_admin.message_user(request, refusal, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:reviews_review_change", args=[review.pk]))
    return _run(
        model_admin,
        request,
        lambda: review_cancel_schedule(review=review, by=request.user),
        success=f"Revision {review.revision.number} of “{review.drug}” will not go live.",
        then=reverse("admin:reviews_review_change", args=[review.pk]),
    )


def review_comment_view(model_admin, request, object_id):
    """Post a comment on an open review without deciding it."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    review = _review_or_404(model_admin, request, object_id)
    if refusal := review.commenter_refusal(request.user):
        raise PermissionDenied(refusal)
    form = ReviewCommentForm(request.POST)
    if form.is_valid():
        try:
            review_comment(review=review, by=request.user, body=form.cleaned_data["body"])
        except ReviewError as error:
            form.add_error(None, str(error))
        else:
            model_admin.message_user(request, "Your comment is posted.", messages.SUCCESS)
            return HttpResponseRedirect(
                reverse("admin:reviews_review_change", args=[review.pk]) + "#review-comments"
            )
    # What they typed stays in the form, with the reason it was not posted.
    return _render_review(model_admin, request, review, comment_form=form, status=400)


def review_decide(model_admin, request, object_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    review = _review_or_404(model_admin, request, object_id)
    try:
        review.check_decider(request.user)
    except NotPermitted as error:
        raise PermissionDenied(str(error)) from error
    if refusal := two_factor_refusal(request):
        model_admin.message_user(request, refusal, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:reviews_review_change", args=[review.pk]))
    form = _decision_form(review, request, request.POST)
    if not form.is_valid():
        return _render_review(model_admin, request, review, form=form, status=400)
    outcome = form.cleaned_data["outcome"]
    comment = form.cleaned_data["comment"]
    publish_at = form.cleaned_data.get("publish_at")
    review_url = reverse("admin:reviews_review_change", args=[review.pk])
    try:
        if outcome == PARTS:
            review = review_decide_parts(
                review=review,
                by=request.user,
                verdicts=form.verdicts,
                comment=comment,
                publish_at=publish_at,
                signature=form.signature,
            )
        elif outcome == APPROVE:
            review = review_approve(
                review=review,
                by=request.user,
                comment=comment,
                publish_at=publish_at,
                signature=form.signature,
            )
        else:
            review = review_request_changes(
                review=review, by=request.user, comment=comment, part_notes=form.part_notes
            )
    except NotPermitted as error:
        raise PermissionDenied(str(error)) from error
    except ReviewError as error:
        model_admin.message_user(request, str(error), messages.ERROR)
        return HttpResponseRedirect(review_url)
    except OperationalError as error:
        if not is_lock_conflict(error):
            raise
        model_admin.message_user(request, BUSY_MESSAGE, messages.ERROR)
        return HttpResponseRedirect(review_url)
    model_admin.message_user(request, _decided_message(review), messages.SUCCESS)
    if review.is_open:
        return HttpResponseRedirect(review_url)
    return HttpResponseRedirect(reverse("admin:reviews_review_changelist"))


def _decided_message(review: Review) -> str:
    name = f"“{review.drug}” revision {review.revision.number}"
    if review.status == Review.Status.SCHEDULED:
        return (
            f"{name} is approved and will go live on "
            f"{timezone.localtime(review.publish_at):%d %B %Y at %H:%M}; until then the "
            "current version stays public."
        )
    if review.status == Review.Status.APPROVED:
        return f"{name} is approved and published."
    if review.status == Review.Status.CHANGES_REQUESTED:
        return f"{name} was sent back for changes."
    return f"Your decisions on {name} are recorded. {review_progress(review).summary}."


@dataclass
class DuePartRow:
    part: ReviewedPart
    days_overdue: int
    reconfirm_refusal: str


def overdue_list(model_admin, request):
    """Live parts past their review date, then those falling due soon: one row per part."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    today = timezone.localdate()
    window = settings.MEDREF_REMINDER_DAYS
    parts = (
        ReviewedPart.objects.due_by(today + timedelta(days=window))
        .select_related("revision__drug")
        .prefetch_related("revision__authors")
    )
    person_refusal = decide_refusal(request.user)
    two_factor = "" if person_refusal else two_factor_refusal(request)
    may_decide = not (person_refusal or two_factor)
    declarations = current_interests(request.user) if may_decide else []
    rows = [
        DuePartRow(
            part=part,
            days_overdue=(today - part.next_review_due).days,
            reconfirm_refusal=reconfirm_refusal(
                part, request.user, person_refusal=person_refusal, declarations=declarations
            )
            if may_decide
            else "",
        )
        for part in parts
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Review cycles: overdue and due soon",
        "overdue": [row for row in rows if row.days_overdue > 0],
        "due_soon": [row for row in rows if row.days_overdue <= 0],
        "window": window,
        "may_decide": may_decide,
        "two_factor_refusal": two_factor,
        "queue_url": reverse("admin:reviews_review_changelist"),
    }
    return TemplateResponse(request, "admin/reviews/review/overdue.html", context)


def part_reconfirm_view(model_admin, request, part_id):
    """Re-confirm a live part without changing it: the part as readers see it, and the signed
    attestation (GET shows it, POST signs and re-confirms)."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    part = ReviewedPart.objects.select_related("revision__drug").filter(pk=part_id).first()
    if part is None:
        raise Http404
    refusal = reconfirm_refusal(part, request.user)
    # Who may never re-confirm gets the service's refusal; a reviewer, the two-factor rule.
    two_factor = "" if decide_refusal(request.user) else two_factor_refusal(request)
    form = ReconfirmForm(
        request.POST if request.method == "POST" else None, signer=request.user, request=request
    )
    if request.method == "POST":
        if two_factor and not refusal:
            model_admin.message_user(request, two_factor, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:reviews_review_overdue"))
        if refusal or form.is_valid():
            return _run(
                model_admin,
                request,
                lambda: part_reconfirm(
                    part=part,
                    by=request.user,
                    note=form.cleaned_data.get("note", "") if not refusal else "",
                    signature=form.signature,
                ),
                success=f"“{part.title}” of {part.revision.drug} is re-confirmed; its next "
                "review date moved on.",
                then=reverse("admin:reviews_review_overdue"),
            )
    live = next(
        (item for item in document_parts(part.revision.content) if item.key == part.key), None
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Re-confirm “{part.title}” of {part.revision.drug}",
        "part": part,
        "part_html": part_html(part.revision.content, live) if live else "",
        "refusal": refusal or two_factor,
        "form": form,
        "overdue_url": reverse("admin:reviews_review_overdue"),
    }
    return TemplateResponse(
        request,
        "admin/reviews/review/reconfirm.html",
        context,
        status=400 if request.method == "POST" else 200,
    )
