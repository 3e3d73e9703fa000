"""The editorial workflow in the admin: registrations and configuration.

The drug list and change form gain the workflow's status and panel, the review queue lists what
waits for review; their own screens (workflow moves, audit trail, review page, decisions, the
overdue list) are in `reviews.admin_views`.
"""

from functools import partial

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Prefetch
from django.template.loader import select_template
from django.urls import path, reverse
from django.utils.timesince import timesince

from monographs.admin import DrugAdmin
from monographs.models import Drug
from reviews import (  # noqa: F401 (registers)
    admin_credentials,
    admin_reports,
    admin_views,
    presentation,
)
from reviews.forms import WorkflowDrugForm
from reviews.models import (
    REVIEWERS_GROUP,
    AuditEntry,
    PartDecision,
    Review,
    WorkflowState,
    decide_refusal,
    drug_workflow_state,
    drugs_overdue_for_review,
    recusing_drugs,
    with_workflow_state,
)
from reviews.progress import review_progress
from reviews.services import review_supersede_if_stale
from reviews.two_factor import two_factor_refusal

admin.site.site_header = "MedRef editorial"
admin.site.site_title = "MedRef editorial"
admin.site.index_title = "Editorial work"


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
    form = WorkflowDrugForm
    fieldsets = [
        *DrugAdmin.fieldsets[:-1],
        ("Your edit", {"fields": ["change_reason", "significance"]}),
    ]

    def save_model(self, request, obj, form, change):
        request._medref_significance = form.cleaned_data.get("significance") or ""
        super().save_model(request, obj, form, change)

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
                (
                    action.route,
                    partial(admin_views.workflow_action, self, action=action),
                    action.name,
                )
                for action in admin_views.WORKFLOW_ACTIONS
            ),
            ("audit", partial(admin_views.audit_trail, self), "workflow_audit"),
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

    # The change form: a workflow panel above the form, and "Save and submit for review".

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["workflow_base_template"] = self._parent_change_form_template()
        if add:
            context["can_save_and_submit"] = request.user.has_perm(
                "reviews.submit_review"
            ) and self.has_add_permission(request)
        elif obj is not None and obj.pk:
            may_submit = self._may_submit(request, obj)
            context["can_save_and_submit"] = may_submit
            context["workflow"] = presentation.workflow_panel(
                obj,
                user=request.user,
                can_submit=may_submit,
                can_unpublish=request.user.has_perm("monographs.unpublish_drug"),
            )
            context["workflow_urls"] = {
                name: reverse(f"admin:{self._url_name('workflow_' + name)}", args=[obj.pk])
                for name in ["submit", "withdraw", "unpublish", "audit"]
            }
            if request.user.has_perm("reviews.view_problemreport"):
                context["open_problem_reports"] = obj.problem_reports.open().count()
                context["problem_reports_url"] = (
                    reverse("admin:reviews_problemreport_changelist") + f"?drug__id__exact={obj.pk}"
                )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if admin_views.SAVE_AND_SUBMIT in request.POST:
            return admin_views.submit_saved(self, request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if admin_views.SAVE_AND_SUBMIT in request.POST:
            return admin_views.submit_saved(self, request, obj)
        return super().response_change(request, obj)

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

    def perform_restore(self, request, drug, moment, reason: str = "") -> bool:
        if refusal := two_factor_refusal(request):
            self.message_user(request, refusal, messages.ERROR)
            return False
        return super().perform_restore(request, drug, moment, reason)

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

    def _may_submit(self, request, drug) -> bool:
        return request.user.has_perm("reviews.submit_review") and self.has_change_permission(
            request, drug
        )


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
        "for_you",
    ]
    list_display_links = ["drug_name"]
    list_filter = [QueueFilter]
    search_fields = ["drug__name"]
    ordering = ["submitted_at", "id"]
    actions = None
    list_per_page = 50
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .for_queue()
            .prefetch_related(
                Prefetch(
                    "part_decisions",
                    PartDecision.objects.select_related("reviewer__reviewer_profile"),
                )
            )
            .annotate(
                recused=Exists(
                    Drug.objects.filter(recusing_drugs(request.user), pk=OuterRef("drug_id"))
                )
            )
        )

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

    @admin.display(description="Changed parts, and what each still needs")
    def changed_sections(self, review):
        if not review.is_open:
            return "—"
        progress = review_progress(
            review, base=review.drug.published_revision, decisions=review.part_decisions.all()
        )
        return (
            "; ".join(
                f"{part.title} ({part.still_needed or 'approved'})" for part in progress.parts
            )
            or "—"
        )

    @admin.display(description="For you")
    def for_you(self, review):
        if review.is_open and getattr(review, "recused", False):
            return f"You declared an interest in {review.drug.name}: recused."
        return ""

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": "Review queue",
            "decide_refusal": decide_refusal(request.user)
            if request.user.groups.filter(name=REVIEWERS_GROUP).exists()
            else "",
            "overdue_count": drugs_overdue_for_review().count(),
            "overdue_url": reverse("admin:reviews_review_overdue"),
            "two_factor_refusal": (
                "" if decide_refusal(request.user) else two_factor_refusal(request)
            ),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(partial(admin_views.review_decide, self)),
                name="reviews_review_decide",
            ),
            path(
                "<path:object_id>/comment/",
                self.admin_site.admin_view(partial(admin_views.review_comment_view, self)),
                name="reviews_review_comment",
            ),
            path(
                "<path:object_id>/share/",
                self.admin_site.admin_view(partial(admin_views.review_share, self)),
                name="reviews_review_share",
            ),
            path(
                "<path:object_id>/share/<int:link_id>/revoke/",
                self.admin_site.admin_view(partial(admin_views.review_share_revoke, self)),
                name="reviews_review_share_revoke",
            ),
            path(
                "<path:object_id>/cancel-schedule/",
                self.admin_site.admin_view(partial(admin_views.review_cancel_schedule_view, self)),
                name="reviews_review_cancel_schedule",
            ),
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(partial(admin_views.review_preview, self)),
                name="reviews_review_preview",
            ),
            path(
                "overdue/",
                self.admin_site.admin_view(partial(admin_views.overdue_list, self)),
                name="reviews_review_overdue",
            ),
            path(
                "overdue/<int:part_id>/reconfirm/",
                self.admin_site.admin_view(partial(admin_views.part_reconfirm_view, self)),
                name="reviews_review_reconfirm",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.review_page(self, request, object_id)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Every editorial move on every monograph; read-only, for reviewers and editors."""

    list_display = ["sequence", "created_at", "drug", "subject", "action", "actor"]
    list_select_related = ["drug", "subject", "actor"]
    readonly_fields = ["sequence", "created_at", "previous_hash", "entry_hash"]
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
