"""The workflow in the drug admin: status column and filter, submit, withdraw, unpublish, and
what a save does to a pending review."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monographs.models import Drug, FAQItem, Revision, Section, SectionKind
from reviews.models import AuditEntry, Review, WorkflowState
from reviews.services import (
    drug_unpublish,
    review_approve,
    review_request_changes,
    review_submit,
)
from tests.factories import (
    ContributorFactory,
    UserFactory,
    edit_section,
    monograph,
    part_key_of,
    publish,
    signed,
)
from tests.monographs.adminforms import change_form_data, section_field


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def change_url(drug) -> str:
    return reverse("admin:monographs_drug_change", args=[drug.pk])


def workflow_url(name: str, drug) -> str:
    return reverse(f"admin:monographs_drug_workflow_{name}", args=[drug.pk])


@pytest.fixture
def drugs_in_every_state(contributor, reviewer, editor):
    """One monograph in each workflow state, keyed by the state."""
    draft = monograph(name="Draftol")
    in_review = monograph(name="Reviewol")
    review_submit(drug=in_review, by=contributor)
    sent_back = monograph(name="Sentbackol")
    review_request_changes(
        review=review_submit(drug=sent_back, by=contributor), by=reviewer, comment="Sources?"
    )
    published = publish(monograph(name="Publishol"), contributor=contributor, reviewer=reviewer)
    edited = publish(monograph(name="Editedol"), contributor=contributor, reviewer=reviewer)
    edit_section(edited, by=contributor)
    unpublished = publish(monograph(name="Unpublishol"), contributor=contributor, reviewer=reviewer)
    scheduled = monograph(name="Scheduledol", sections=(SectionKind.USAGE,))
    review_approve(
        review=review_submit(drug=scheduled, by=contributor),
        by=reviewer,
        publish_at=timezone.now() + timedelta(days=1),
        signature=signed(reviewer),
    )
    drug_unpublish(drug=unpublished, by=editor)
    return {
        WorkflowState.DRAFT: draft,
        WorkflowState.IN_REVIEW: in_review,
        WorkflowState.CHANGES_REQUESTED: sent_back,
        WorkflowState.PUBLISHED: published,
        WorkflowState.PUBLISHED_WITH_CHANGES: edited,
        WorkflowState.UNPUBLISHED: unpublished,
        WorkflowState.SCHEDULED: scheduled,
    }


@pytest.mark.django_db
class WorkflowColumnTests:
    def test_changelist_shows_each_monographs_state(
        self, client, contributor, drugs_in_every_state
    ):
        """The drug list says where each monograph stands in review."""
        client.force_login(contributor)
        response = client.get(reverse("admin:monographs_drug_changelist"))
        shown = {drug.name: drug.workflow_state for drug in response.context["cl"].result_list}
        assert shown == {drug.name: state for state, drug in drugs_in_every_state.items()}
        for state in WorkflowState:
            assert state.label in response.text

    @pytest.mark.parametrize("state", list(WorkflowState))
    def test_filter_by_state(self, client, contributor, drugs_in_every_state, state):
        """Filtering the drug list by a workflow state lists exactly the monographs in it."""
        client.force_login(contributor)
        response = client.get(reverse("admin:monographs_drug_changelist"), {"workflow": state})
        names = [drug.name for drug in response.context["cl"].result_list]
        assert names == [drugs_in_every_state[state].name]

    def test_state_column_costs_no_query_per_row(self, client, contributor, reviewer):
        """The drug list costs the same number of queries for 1 monograph as for 6."""
        client.force_login(contributor)
        url = reverse("admin:monographs_drug_changelist")
        publish(monograph(name="Alphamine"), contributor=contributor, reviewer=reviewer)
        client.get(url)
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        for number in range(5):
            drug = publish(
                monograph(name=f"Betamine {number}"), contributor=contributor, reviewer=reviewer
            )
            edit_section(drug, by=contributor)
            review_submit(drug=drug, by=contributor)
        with CaptureQueriesContext(connection) as six:
            response = client.get(url)
        assert response.context["cl"].result_count == 6
        assert len(six) == len(one)


@pytest.mark.django_db
class SubmitTests:
    def test_contributor_submits_with_a_reason(self, client, contributor, draft_drug):
        """Submit for review freezes a revision carrying the contributor's reason."""
        client.force_login(contributor)
        response = client.post(workflow_url("submit", draft_drug), {"reason": "First version"})
        assert response.status_code == 302
        assert response.url == change_url(draft_drug)
        review = Review.objects.get(drug=draft_drug)
        assert review.is_open
        assert review.comment == "First version"
        assert review.submitted_by == contributor
        assert "“Cyanocobalamin” is now waiting for a medical reviewer." in messages_of(response)

    def test_get_only_asks_for_confirmation(self, client, contributor, draft_drug):
        """Opening the submit page shows a form and submits nothing."""
        client.force_login(contributor)
        response = client.get(workflow_url("submit", draft_drug))
        assert response.status_code == 200
        assert 'name="reason"' in response.text
        assert not Review.objects.exists()

    def test_submit_without_csrf_token_is_refused(self, contributor, draft_drug):
        """A cross-site form cannot submit a monograph on a contributor's behalf."""
        client = Client(enforce_csrf_checks=True)
        client.force_login(contributor)
        response = client.post(workflow_url("submit", draft_drug), {"reason": "forged"})
        assert response.status_code == 403
        assert not Review.objects.exists()

    def test_resubmitting_what_is_live_is_refused_with_a_message(
        self, client, contributor, published_drug
    ):
        """Submitting content identical to the published version creates nothing."""
        client.force_login(contributor)
        revisions = Revision.objects.count()
        response = client.post(workflow_url("submit", published_drug), {"reason": ""})
        assert response.status_code == 302
        assert messages_of(response) == [
            "Nothing to submit: the monograph matches what is published."
        ]
        assert Revision.objects.count() == revisions

    def test_submitted_edit_does_not_change_the_public_page(
        self, client, contributor, published_drug
    ):
        """A pending submission leaves the public page as the reviewer last approved it."""
        before = client.get(published_drug.get_absolute_url()).text
        edit_section(published_drug, by=contributor, body="Unreviewed claim.")
        client.force_login(contributor)
        client.post(workflow_url("submit", published_drug), {"reason": "New claim"})
        client.logout()
        after = client.get(published_drug.get_absolute_url())
        assert after.text == before
        assert "Unreviewed claim" not in after.text


@pytest.mark.django_db
class WithdrawTests:
    def test_submitter_withdraws(self, client, contributor, draft_drug):
        """The submitter can take their revision back out of the queue."""
        review = review_submit(drug=draft_drug, by=contributor)
        client.force_login(contributor)
        response = client.post(workflow_url("withdraw", draft_drug), {"comment": "Not ready"})
        assert response.status_code == 302
        review.refresh_from_db()
        assert review.status == Review.Status.WITHDRAWN
        entry = AuditEntry.objects.get(action=AuditEntry.Action.WITHDRAWN)
        assert (entry.actor, entry.comment) == (contributor, "Not ready")

    def test_other_contributor_cannot_withdraw(
        self, client, contributor, other_contributor, draft_drug
    ):
        """Only the submitter withdraws: another contributor gets a 403."""
        review = review_submit(drug=draft_drug, by=contributor)
        client.force_login(other_contributor)
        assert client.post(workflow_url("withdraw", draft_drug)).status_code == 403
        review.refresh_from_db()
        assert review.is_open

    def test_withdrawing_with_nothing_in_review_says_so(self, client, contributor, draft_drug):
        """Withdrawing when nothing is in review explains instead of failing."""
        client.force_login(contributor)
        response = client.post(workflow_url("withdraw", draft_drug))
        assert response.status_code == 302
        assert messages_of(response) == ["Nothing of this monograph is in review."]


@pytest.mark.django_db
class UnpublishTests:
    def test_editor_unpublishes(self, client, editor, published_drug):
        """An editor takes a monograph off the public site; its revisions stay."""
        client.force_login(editor)
        response = client.post(workflow_url("unpublish", published_drug), {"comment": "Recall"})
        assert response.status_code == 302
        assert client.get(published_drug.get_absolute_url()).status_code == 404
        assert published_drug.revisions.count() == 1
        entry = AuditEntry.objects.get(action=AuditEntry.Action.UNPUBLISHED)
        assert (entry.actor, entry.comment) == (editor, "Recall")

    def test_unpublishing_a_draft_is_refused_with_a_message(self, client, editor, draft_drug):
        """Unpublishing what is not published explains instead of failing."""
        client.force_login(editor)
        response = client.post(workflow_url("unpublish", draft_drug))
        assert response.status_code == 302
        assert messages_of(response) == ["This monograph is not published."]
        assert not AuditEntry.objects.filter(drug=draft_drug).exists()


@pytest.mark.django_db
class SaveDuringReviewTests:
    def test_edit_after_submission_supersedes_the_review(
        self,
        client,
        contributor,
        reviewer,
        draft_drug,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        """Saving a change while in review supersedes the revision and tells the reviewers."""
        review = review_submit(drug=draft_drug, by=contributor)
        client.force_login(contributor)
        data = change_form_data(client, draft_drug)
        data[section_field(data, 0, "body")] = "Rewritten after submission."
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(change_url(draft_drug), data)
        assert response.status_code == 302
        review.refresh_from_db()
        assert review.status == Review.Status.SUPERSEDED
        assert any("superseded" in message for message in messages_of(response))
        assert [mail.to for mail in mailoutbox] == [[reviewer.email]]
        assert "Superseded" in mailoutbox[0].subject

    def test_save_that_changes_nothing_keeps_the_review(self, client, contributor, draft_drug):
        """Saving the form unchanged creates no revision, no history and keeps the review open."""
        review = review_submit(drug=draft_drug, by=contributor)
        client.force_login(contributor)
        counts = (
            Revision.objects.count(),
            Drug.history.count(),
            Section.history.count(),
            FAQItem.history.count(),
        )
        response = client.post(change_url(draft_drug), change_form_data(client, draft_drug))
        assert response.status_code == 302
        review.refresh_from_db()
        assert review.is_open
        assert counts == (
            Revision.objects.count(),
            Drug.history.count(),
            Section.history.count(),
            FAQItem.history.count(),
        )


@pytest.mark.django_db
class StatusPanelTests:
    @pytest.fixture
    def sent_back(self, contributor, reviewer, draft_drug):
        review = review_submit(drug=draft_drug, by=contributor)
        review_request_changes(
            review=review,
            by=reviewer,
            comment="Please cite the dosage source.",
            part_notes={part_key_of(review, "dosage"): "Which guideline is this?"},
        )
        return draft_drug

    def test_submitter_sees_state_and_reviewer_comments(self, client, contributor, sent_back):
        """The contributor sees their monograph was sent back, with the comment and notes."""
        client.force_login(contributor)
        response = client.get(change_url(sent_back))
        assert "Changes requested" in response.text
        assert "Please cite the dosage source." in response.text
        assert "Which guideline is this?" in response.text
        assert 'action="{}"'.format(workflow_url("submit", sent_back)) in response.text

    def test_editor_sees_reviewer_comments(self, client, editor, sent_back):
        """Editors read reviewer comments on any monograph."""
        client.force_login(editor)
        response = client.get(change_url(sent_back))
        assert "Please cite the dosage source." in response.text

    def test_uninvolved_contributor_does_not_see_reviewer_comments(
        self, client, other_contributor, sent_back
    ):
        """A contributor who neither submitted nor edited the revision sees the state only."""
        client.force_login(other_contributor)
        response = client.get(change_url(sent_back))
        assert "Changes requested" in response.text
        assert "Please cite the dosage source." not in response.text
        assert "Which guideline is this?" not in response.text

    def test_withdraw_button_only_for_the_submitter(
        self, client, contributor, other_contributor, draft_drug
    ):
        """Only the submitter is offered to withdraw; only editors to unpublish."""
        review_submit(drug=draft_drug, by=contributor)
        client.force_login(contributor)
        assert workflow_url("withdraw", draft_drug) in client.get(change_url(draft_drug)).text
        client.force_login(other_contributor)
        page = client.get(change_url(draft_drug)).text
        assert workflow_url("withdraw", draft_drug) not in page
        assert workflow_url("unpublish", draft_drug) not in page

    def test_reviewer_is_not_offered_to_submit(self, client, reviewer, published_drug):
        """A reviewer (view only) sees the state but no submit form."""
        client.force_login(reviewer)
        response = client.get(change_url(published_drug))
        assert response.status_code == 200
        assert "Published" in response.text
        assert workflow_url("submit", published_drug) not in response.text


@pytest.mark.django_db
class ForgedPostTests:
    def test_approval_fields_posted_with_an_edit_are_ignored(
        self, client, contributor, reviewer, published_drug
    ):
        """Posting approval or publication fields with an edit changes none of them."""
        client.force_login(contributor)
        live = published_drug.published_revision
        edit_section(published_drug, by=contributor)
        pending = review_submit(drug=published_drug, by=contributor)
        data = change_form_data(client, published_drug)
        data.update(
            {
                "published_revision": str(pending.revision.pk),
                "approved_by": str(contributor.pk),
                "approved_at": "2020-01-01 00:00",
                "status": "approved",
                section_field(data, 0, "approved_by"): str(contributor.pk),
                section_field(data, 0, "body_html"): "<script>alert(1)</script>",
            }
        )
        response = client.post(change_url(published_drug), data)
        assert response.status_code == 302
        published_drug.refresh_from_db()
        pending.revision.refresh_from_db()
        pending.refresh_from_db()
        assert published_drug.published_revision == live
        assert pending.revision.approved_by is None
        assert pending.is_open
        assert "<script>" not in published_drug.sections.order_by("position")[0].body_html

    def test_inline_row_without_add_permission_is_not_created(self, client, published_drug):
        """A user who may edit sections but not add FAQ items cannot add one by forging a row."""
        user = UserFactory(username="sectioneer", is_staff=True)
        from django.contrib.auth.models import Permission

        user.user_permissions.add(
            *Permission.objects.filter(
                codename__in=[
                    "view_drug",
                    "change_drug",
                    "view_section",
                    "change_section",
                    "view_faqitem",
                ],
            )
        )
        client.force_login(user)
        data = change_form_data(client, published_drug)
        faq_prefix = next(key for key in data if key.endswith("TOTAL_FORMS") and "faq" in key)
        prefix = faq_prefix.removesuffix("-TOTAL_FORMS")
        total = int(data[faq_prefix])
        data.update(
            {
                faq_prefix: str(total + 1),
                f"{prefix}-{total}-question": "Forged question?",
                f"{prefix}-{total}-answer": "Forged answer.",
                f"{prefix}-{total}-position": "9",
                f"{prefix}-{total}-origin": "professional",
            }
        )
        client.post(change_url(published_drug), data)
        assert not FAQItem.objects.filter(question="Forged question?").exists()

    def test_contributor_cannot_post_a_decision(self, client, contributor, draft_drug):
        """A contributor forging an approval gets a 403 and nothing changes."""
        other = ContributorFactory(username="submitter")
        review = review_submit(drug=draft_drug, by=other)
        client.force_login(contributor)
        response = client.post(
            reverse("admin:reviews_review_decide", args=[review.pk]), {"outcome": "approve"}
        )
        assert response.status_code == 403
        review.refresh_from_db()
        draft_drug.refresh_from_db()
        assert review.is_open
        assert draft_drug.published_revision is None


@pytest.mark.django_db
class PublishedAddressTests:
    def test_view_on_site_is_the_published_address(self, client, contributor, reviewer):
        """ "View on site" goes where the public sees the page, not to a slug still in review."""
        drug = publish(monograph(name="Sitelinkol"), contributor=contributor, reviewer=reviewer)
        client.force_login(contributor)
        data = change_form_data(client, drug)
        data["slug"] = "sitelinkol-renamed"
        assert client.post(change_url(drug), data).status_code == 302
        html = client.get(change_url(drug)).content.decode()
        assert 'href="/drugs/sitelinkol/" class="viewsitelink"' in html
        assert "/drugs/sitelinkol-renamed/" not in html

    def test_unpublished_monograph_has_no_view_on_site_link(self, client, contributor):
        """A monograph the public cannot see has no public page to link to."""
        drug = monograph(name="Hiddenol")
        client.force_login(contributor)
        assert "viewsitelink" not in client.get(change_url(drug)).content.decode()

    def test_slug_another_monograph_is_published_at_is_refused(self, client, contributor, reviewer):
        """A working copy cannot take the address another monograph is still published at."""
        first = publish(monograph(name="Firstol"), contributor=contributor, reviewer=reviewer)
        first.slug = "firstol-moving"  # its rename waits for review
        first.save()
        second = monograph(name="Secondol")
        client.force_login(contributor)
        data = change_form_data(client, second)
        data["slug"] = "firstol"
        response = client.post(change_url(second), data)
        assert response.status_code == 200
        assert "Another monograph is published at this address" in response.content.decode()
        second.refresh_from_db()
        assert second.slug == "secondol"
