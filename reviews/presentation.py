"""What the workflow screens show: comparisons, decision histories and status panels.

Nothing here writes; every function takes the viewing user so it can leave out what they may not
read (reviewer comments are for the submitter, the authors, reviewers and editors).
"""

import copy
from dataclasses import dataclass, field

from django.db.models import Prefetch

from monographs.diff import compare_documents
from monographs.models import Drug, Revision
from monographs.parts import DETAILS_KEY, REFERENCES_KEY, faq_part_key, section_part_key
from monographs.vocabulary import (
    ADDED,
    REMOVED,
    UNCHANGED,
    change_label,
    provenance_summary,
    section_title,
)
from reviews.models import (
    AuditEntry,
    Decision,
    Review,
    can_read_reviewer_comments,
    drug_workflow_state,
    person_label,
)
from reviews.progress import PartProgress, comparison_base, review_progress
from reviews.services import review_is_stale


def _review_decisions_queryset():
    return (
        Decision.objects.select_related("reviewer__reviewer_profile")
        .prefetch_related("part_verdicts")
        .order_by("-created_at", "-id")
    )


def _author_ids(revision: Revision) -> set[int]:
    return {author.pk for author in revision.authors.all()}


@dataclass
class DecisionView:
    decision: Decision
    review: Review
    reviewer_name: str
    readable: bool
    notes: list[tuple[str, str]] = field(default_factory=list)


def decision_views(reviews, user) -> list[DecisionView]:
    """Decisions on `reviews` (authors and reviewers prefetched), newest first."""
    views = []
    for review in reviews:
        readable = can_read_reviewer_comments(
            user, submitter_id=review.submitted_by_id, author_ids=_author_ids(review.revision)
        )
        titles = [section_title(section) for section in review.revision.sections]
        for decision in review.decisions.all():
            notes = []
            if readable:
                # Notes by section position: decisions from before parts were decided one by one.
                for position, note in sorted(
                    decision.section_notes.items(), key=lambda item: int(item[0])
                ):
                    index = int(position)
                    title = titles[index] if index < len(titles) else f"Section {index + 1}"
                    notes.append((title, note))
                for verdict in decision.part_verdicts.all():
                    note = f": {verdict.note}" if verdict.note else ""
                    notes.append((verdict.part_title, f"{verdict.get_outcome_display()}{note}"))
            views.append(
                DecisionView(
                    decision=decision,
                    review=review,
                    reviewer_name=person_label(decision.reviewer),
                    readable=readable,
                    notes=notes,
                )
            )
    views.sort(key=lambda view: (view.decision.created_at, view.decision.pk), reverse=True)
    return views


def drug_reviews_with_decisions(drug: Drug):
    return (
        drug.reviews.select_related("revision", "submitted_by")
        .prefetch_related("revision__authors", Prefetch("decisions", _review_decisions_queryset()))
        .order_by("-submitted_at", "-id")
    )


def preview_html(revision: Revision) -> str:
    """The article exactly as publishing this revision would assemble it (stored HTML only)."""
    preview = copy.copy(revision)
    preview.assemble_article()
    return preview.article_html


@dataclass
class PartVerdict:
    """One reviewer's verdict on a part, as those working on the review see it."""

    reviewer_name: str
    outcome: str
    note: str
    decided_at: object
    carried: bool


@dataclass
class ItemRow:
    change: object
    label: str
    old_provenance: str
    new_provenance: str
    part: PartProgress | None = None
    verdict_field: object = None
    note_field: object = None
    verdicts: list[PartVerdict] = field(default_factory=list)

    @property
    def text_changed(self) -> bool:
        """False for an item whose only change is its provenance."""
        diff = self.change.diff_html
        return self.change.status in (ADDED, REMOVED) or "<ins>" in diff or "<del>" in diff


def _verdicts(part: PartProgress | None, *, readable: bool) -> list[PartVerdict]:
    if part is None:
        return []
    return [
        PartVerdict(
            reviewer_name=person_label(decision.reviewer),
            outcome=decision.get_outcome_display(),
            note=decision.note if readable else "",
            decided_at=decision.decided_at,
            carried=decision.carried_from_id is not None,
        )
        for decision in part.decisions
    ]


def item_rows(changes, *, part_key, progress=None, form=None, readable=False) -> list[ItemRow]:
    """A row per compared item, with its part's progress and, for a reviewer, its fields."""
    rows = []
    for change in changes:
        part = progress.part(part_key(change.item_key)) if progress else None
        verdict_field = note_field = None
        if part is not None and form is not None and part.key in form.part_keys:
            verdict_field = form[form.verdict_field_name(part.key)]
            note_field = form[form.note_field_name(part.key)]
        rows.append(
            ItemRow(
                change=change,
                label=change_label(change.status),
                old_provenance=provenance_summary((change.old or {}).get("provenance")),
                new_provenance=provenance_summary((change.new or {}).get("provenance")),
                part=part,
                verdict_field=verdict_field,
                note_field=note_field,
                verdicts=_verdicts(part, readable=readable),
            )
        )
    return rows


def _whole_part_row(part: PartProgress | None, *, form, readable: bool) -> ItemRow:
    """The decision row of a part shown as a whole (the details, the references)."""
    row = ItemRow(change=None, label="", old_provenance="", new_provenance="", part=part)
    if part is not None:
        row.verdicts = _verdicts(part, readable=readable)
        if form is not None and part.key in form.part_keys:
            row.verdict_field = form[form.verdict_field_name(part.key)]
            row.note_field = form[form.note_field_name(part.key)]
    return row


def review_page_context(review: Review, *, user, form=None, may_decide: bool) -> dict:
    """Everything the review page shows for `review`, as seen by `user`."""
    base = comparison_base(review)
    comparison = compare_documents(base.content if base else None, review.revision.content)
    progress = review_progress(review, base=base)
    reviews = list(drug_reviews_with_decisions(review.drug))
    this_review = next(item for item in reviews if item.pk == review.pk)
    readable = can_read_reviewer_comments(
        user, submitter_id=review.submitted_by_id, author_ids=_author_ids(this_review.revision)
    )
    details_row = _whole_part_row(progress.part(DETAILS_KEY), form=form, readable=readable)
    return {
        "review": review,
        "revision": review.revision,
        "drug": review.drug,
        "base": base,
        "base_is_live": base is not None and base.pk == review.drug.published_revision_id,
        "comparison": comparison,
        "progress": progress,
        "field_changes": [change for change in comparison.fields if change.status != UNCHANGED],
        "details_row": details_row,
        "section_rows": item_rows(
            comparison.sections,
            part_key=section_part_key,
            progress=progress,
            form=form,
            readable=readable,
        ),
        "faq_rows": item_rows(
            comparison.faqs, part_key=faq_part_key, progress=progress, form=form, readable=readable
        ),
        # The references are one part: each is compared on its own, decided with the list.
        "reference_rows": item_rows(comparison.references, part_key=lambda _key: ""),
        "references_row": _whole_part_row(
            progress.part(REFERENCES_KEY), form=form, readable=readable
        ),
        "preview_html": preview_html(review.revision),
        "is_stale": review.is_open and review_is_stale(review),
        "newer_review": review.drug.reviews.in_review().exclude(pk=review.pk).first()
        if not review.is_open
        else None,
        "submitter_name": person_label(review.submitted_by),
        "authors": ", ".join(person_label(author) for author in this_review.revision.authors.all()),
        "decisions": decision_views(reviews, user),
        "comments": [
            (comment, person_label(comment.author))
            for comment in review.comments.select_related("author__reviewer_profile")
        ]
        if readable
        else None,
        "form": form,
        "may_decide": may_decide,
    }


@dataclass
class AuditRow:
    entry: AuditEntry
    actor_name: str
    comment: str
    comment_hidden: bool


def audit_rows(entries, user) -> list[AuditRow]:
    """Audit entries with reviewer comments left out for those who may not read them."""
    rows = []
    for entry in entries:
        review = getattr(entry.revision, "review", None) if entry.revision else None
        readable = review is not None and can_read_reviewer_comments(
            user, submitter_id=review.submitted_by_id, author_ids=_author_ids(review.revision)
        )
        hidden = bool(entry.carries_reviewer_comment and entry.comment and not readable)
        rows.append(
            AuditRow(
                entry=entry,
                actor_name=person_label(entry.actor) if entry.actor else "—",
                comment="" if hidden else entry.comment,
                comment_hidden=hidden,
            )
        )
    return rows


def audit_entries(drug: Drug):
    return drug.audit_entries.select_related(
        "actor__reviewer_profile", "revision__review"
    ).prefetch_related("revision__authors")


@dataclass
class WorkflowPanel:
    state: object
    published: Revision | None
    open_review: Review | None
    latest_review: Review | None
    decisions: list[DecisionView]
    comments_hidden: bool
    can_submit: bool
    can_withdraw: bool
    can_unpublish: bool


def workflow_panel(drug: Drug, *, user, can_submit: bool, can_unpublish: bool) -> WorkflowPanel:
    """The contributor's view of where their monograph stands and what reviewers said."""
    reviews = list(drug_reviews_with_decisions(drug)[:1])
    latest = reviews[0] if reviews else None
    open_review = latest if latest and latest.is_open else None
    decisions = decision_views(reviews, user) if latest else []
    published = (
        Revision.objects.select_related("approved_by").get(pk=drug.published_revision_id)
        if drug.published_revision_id
        else None
    )
    return WorkflowPanel(
        state=drug_workflow_state(drug),
        published=published,
        open_review=open_review,
        latest_review=latest,
        decisions=decisions,
        comments_hidden=any(not view.readable for view in decisions),
        can_submit=can_submit,
        can_withdraw=bool(open_review and open_review.submitted_by_id == user.pk),
        can_unpublish=can_unpublish and published is not None,
    )
