"""The review policy in settings: what it asks of an approval, and how a bad one is refused."""

from datetime import date

import pytest

from reviews.checks import review_policy_is_valid
from reviews.policy import Approver, add_months, requirement_for


class PolicyTests:
    def test_default_policy_passes_its_check(self):
        """The shipped policy raises no system check error."""
        assert review_policy_is_valid(None) == []

    def test_unknown_risk_class_and_profession_are_errors(self, settings):
        """A kind naming a class or a profession that does not exist stops the site starting."""
        settings.MEDREF_REVIEW_POLICY = {
            **settings.MEDREF_REVIEW_POLICY,
            "kinds": {"dosage": {"risk": "extreme", "professions": ["astrologer"]}},
        }
        messages = [error.msg for error in review_policy_is_valid(None)]
        assert "Kind 'dosage' names an unknown risk class 'extreme'." in messages
        assert "Kind 'dosage' names unknown professions: astrologer." in messages

    def test_remaining_approval_must_come_from_the_profession(self, settings):
        """With one approval left and no pharmacist yet, only a pharmacist may give it."""
        settings.MEDREF_REVIEW_POLICY = {
            **settings.MEDREF_REVIEW_POLICY,
            "kinds": {"dosage": {"risk": "high", "professions": ["pharmacist", "prescriber"]}},
        }
        requirement = requirement_for("dosage")
        nurse = [Approver(user_id=1, profession="nurse")]
        assert requirement.still_needed(nurse) == (
            "1 of 2 approvals; needs a pharmacist or prescriber"
        )
        assert "must come from a pharmacist or prescriber" in requirement.refusal(
            nurse, Approver(user_id=2, profession="nurse")
        )
        assert requirement.refusal(nurse, Approver(user_id=2, profession="physician")) == ""
        assert requirement.refusal(nurse, Approver(user_id=2, profession="nurse_prescriber")) == ""
        assert requirement.is_met([*nurse, Approver(user_id=2, profession="pharmacist")])

    @pytest.mark.parametrize(
        ("day", "months", "expected"),
        [
            (date(2026, 1, 31), 1, date(2026, 2, 28)),
            (date(2026, 12, 2), 12, date(2027, 12, 2)),
            (date(2024, 2, 29), 24, date(2026, 2, 28)),
        ],
    )
    def test_months_are_added_by_the_calendar(self, day, months, expected):
        """A review due "in N months" lands on the same day, or the month's last."""
        assert add_months(day, months) == expected
