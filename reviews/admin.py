"""The editorial workflow in the admin: status and actions on drugs, the review queue and page.

Views stay thin: they check permissions (403 when missing), call a service from
`reviews.services`, and turn a domain error into an admin message.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import OperationalError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.timesince import timesince

from monographs.admin import DrugAdmin
from monographs.diff import compare_documents
from monographs.locking import is_lock_conflict
from monographs.models import Drug
from reviews import presentation
from reviews.exceptions import NotPermitted, ReviewError
from reviews.forms import APPROVE, CommentForm, DecisionForm, SubmitForm
from reviews.models import (
    REVIEWERS_GROUP,
    AuditEntry,
    Review,
    ReviewerProfile,
    WorkflowState,
    drug_workflow_state,
    drugs_overdue_for_review,
    person_label,
    with_workflow_state,
)
from reviews.services import (
    drug_unpublish,
    review_approve,
    review_request_changes,
    review_submit,
    review_supersede_if_stale,
    review_withdraw,
)

BUSY_MESSAGE = (
    "Someone else was changing this monograph at the same moment, so nothing was done. "
    "Please try again."
)


class WorkflowStateFilter(admin.SimpleListFilter):
    title = "workflow state"
    parameter_name = "workflow"

    def lookups(self, request, model_admin):
        return WorkflowState.choices

    def queryset(self, request, queryset):
        if self.value() not in WorkflowState.values:
            return queryset
        if "workflow_state" not in queryset.query.annotations:
            queryset = with_workflow_state(queryset)
        return queryset.filter(workflow_state=self.value())


admin.site.unregister(Drug)


@admin.register(Drug)
class WorkflowDrugAdmin(DrugAdmin):
    """The drug admin, plus where each monograph stands in review and the moves it allows."""

    change_form_template = "admin/reviews/drug/change_form.html"

    def get_list_display(self, request):
        # Right after the name: where a monograph stands is what its contributors look for.
        first, *rest = super().get_list_display(request)
        return [first, "workflow_status", *rest]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), WorkflowStateFilter]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if request.method == "GET" and match and match.url_name == self._url_name("changelist"):
            queryset = with_workflow_state(queryset)
        return queryset

    @admin.display(description="Workflow", ordering="workflow_state")
    def workflow_status(self, drug):
        state = getattr(drug, "workflow_state", None) or drug_workflow_state(drug)
        return WorkflowState(state).label

    def _url_name(self, suffix: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{suffix}"

    def get_urls(self):
        views = [
            *(
                (action.route, partial(self.workflow_action_view, action=action), action.name)
                for action in WORKFLOW_ACTIONS
            ),
            ("audit", self.audit_view, "workflow_audit"),
        ]
        workflow_urls = [
            path(
                f"<path:object_id>/{route}/",
                self.admin_site.admin_view(view),
                name=self._url_name(name),
            )
            for route, view, name in views
        ]
        return [*workflow_urls, *super().get_urls()]

    # The change form: a workflow panel above the form.

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["workflow_base_template"] = self._parent_change_form_template()
        if obj is not None and obj.pk:
            context["workflow"] = presentation.workflow_panel(
                obj,
                user=request.user,
                can_submit=self._may_submit(request, obj),
                can_unpublish=request.user.has_perm("monographs.unpublish_drug"),
            )
            context["workflow_urls"] = {
                name: reverse(f"admin:{self._url_name('workflow_' + name)}", args=[obj.pk])
                for name in ["submit", "withdraw", "unpublish", "audit"]
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _parent_change_form_template(self) -> str:
        opts = self.opts
        candidates = [
            f"admin/{opts.app_label}/{opts.model_name}/change_form.html",
            f"admin/{opts.app_label}/change_form.html",
            "admin/change_form.html",
        ]
        if DrugAdmin.change_form_template:
            candidates.insert(0, DrugAdmin.change_form_template)
        return select_template(candidates).template.name

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            self._supersede_stale_review(request, form.instance)

    def after_restore(self, request, drug) -> None:
        super().after_restore(request, drug)
        self._supersede_stale_review(request, drug)

    def _supersede_stale_review(self, request, drug) -> None:
        open_review = Review.objects.in_review().filter(drug=drug).first()
        if open_review and review_supersede_if_stale(review=open_review, by=request.user):
            self.message_user(
                request,
                f"You changed “{drug}” after revision {open_review.revision.number} was "
                "submitted, so that review is closed as superseded and the reviewers have been "
                "told. Submit again when you are ready.",
                messages.WARNING,
            )

    # Workflow actions: GET shows a confirmation, POST acts.

    def _drug_or_404(self, request, object_id) -> Drug:
        drug = self.get_object(request, unquote(object_id))
        if drug is None:
            raise Http404
        return drug

    def _may_submit(self, request, drug) -> bool:
        return request.user.has_perm("reviews.submit_review") and self.has_change_permission(
            request, drug
        )

    def _change_url(self, drug) -> str:
        return reverse(f"admin:{self._url_name('change')}", args=[drug.pk])

    def _confirm(self, request, drug, *, form, title, button, explanation):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "drug": drug,
            "form": form,
            "title": title,
            "button": button,
            "explanation": explanation,
            "change_url": self._change_url(drug),
        }
        return TemplateResponse(request, "admin/reviews/drug/confirm_action.html", context)

    def _run(self, request, drug, action, success: str):
        """Run a workflow service; refusals for lack of permission are 403s, others messages."""
        try:
            action()
        except NotPermitted as error:
            raise PermissionDenied(str(error)) from error
        except ReviewError as error:
            self.message_user(request, str(error), messages.ERROR)
        except OperationalError as error:
            if not is_lock_conflict(error):
                raise
            self.message_user(request, BUSY_MESSAGE, messages.ERROR)
        else:
            self.message_user(request, success, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(drug))

    def workflow_action_view(self, request, object_id, *, action: "WorkflowAction"):
        """Confirm a workflow move on GET and make it on POST (403 without permission)."""
        drug = self._drug_or_404(request, object_id)
        if not action.is_permitted(self, request, drug):
            raise PermissionDenied
        review = None
        if action.acts_on_review:
            review = Review.objects.in_review().filter(drug=drug).first()
            if review is None:
                self.message_user(
                    request, "Nothing of this monograph is in review.", messages.ERROR
                )
                return HttpResponseRedirect(self._change_url(drug))
            if review.submitted_by_id != request.user.pk:
                raise PermissionDenied(
                    "Only the person who submitted this revision can withdraw it."
                )
        form = action.form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                drug,
                lambda: action.perform(drug=drug, review=review, by=request.user, form=form),
                action.success(drug, review),
            )
        return self._confirm(
            request,
            drug,
            form=form,
            title=action.title.format(drug=drug),
            button=action.button,
            explanation=action.explanation(drug, review),
        )

    def audit_view(self, request, object_id):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        drug = self._drug_or_404(request, object_id)
        if not (
            self.has_view_or_change_permission(request, drug)
            and request.user.has_perm("reviews.view_auditentry")
        ):
            raise PermissionDenied
        page = Paginator(presentation.audit_entries(drug), 100).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "drug": drug,
            "title": f"Audit trail: {drug}",
            "page": page,
            "rows": presentation.audit_rows(page.object_list, request.user),
            "change_url": self._change_url(drug),
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
    is_permitted: Callable[["WorkflowDrugAdmin", object, Drug], bool]
    perform: Callable[..., object]
    explanation: Callable[[Drug, Review | None], str]
    success: Callable[[Drug, Review | None], str]
    # Withdrawing acts on the review in progress, and only its submitter may.
    acts_on_review: bool = False


WORKFLOW_ACTIONS = [
    WorkflowAction(
        route="submit-for-review",
        name="workflow_submit",
        form_class=SubmitForm,
        title="Submit “{drug}” for review",
        button="Submit for review",
        is_permitted=lambda admin, request, drug: admin._may_submit(request, drug),
        perform=lambda *, drug, review, by, form: review_submit(
            drug=drug, by=by, comment=form.cleaned_data["reason"]
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
    ),
]


class QueueFilter(admin.SimpleListFilter):
    """The queue shows reviews in progress unless asked for something else."""

    title = "show"
    parameter_name = "show"
    MINE, CLOSED, ALL = "mine", "closed", "all"

    def lookups(self, request, model_admin):
        return [
            (self.MINE, "Mine to review"),
            (self.CLOSED, "Closed reviews"),
            (self.ALL, "All reviews"),
        ]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "In review",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        match self.value():
            case self.MINE:
                return queryset.reviewable_by(request.user)
            case self.CLOSED:
                return queryset.exclude(status=Review.Status.IN_REVIEW)
            case self.ALL:
                return queryset
            case _:
                return queryset.in_review()


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """The review queue, and a review page per submission."""

    list_display = [
        "drug_name",
        "revision_number",
        "submitter",
        "age",
        "changed_sections",
        "status",
    ]
    list_display_links = ["drug_name"]
    list_filter = [QueueFilter]
    search_fields = ["drug__name"]
    ordering = ["submitted_at", "id"]
    actions = None
    list_per_page = 50
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request):
        return super().get_queryset(request).for_queue()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Monograph", ordering="drug__name")
    def drug_name(self, review):
        return review.drug.name

    @admin.display(description="Revision", ordering="revision__number")
    def revision_number(self, review):
        return review.revision.number

    @admin.display(description="Submitted by", ordering="submitted_by__username")
    def submitter(self, review):
        return review.submitted_by.get_full_name() or review.submitted_by.get_username()

    @admin.display(description="Waiting for", ordering="submitted_at")
    def age(self, review):
        return timesince(review.submitted_at)

    @admin.display(description="Changed sections")
    def changed_sections(self, review):
        published = review.drug.published_revision
        comparison = compare_documents(
            published.content if published else None, review.revision.content
        )
        return ", ".join(comparison.changed_section_titles) or "—"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": "Review queue",
            "overdue_count": drugs_overdue_for_review().count(),
            "overdue_url": reverse("admin:reviews_review_overdue"),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="reviews_review_decide",
            ),
            path(
                "overdue/",
                self.admin_site.admin_view(self.overdue_view),
                name="reviews_review_overdue",
            ),
            *super().get_urls(),
        ]

    def _review_or_404(self, request, object_id) -> Review:
        """The review, if the user may see both it and its monograph (as editing would check)."""
        review = self.get_object(request, unquote(object_id))
        if review is None:
            raise Http404
        drug_admin = self.admin_site.get_model_admin(Drug)
        if not (
            self.has_view_permission(request, review)
            and drug_admin.has_view_or_change_permission(request, review.drug)
        ):
            raise PermissionDenied
        return review

    def _render_review(self, request, review, *, form=None, status=200):
        refusal = review.decide_refusal(request.user)
        may_decide = not refusal
        if may_decide and form is None:
            form = DecisionForm(section_titles=self._section_titles(review))
        context = {
            **self.admin_site.each_context(request),
            **presentation.review_page_context(
                review, user=request.user, form=form if may_decide else None, may_decide=may_decide
            ),
            "opts": self.opts,
            # A closed review's page shows its outcome, not why nobody may decide it any more.
            "decide_refusal": refusal if review.is_open else "",
            "title": f"Review of {review.revision}",
            "decide_url": reverse("admin:reviews_review_decide", args=[review.pk]),
            "drug_change_url": reverse("admin:monographs_drug_change", args=[review.drug_id]),
            "audit_url": reverse("admin:monographs_drug_workflow_audit", args=[review.drug_id]),
        }
        return TemplateResponse(
            request, "admin/reviews/review/review_page.html", context, status=status
        )

    @staticmethod
    def _section_titles(review) -> list[str]:
        return [presentation.section_title(section) for section in review.revision.sections]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return self._render_review(request, self._review_or_404(request, object_id))

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        review = self._review_or_404(request, object_id)
        try:
            review.check_decider(request.user)
        except NotPermitted as error:
            raise PermissionDenied(str(error)) from error
        form = DecisionForm(request.POST, section_titles=self._section_titles(review))
        if not form.is_valid():
            return self._render_review(request, review, form=form, status=400)
        approving = form.cleaned_data["outcome"] == APPROVE
        decide = review_approve if approving else review_request_changes
        review_url = reverse("admin:reviews_review_change", args=[review.pk])
        try:
            decide(
                review=review,
                by=request.user,
                comment=form.cleaned_data["comment"],
                section_notes=form.section_notes,
            )
        except NotPermitted as error:
            raise PermissionDenied(str(error)) from error
        except ReviewError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(review_url)
        except OperationalError as error:
            if not is_lock_conflict(error):
                raise
            self.message_user(request, BUSY_MESSAGE, messages.ERROR)
            return HttpResponseRedirect(review_url)
        if approving:
            done = f"“{review.drug}” revision {review.revision.number} is approved and published."
        else:
            done = f"“{review.drug}” revision {review.revision.number} was sent back for changes."
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:reviews_review_changelist"))

    def overdue_view(self, request):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        drugs = list(drugs_overdue_for_review(today))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Overdue for re-review",
            "rows": [
                (drug, (today - drug.published_revision.next_review_due).days) for drug in drugs
            ],
            "queue_url": reverse("admin:reviews_review_changelist"),
        }
        return TemplateResponse(request, "admin/reviews/review/overdue.html", context)


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    """Editors record each medical reviewer's credential; only credentialed reviewers approve."""

    list_display = ["reviewer", "username", "credential"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "credential"]
    fields = ["user", "credential"]

    @admin.display(description="Reviewer", ordering="user__last_name")
    def reviewer(self, profile):
        return person_label(profile.user)

    @admin.display(description="Username", ordering="user__username")
    def username(self, profile):
        return profile.user.get_username()

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = (
                db_field.related_model.objects.filter(groups__name=REVIEWERS_GROUP)
                .filter(reviewer_profile__isnull=True)
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Every editorial move on every monograph; read-only, for reviewers and editors."""

    list_display = ["created_at", "drug", "action", "actor"]
    list_select_related = ["drug", "actor"]
    list_filter = ["action"]
    search_fields = ["drug__name"]
    actions = None

    def has_view_permission(self, request, obj=None):
        # Entries carry reviewer comments, which only reviewers and editors read across drugs.
        return super().has_view_permission(request, obj) and request.user.has_perm(
            "reviews.view_all_comments"
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
