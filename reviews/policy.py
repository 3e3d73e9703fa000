"""What an approval of a part needs, by its clinical risk: `settings.MEDREF_REVIEW_POLICY`.

The policy names risk classes (how many approvals from different reviewers, how often a part
is reviewed again) and gives each section kind a class, and optionally professions one of its
approvals must come from, and whether a changed section of that kind must cite a reference
(`"requires_reference": True`) before it can be approved. FAQ items are kind "faq", the
monograph's details "details", the list of references "references".
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

PROFESSION_NOUNS = {
    "physician": "physician",
    "pharmacist": "pharmacist",
    "nurse": "nurse",
    "nurse_prescriber": "nurse prescriber",
    "other": "other health professional",
    "prescriber": "prescriber",
}
# A policy may name a group of professions: "prescriber" is any profession that prescribes.
PROFESSION_GROUPS = {"prescriber": frozenset({"physician", "nurse_prescriber"})}


@dataclass(frozen=True)
class Approver:
    """Who approved a part, as the policy sees them."""

    user_id: int
    profession: str


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


@dataclass(frozen=True)
class Requirement:
    """What approving one part needs."""

    risk: str
    approvals: int
    review_interval_months: int
    professions: tuple[str, ...] = ()
    requires_reference: bool = False

    @property
    def is_high_risk(self) -> bool:
        return self.approvals > 1

    @property
    def professions_phrase(self) -> str:
        """ "a pharmacist or prescriber" (empty when any reviewer will do)."""
        nouns = [PROFESSION_NOUNS.get(name, name) for name in self.professions]
        if not nouns:
            return ""
        return f"{_article(nouns[0])} {' or '.join(nouns)}"

    def accepts(self, profession: str) -> bool:
        """Whether an approval from `profession` meets the professions asked for."""
        return any(profession in PROFESSION_GROUPS.get(name, {name}) for name in self.professions)

    def _has_profession(self, approvers: list[Approver]) -> bool:
        return not self.professions or any(self.accepts(a.profession) for a in approvers)

    def is_met(self, approvers: list[Approver]) -> bool:
        return len(approvers) >= self.approvals and self._has_profession(approvers)

    def still_needed(self, approvers: list[Approver]) -> str:
        """What the part still needs, e.g. "1 of 2 approvals; needs a pharmacist" ("" if none)."""
        if self.is_met(approvers):
            return ""
        needs = [f"{len(approvers)} of {self.approvals} approval{'s' * (self.approvals > 1)}"]
        if not self._has_profession(approvers):
            needs.append(f"needs {self.professions_phrase}")
        return "; ".join(needs)

    def refusal(self, approvers: list[Approver], candidate: Approver) -> str:
        """Why `candidate` may not add an approval to `approvers` ("" if they may)."""
        if any(approver.user_id == candidate.user_id for approver in approvers):
            return "You have already approved it; another reviewer must give the next approval."
        if self.is_met(approvers):
            return "It already has the approvals it needs."
        slots_left = self.approvals - len(approvers)
        if (
            slots_left <= 1
            and not self._has_profession(approvers)
            and not self.accepts(candidate.profession)
        ):
            return f"Its remaining approval must come from {self.professions_phrase}."
        return ""

    def reference_refusal(self, citations: tuple[int, ...]) -> str:
        """Why a changed part citing `citations` cannot be approved yet ("" if it can)."""
        if self.requires_reference and not citations:
            return (
                "It cites no reference. A change to this section needs at least one cited "
                "reference (e.g. [1], listed under References) before it can be approved; "
                "ask its contributors to add one."
            )
        return ""

    def next_review_due(self, reviewed_at: datetime) -> date:
        """The day this part is next due for review, if reviewed at `reviewed_at`."""
        return add_months(timezone.localdate(reviewed_at), self.review_interval_months)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day if it is shorter (31 Jan → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def requirement_for(kind: str) -> Requirement:
    """What approving a part of `kind` needs under the configured policy."""
    policy = settings.MEDREF_REVIEW_POLICY
    rule = policy.get("kinds", {}).get(kind, {})
    risk = rule.get("risk", policy.get("default_risk", "standard"))
    risk_class = policy["risk_classes"][risk]
    return Requirement(
        risk=risk,
        approvals=int(risk_class.get("approvals", 1)),
        review_interval_months=int(risk_class.get("review_interval_months", 24)),
        professions=tuple(rule.get("professions", ())),
        requires_reference=bool(rule.get("requires_reference", False)),
    )


def without_reference_rule(policy: dict) -> dict:
    """`policy` with no kind requiring a cited reference (for content that has none yet)."""
    kinds = {
        kind: {name: value for name, value in rule.items() if name != "requires_reference"}
        for kind, rule in (policy.get("kinds") or {}).items()
    }
    return {**policy, "kinds": kinds}


def policy_errors() -> list[str]:
    """What is wrong with the configured policy (for the system check)."""
    policy = settings.MEDREF_REVIEW_POLICY
    errors = []
    classes = policy.get("risk_classes") or {}
    if not classes:
        return ["MEDREF_REVIEW_POLICY has no risk_classes."]
    for name, risk_class in classes.items():
        if int(risk_class.get("approvals", 1)) < 1:
            errors.append(f"Risk class {name!r} must need at least one approval.")
        if int(risk_class.get("review_interval_months", 24)) < 1:
            errors.append(f"Risk class {name!r} must be reviewed again after a month or more.")
    if policy.get("default_risk", "standard") not in classes:
        errors.append(
            f"The default risk {policy.get('default_risk', 'standard')!r} is not a class."
        )
    for kind, rule in (policy.get("kinds") or {}).items():
        if rule.get("risk", policy.get("default_risk", "standard")) not in classes:
            errors.append(f"Kind {kind!r} names an unknown risk class {rule.get('risk')!r}.")
        if not isinstance(rule.get("requires_reference", False), bool):
            errors.append(f"Kind {kind!r}: requires_reference must be True or False.")
        unknown = set(rule.get("professions", ())) - set(PROFESSION_NOUNS)
        if unknown:
            errors.append(f"Kind {kind!r} names unknown professions: {', '.join(sorted(unknown))}.")
    return errors
