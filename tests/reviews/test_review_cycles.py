"""Review cycles per part: re-confirming a live part, the per-part due list, and reminders."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from monographs.models import Reconfirmation
from reviews.attestation import attestation_text
from reviews.cycles import part_reconfirm, review_reminders_send
from reviews.exceptions import (
    IllegalTransition,
    NotPermitted,
    OwnEditApproval,
    PolicyRefusal,
    ReviewError,
)
from reviews.models import AuditEntry, ReviewReminder
from tests.factories import (
    edit_section,
    make_credentialed_reviewer,
    monograph,
    publish,
    signed,
    signing,
)


@pytest.fixture
def live(contributor, reviewer, other_reviewer):
    return publish(
        monograph(name="Cyclamine"),
        contributor=contributor,
        reviewer=reviewer,
        second_reviewer=other_reviewer,
    )


def live_part(drug, kind):
    drug.refresh_from_db()
    return drug.published_revision.reviewed_parts.get(kind=kind)


@pytest.mark.django_db
class ReconfirmTests:
    def test_reconfirming_moves_the_dates_on(self, live, other_reviewer):
        """A re-confirmed part is reviewed today by the re-confirmer, next due a cycle later."""
        part = live_part(live, "usage")
        later = timezone.now() + timedelta(days=400)
        with time_machine.travel(later, tick=False):
            part_reconfirm(
                part=part,
                by=other_reviewer,
                note="Checked against the label.",
                signature=signed(other_reviewer),
            )
        part.refresh_from_db()
        assert part.reviewed_at == later
        assert part.credit_names == [f"{other_reviewer.get_full_name()}, MD"]
        assert part.next_review_due == timezone.localdate(later).replace(
            year=timezone.localdate(later).year + 2
        )
        entry = live.audit_entries.get(action=AuditEntry.Action.RECONFIRMED)
        assert "Usage: reviewed, no change" in entry.comment
        assert "Checked against the label." in entry.comment
        assert Reconfirmation.objects.get(drug=live).title == "Usage"

    def test_reconfirming_moves_the_monographs_first_due_date(self, live, other_reviewer):
        """The monograph's next review date is its earliest part's, after a re-confirmation."""
        part = live_part(live, "dosage")
        with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
            part_reconfirm(part=part, by=other_reviewer, signature=signed(other_reviewer))
        live.refresh_from_db()
        usage_due = live_part(live, "usage").next_review_due
        assert live.published_revision.next_review_due == min(
            live_part(live, "dosage").next_review_due, usage_due
        )

    def test_an_author_cannot_reconfirm(self, live, contributor):
        """Whoever edited the live revision may not re-confirm its parts."""
        make_credentialed_reviewer(contributor)
        author = type(contributor).objects.get(pk=contributor.pk)
        with pytest.raises(OwnEditApproval):
            part_reconfirm(part=live_part(live, "usage"), by=author, signature=signed(author))

    def test_a_contributor_cannot_reconfirm(self, live, other_contributor):
        """Only credentialed reviewers re-confirm."""
        with pytest.raises(NotPermitted):
            part_reconfirm(
                part=live_part(live, "usage"),
                by=other_contributor,
                signature=signed(other_contributor),
            )

    def test_policy_profession_applies(self, settings, live, other_reviewer):
        """A part whose policy names a profession needs one to re-confirm it."""
        settings.MEDREF_REVIEW_POLICY = {
            **settings.MEDREF_REVIEW_POLICY,
            "kinds": {"dosage": {"risk": "high", "professions": ["pharmacist"]}},
        }
        with pytest.raises(PolicyRefusal, match="needs a pharmacist"):
            part_reconfirm(
                part=live_part(live, "dosage"), by=other_reviewer, signature=signed(other_reviewer)
            )

    def test_a_part_no_longer_live_is_refused(self, live, contributor, reviewer, other_reviewer):
        """Re-confirming a part of a revision that was since replaced is refused."""
        old = live_part(live, "usage")
        edit_section(live, "Used for more.", by=contributor, position=0)
        publish(live, contributor=contributor, reviewer=reviewer)
        with pytest.raises(IllegalTransition, match="no longer live"):
            part_reconfirm(part=old, by=other_reviewer, signature=signed(other_reviewer))


@pytest.mark.django_db
class DueListTests:
    def test_overdue_parts_listed_with_reconfirm(self, client, live, other_reviewer):
        """After its date, the part appears as overdue and a reviewer can re-confirm it."""
        url = reverse("admin:reviews_review_overdue")
        with time_machine.travel(timezone.now() + timedelta(days=380), tick=False):
            client.force_login(other_reviewer)
            page = client.get(url).content.decode()
            assert "Cyclamine" in page
            assert "Reviewed, no change" in page
            dosage = live_part(live, "dosage")
            confirm_url = reverse("admin:reviews_review_reconfirm", args=[dosage.pk])
            form = client.get(confirm_url).content.decode()
            assert "The text as readers see it" in form
            assert "I have no undeclared conflict of interest." in form
            response = client.post(confirm_url, {"note": "Checked the SmPC.", **signing()})
        assert response.status_code == 302
        dosage.refresh_from_db()
        assert dosage.credit_names == [f"{other_reviewer.get_full_name()}, MD"]
        reconfirmation = Reconfirmation.objects.get(part_key=dosage.key)
        assert reconfirmation.attestation == attestation_text()
        assert reconfirmation.signature_method == "password"
        assert reconfirmation.content_hash == dosage.content_hash
        entry = AuditEntry.objects.get(action=AuditEntry.Action.RECONFIRMED)
        assert entry.details["attestation"] == attestation_text()
        assert "Checked the SmPC." in entry.comment

    def test_reconfirming_unsigned_is_refused_and_changes_nothing(
        self, client, live, other_reviewer
    ):
        dosage = live_part(live, "dosage")
        client.force_login(other_reviewer)
        confirm_url = reverse("admin:reviews_review_reconfirm", args=[dosage.pk])
        response = client.post(confirm_url, {"note": "Looks fine.", **signing("wrong")})
        assert response.status_code == 400
        assert "Looks fine." in response.content.decode()
        assert not Reconfirmation.objects.exists()
        with pytest.raises(ReviewError, match="signed attestation"):
            part_reconfirm(part=dosage, by=other_reviewer, signature=None)

    def test_forged_reconfirm_by_contributor_is_refused(self, client, live, other_contributor):
        """A contributor POSTing a re-confirmation gets 403 and nothing changes."""
        other_contributor.user_permissions.add(Permission.objects.get(codename="view_review"))
        client.force_login(other_contributor)
        dosage = live_part(live, "dosage")
        response = client.post(reverse("admin:reviews_review_reconfirm", args=[dosage.pk]))
        assert response.status_code == 403
        assert not Reconfirmation.objects.exists()


@pytest.mark.django_db
class ReminderTests:
    def test_reminders_are_sent_once_per_part_per_cycle(self, live, reviewer, other_reviewer):
        """Parts due within the window are reminded once; a second run sends nothing."""
        soon = timezone.localdate() + timedelta(days=350)
        mail.outbox.clear()
        run = review_reminders_send(today=soon, within_days=30)
        # Dosage (high risk, 12 months) is due; usage, details and the FAQ (24 months) are not.
        assert run.parts_reminded == 1
        subjects = {message.subject for message in mail.outbox}
        assert subjects == {"[MedRef] Review due: Cyclamine, Dosage"}
        assert {message.to[0] for message in mail.outbox} == {reviewer.email, other_reviewer.email}
        assert review_reminders_send(today=soon, within_days=30).parts_reminded == 0
        assert ReviewReminder.objects.count() == 1

    def test_overdue_part_is_reminded_and_a_new_cycle_reminds_again(self, live, other_reviewer):
        """Overdue parts are reminded; after a re-confirmation the next cycle is reminded anew."""
        late = timezone.now() + timedelta(days=800)
        assert review_reminders_send(today=timezone.localdate(late), within_days=0).parts_reminded
        assert "overdue" in mail.outbox[-1].body
        with time_machine.travel(late, tick=False):
            part_reconfirm(
                part=live_part(live, "usage"), by=other_reviewer, signature=signed(other_reviewer)
            )
        next_cycle = timezone.localdate(late) + timedelta(days=731)
        reminded = ReviewReminder.objects.count()
        review_reminders_send(today=next_cycle, within_days=0)
        assert ReviewReminder.objects.count() > reminded

    def test_command_reports_what_it_did(self, live, capsys):
        """The cron command says how many parts it reminded of."""
        call_command("send_review_reminders", "--days", "0")
        assert "Reminded the reviewers of 0 part(s)" in capsys.readouterr().out
