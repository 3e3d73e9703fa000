"""What waits for each editorial user: the admin index's dashboard.

Every list is a count and its first few rows, in a constant number of queries however many
rows there are. Who may decide a review is the one rule on `Review` (`reviewable_by` for many
rows, `decide_refusal` for why not).
"""

from dataclasses import dataclass, field, replace

from django.db.models import OuterRef, Prefetch
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from monographs.models import Drug, Revision
from reviews.models import (
    CONTRIBUTORS_GROUP,
    EDITORS_GROUP,
    REVIEWERS_GROUP,
    Decision,
    Review,
    WorkflowState,
    decide_refusal,
    drugs_overdue_for_review,
    edited_by,
    with_workflow_state,
)
from reviews.problem_reports import open_reports_per_drug

ROWS = 10
OWN_EDIT = "it contains your own edits: another medical reviewer must decide it."


@dataclass
class Row:
    label: str
    url: str
    detail: str = ""
    note: str = ""


@dataclass
class DashboardList:
    key: str
    title: str
    count: int
    rows: list[Row]
    empty: str
    more_url: str = ""
    explanation: str = ""


@dataclass
class Dashboard:
    lists: list[DashboardList] = field(default_factory=list)


def is_editorial(user) -> bool:
    """Members of the editorial groups, and anyone who may submit or decide reviews."""
    return user.is_active and (
        user.groups.filter(name__in=[CONTRIBUTORS_GROUP, REVIEWERS_GROUP, EDITORS_GROUP]).exists()
        or user.has_perm("reviews.submit_review")
        or user.has_perm("reviews.decide_review")
    )


def _review_url(review: Review) -> str:
    return reverse("admin:reviews_review_change", args=[review.pk])


def _drug_url(drug: Drug) -> str:
    return reverse("admin:monographs_drug_change", args=[drug.pk])


def _counted(queryset):
    return queryset.count(), list(queryset[:ROWS])


def _review_row(review: Review) -> Row:
    submitter = review.submitted_by.get_full_name() or review.submitted_by.get_username()
    return Row(
        label=f"{review.drug.name}, revision {review.revision.number}",
        url=_review_url(review),
        detail=f"submitted by {submitter}, {timezone.localtime(review.submitted_at):%d %b %Y}",
    )


def _awaiting(user) -> list[DashboardList]:
    open_reviews = Review.objects.in_review().for_queue().order_by("submitted_at", "id")
    refusal = decide_refusal(user)
    if refusal:
        return []
    mine_count, mine = _counted(open_reviews.reviewable_by(user))
    own = open_reviews.filter(revision__authors=user).distinct()
    own_count, own_rows = _counted(own)
    return [
        DashboardList(
            key="awaiting",
            title="Awaiting my review",
            count=mine_count,
            rows=[_review_row(review) for review in mine],
            empty="Nothing is waiting for you.",
            more_url=reverse("admin:reviews_review_changelist") + "?show=mine",
        ),
        DashboardList(
            key="not-mine",
            title="Waiting, but not for you to decide",
            count=own_count,
            rows=[
                replace(_review_row(review), note=f"You may not decide: {OWN_EDIT}")
                for review in own_rows
            ],
            empty="No review waits on anyone else because of you.",
            explanation="Nobody approves their own edit (the four-eyes rule).",
        ),
    ]


def _drafts(user) -> DashboardList:
    drafts = (
        with_workflow_state(Drug.objects.filter(edited_by(user)))
        .filter(workflow_state__in=[WorkflowState.DRAFT, WorkflowState.PUBLISHED_WITH_CHANGES])
        .order_by("-updated_at", "pk")
    )
    count, drugs = _counted(drafts)
    return DashboardList(
        key="drafts",
        title="My drafts",
        count=count,
        rows=[
            Row(
                label=drug.name,
                url=_drug_url(drug),
                detail=WorkflowState(drug.workflow_state).label,
            )
            for drug in drugs
        ],
        empty="No unsubmitted edits of yours.",
    )


def _sent_back(user) -> DashboardList:
    latest = Review.objects.filter(drug=OuterRef("drug")).order_by("-submitted_at", "-id")
    sent_back = (
        Review.objects.filter(status=Review.Status.CHANGES_REQUESTED, submitted_by=user)
        .filter(pk=latest.values("pk")[:1])
        .select_related("drug", "revision", "submitted_by")
        .prefetch_related(
            Prefetch(
                "decisions",
                Decision.objects.select_related("reviewer").order_by("-created_at", "-id"),
            )
        )
        .order_by("-closed_at", "-id")
    )
    count, reviews = _counted(sent_back)
    rows = []
    for review in reviews:
        decision = next(iter(review.decisions.all()), None)
        row = _review_row(review)
        if decision is not None:
            # The submitter may always read the comments on their own submission.
            reviewer = decision.reviewer.get_full_name() or decision.reviewer.get_username()
            row.note = f"{reviewer}: {decision.comment}" if decision.comment else reviewer
        rows.append(row)
    return DashboardList(
        key="sent-back",
        title="Sent back to me",
        count=count,
        rows=rows,
        empty="Nothing of yours was sent back.",
    )


def _overdue() -> DashboardList:
    today = timezone.localdate()
    count, drugs = _counted(drugs_overdue_for_review(today))
    return DashboardList(
        key="overdue",
        title="Overdue for re-review",
        count=count,
        rows=[
            Row(
                label=drug.name,
                url=_drug_url(drug),
                detail=f"due {drug.published_revision.next_review_due:%d %b %Y}",
            )
            for drug in drugs
        ],
        empty="Every published monograph is within its review date.",
        more_url=reverse("admin:reviews_review_overdue"),
    )


def _recently_published() -> DashboardList:
    published = (
        Revision.objects.approved()
        .select_related("drug")
        .filter(published_for__isnull=False)
        .order_by("-approved_at", "-pk")
    )
    count, revisions = _counted(published)
    return DashboardList(
        key="published",
        title="Recently published",
        count=count,
        rows=[
            Row(
                label=f"{revision.drug.name}, revision {revision.number}",
                url=_drug_url(revision.drug),
                detail=(
                    f"approved by {revision.approved_by_credit}, "
                    f"{timezone.localtime(revision.approved_at):%d %b %Y}"
                ),
            )
            for revision in revisions
        ],
        empty="Nothing is published yet.",
    )


def _reported_problems() -> DashboardList:
    count, per_drug = _counted(open_reports_per_drug())
    queue = reverse("admin:reviews_problemreport_changelist")
    return DashboardList(
        key="reported",
        title="Problems reported by readers",
        count=count,
        rows=[
            Row(
                label=row["drug__name"],
                url=f"{queue}?drug__id__exact={row['drug_id']}",
                detail=f"{row['open_count']} open report{pluralize(row['open_count'])}",
            )
            for row in per_drug
        ],
        empty="No open reports: readers have reported nothing that is not dealt with.",
        more_url=queue,
        explanation="Open (new or triaged) reports, by monograph.",
    )


def editorial_dashboard(user) -> Dashboard | None:
    """The dashboard for `user`, or None for someone outside the editorial team."""
    if not is_editorial(user):
        return None
    lists = _awaiting(user)
    if user.has_perm("reviews.submit_review"):
        lists += [_drafts(user), _sent_back(user)]
    if user.has_perm("reviews.view_problemreport"):
        lists.append(_reported_problems())
    lists += [_overdue(), _recently_published()]
    return Dashboard(lists=lists)
