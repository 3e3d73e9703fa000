"""Where a review stands part by part: what changed, who approved it, what it still needs.

Read-only. The services (reviews/services.py) build it under their locks to decide; the review
page and the queue build it to show the same thing.
"""

from dataclasses import dataclass, field

from monographs.models import Revision
from monographs.parts import PartChange, changed_parts
from monographs.vocabulary import REMOVED
from reviews.models import PartDecision, Review, reviewer_credit
from reviews.policy import Approver, Requirement, requirement_for


def comparison_base(review: Review) -> Revision | None:
    """What a review is decided against: what is live, or for a closed review, what was."""
    if review.is_open:
        return review.drug.published_revision
    return (
        Revision.objects.approved()
        .filter(drug_id=review.drug_id, number__lt=review.revision.number)
        .order_by("-number")
        .first()
    )


def approver(user) -> Approver:
    profile = getattr(user, "reviewer_profile", None)
    return Approver(user_id=user.pk, profession=profile.profession if profile else "")


@dataclass
class PartProgress:
    """One changed part: its change, what approving it needs, and the verdicts on it."""

    change: PartChange
    requirement: Requirement
    decisions: list[PartDecision] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.change.key

    @property
    def title(self) -> str:
        return self.change.part.title

    @property
    def approvals(self) -> list[PartDecision]:
        return [decision for decision in self.decisions if decision.is_approval]

    @property
    def requests(self) -> list[PartDecision]:
        return [decision for decision in self.decisions if not decision.is_approval]

    @property
    def approvers(self) -> list[Approver]:
        return [approver(decision.reviewer) for decision in self.approvals]

    @property
    def missing_reference(self) -> str:
        """Why the policy refuses any approval of this change for want of a citation ("")."""
        if self.change.status == REMOVED or not self.change.part.is_section:
            return ""
        return self.requirement.reference_refusal(self.change.part.citations)

    @property
    def is_approved(self) -> bool:
        return (
            not self.requests
            and not self.missing_reference
            and self.requirement.is_met(self.approvers)
        )

    @property
    def is_sent_back(self) -> bool:
        return bool(self.requests)

    @property
    def still_needed(self) -> str:
        """E.g. "1 of 2 approvals; needs a pharmacist or prescriber" ("" when approved)."""
        if self.requests:
            return "changes requested"
        needed = self.requirement.still_needed(self.approvers)
        if self.missing_reference:
            needed = "; ".join(filter(None, [needed, "needs a cited reference"]))
        return needed

    @property
    def credits(self) -> list[dict]:
        """Each approver's name and public page, as `ReviewedPart.credits` records them."""
        credits = [reviewer_credit(decision.reviewer) for decision in self.approvals]
        return [credit for credit in credits if credit["name"]]

    def decided_by(self, user) -> PartDecision | None:
        return next((d for d in self.decisions if d.reviewer_id == user.pk), None)

    def refusal(self, user) -> str:
        """Why `user` may not approve this part now ("" if they may); the person-level rules
        (`Review.decide_refusal`) are checked apart."""
        if self.decided_by(user) is not None and not self.decided_by(user).is_approval:
            return "You have asked for changes to it."
        return self.missing_reference or self.requirement.refusal(self.approvers, approver(user))


@dataclass
class ReviewProgress:
    """Every changed part of a review's revision, in the document's order."""

    parts: list[PartProgress]

    def part(self, key: str) -> PartProgress | None:
        return next((part for part in self.parts if part.key == key), None)

    @property
    def is_complete(self) -> bool:
        """Every changed part has the approvals its policy needs, and none was sent back."""
        return all(part.is_approved for part in self.parts)

    @property
    def is_sent_back(self) -> bool:
        return any(part.is_sent_back for part in self.parts)

    @property
    def approved_count(self) -> int:
        return sum(part.is_approved for part in self.parts)

    @property
    def summary(self) -> str:
        """E.g. "2 of 3 changed parts approved; Dosage: 1 of 2 approvals"."""
        if not self.parts:
            return "No part changed."
        if self.is_sent_back:
            return "Changes requested"
        done = f"{self.approved_count} of {len(self.parts)} changed parts approved"
        waiting = [f"{part.title}: {part.still_needed}" for part in self.parts if part.still_needed]
        return "; ".join([done, *waiting])

    def approvable_by(self, user) -> list[PartProgress]:
        return [part for part in self.parts if not part.is_approved and not part.refusal(user)]


def review_progress(
    review: Review, *, base: Revision | None = None, decisions=None
) -> ReviewProgress:
    """Build the progress of `review` against `base` (by default, its comparison base).

    `decisions` may be given prefetched (with their reviewers' profiles): the queue builds
    the progress of many reviews without a query each.
    """
    if base is None:
        base = comparison_base(review)
    if decisions is None:
        decisions = review.part_decisions.select_related("reviewer__reviewer_profile")
    by_part: dict[tuple[str, str], list[PartDecision]] = {}
    for decision in decisions:
        by_part.setdefault((decision.part_key, decision.part_hash), []).append(decision)
    parts = [
        PartProgress(
            change=change,
            requirement=requirement_for(change.part.kind),
            decisions=by_part.get((change.key, change.content_hash), []),
        )
        for change in changed_parts(base.content if base else None, review.revision.content)
    ]
    return ReviewProgress(parts=parts)
