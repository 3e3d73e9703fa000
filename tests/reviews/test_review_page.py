"""The review page: what changed against what is live, and the reviewer's decision."""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monographs.models import Drug, FAQItem, Origin, SectionKind
from reviews.models import AuditEntry, Decision, PartDecision, Review
from reviews.services import (
    review_approve,
    review_decide_parts,
    review_request_changes,
    review_submit,
)
from tests.conftest import AxesClient
from tests.factories import (
    ContributorFactory,
    FAQItemFactory,
    ReviewerFactory,
    SectionFactory,
    edit_section,
    monograph,
    part_key_of,
    publish,
    signed,
    signing,
)
from tests.pagechecks import assert_page_inert


def review_url(review) -> str:
    return reverse("admin:reviews_review_change", args=[review.pk])


def decide_url(review) -> str:
    return reverse("admin:reviews_review_decide", args=[review.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def changed_review(contributor, reviewer):
    """A published monograph with one section changed, one added, one removed, one untouched,
    a changed FAQ and a provenance change, submitted for review."""
    drug = monograph(
        name="Diffamine",
        sections=[SectionKind.USAGE, SectionKind.DOSAGE, SectionKind.PRECAUTIONS],
        faqs=1,
    )
    sections = list(drug.sections.order_by("position"))
    sections[0].body = "Used for tired nerves."
    sections[0].save()
    publish(drug, contributor=contributor, reviewer=reviewer)

    sections[0].body = "Used for damaged nerves."
    sections[0]._history_user = contributor
    sections[0].save()
    sections[1].origin = Origin.PROFESSIONAL
    sections[1].ai_tool = ""
    sections[1]._history_user = contributor
    sections[1].save()
    sections[2]._history_user = contributor
    sections[2].delete()
    SectionFactory(drug=drug, kind=SectionKind.INTERACTIONS, body="Avoid with alcohol.", position=5)
    faq = drug.faqs.get()
    faq.answer = "An *answer*, clearer."
    faq._history_user = contributor
    faq.save()
    drug.generic_name = "diffamine sodium"
    drug._history_user = contributor
    drug.save()
    return review_submit(drug=drug, by=contributor, comment="Sharper usage")


@pytest.mark.django_db
class ReviewPageTests:
    def test_each_section_is_labelled_with_what_happened_to_it(
        self, client, reviewer, changed_review
    ):
        """Sections are shown as changed, new, removed or unchanged against the live version."""
        client.force_login(reviewer)
        response = client.get(review_url(changed_review))
        assert response.status_code == 200
        statuses = {row.change.title: row.label for row in response.context["section_rows"]}
        assert statuses == {
            "Usage": "Changed",
            "Dosage": "Changed",
            "Interactions": "New",
            "Precautions": "Removed",
        }

    def test_words_changed_are_marked(self, client, reviewer, changed_review):
        """The diff marks the removed and the added words, not whole paragraphs."""
        client.force_login(reviewer)
        page = client.get(review_url(changed_review)).text
        assert "Used for <del>tired</del><ins>damaged</ins> nerves." in page

    def test_field_faq_and_provenance_changes_are_shown(self, client, reviewer, changed_review):
        """Drug fields, FAQ answers and provenance changes are all in front of the reviewer."""
        client.force_login(reviewer)
        response = client.get(review_url(changed_review))
        page = response.text
        assert [change.label for change in response.context["field_changes"]] == ["Generic name"]
        assert "diffamine<ins> sodium</ins>" in page
        assert "An *answer*<ins>, clearer</ins>." in page
        assert "Provenance changed." in page
        assert "Was: AI-generated or crowd-sourced. Now: Written by a professional." in page
        rows = {row.change.title: row for row in response.context["section_rows"]}
        assert (rows["Dosage"].text_changed, rows["Usage"].text_changed) == (False, True)
        assert "The text is unchanged." in page

    def test_slug_change_is_in_front_of_the_reviewer(self, client, reviewer, contributor):
        """A new address is content under review: the field diff shows the slug change."""
        drug = publish(monograph(name="Slugamine"), contributor=contributor, reviewer=reviewer)
        drug.slug = "slugamine-new"
        drug.save()
        review = review_submit(drug=drug, by=contributor)
        client.force_login(reviewer)
        response = client.get(review_url(review))
        assert [change.label for change in response.context["field_changes"]] == ["Address (slug)"]
        assert "slugamine<ins>-new</ins>" in response.text

    def test_component_names_frozen_for_the_page_are_shown(self, client, reviewer, contributor):
        """The reviewer sees the component names the published page will carry."""
        component = monograph(name="Namedcomponent")
        combo = monograph(name="Namedcomponent + Other")
        combo.components.add(component)
        review = review_submit(drug=combo, by=contributor)
        component.name = "Renamed later"
        component.save()
        client.force_login(reviewer)
        page = client.get(review_url(review)).text
        assert "Namedcomponent (namedcomponent)" in page
        assert "Renamed later" not in page

    def test_preview_shows_the_rendered_result(self, client, reviewer, changed_review):
        """The reviewer sees the sanitized rendering of the revision, as readers will."""
        client.force_login(reviewer)
        response = client.get(review_url(changed_review))
        assert "Used for damaged nerves." in response.context["preview_html"]
        assert "Avoid with alcohol." in response.context["preview_html"]
        assert "Used for damaged nerves." in response.text

    def test_never_published_monograph_is_all_new(self, client, reviewer, contributor):
        """Against nothing published, every section is new."""
        review = review_submit(drug=monograph(name="Newamine"), by=contributor)
        client.force_login(reviewer)
        response = client.get(review_url(review))
        assert {row.label for row in response.context["section_rows"]} == {"New"}
        assert "has never been published" in response.text

    def test_edit_after_submission_shows_a_banner(
        self, client, reviewer, contributor, changed_review
    ):
        """When the working copy changed after submission, the reviewer is warned."""
        edit_section(changed_review.drug, by=contributor, body="Sneaky late edit.")
        client.force_login(reviewer)
        page = client.get(review_url(changed_review)).text
        assert "The working copy changed after submission." in page
        assert "Sneaky late edit." not in page

    def test_superseded_review_shows_a_banner_and_no_form(
        self, client, reviewer, contributor, changed_review
    ):
        """A superseded revision says so, points to the newer one, and offers no decision."""
        edit_section(changed_review.drug, by=contributor, body="Later edit.")
        newer = review_submit(drug=changed_review.drug, by=contributor)
        client.force_login(reviewer)
        page = client.get(review_url(changed_review)).text
        assert "Superseded." in page
        assert review_url(newer) in page
        assert decide_url(changed_review) not in page

    def test_page_query_count_does_not_grow_with_sections(self, client, reviewer, contributor):
        """The review page costs the same queries for 1 section as for 10."""

        def submitted(name, sections):
            drug = monograph(name=name, sections=[SectionKind.USAGE] * sections, faqs=sections)
            return review_submit(drug=drug, by=contributor)

        client.force_login(reviewer)
        small, large = submitted("Smallamine", 1), submitted("Largeamine", 10)
        client.get(review_url(small))
        with CaptureQueriesContext(connection) as one:
            client.get(review_url(small))
        with CaptureQueriesContext(connection) as ten:
            response = client.get(review_url(large))
        assert len(response.context["section_rows"]) == 10
        assert len(ten) == len(one)

    def test_page_query_count_does_not_grow_with_reviewers(self, client, contributor):
        """The review page costs the same queries after one reviewer's verdicts as after three."""

        def approved_in_part_by(name, count):
            drug = monograph(
                name=name, sections=[SectionKind.DOSAGE, SectionKind.INTERACTIONS], faqs=0
            )
            review = review_submit(drug=drug, by=contributor)
            dosage = part_key_of(review, SectionKind.DOSAGE)
            interactions = part_key_of(review, SectionKind.INTERACTIONS)
            first = ReviewerFactory()
            review_decide_parts(
                review=review,
                by=first,
                verdicts={dosage: ("approved", "")},
                signature=signed(first),
            )
            for _ in range(count - 1):
                other = ReviewerFactory()
                review_decide_parts(
                    review=review,
                    by=other,
                    verdicts={interactions: ("approved", "")},
                    signature=signed(other),
                )
            return review

        viewer = ReviewerFactory()
        client.force_login(viewer)
        one_reviewer = approved_in_part_by("Oneamine", 1)
        three_reviewers = approved_in_part_by("Threeamine", 3)
        assert three_reviewers.decisions.count() == 3
        client.get(review_url(one_reviewer))
        with CaptureQueriesContext(connection) as one:
            client.get(review_url(one_reviewer))
        with CaptureQueriesContext(connection) as three:
            client.get(review_url(three_reviewers))
        assert len(three) == len(one)

    def test_review_page_is_read_only(self, client, reviewer, changed_review):
        """The review page itself accepts no POST; decisions go to their own URL."""
        client.force_login(reviewer)
        assert client.post(review_url(changed_review)).status_code == 405


@pytest.mark.django_db
class HostileMarkdownTests:
    PAYLOADS = [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(2)">',
        "[click](javascript:alert(3))",
        '<a href="jav&#x61;script:alert(4)">x</a>',
        "<svg onload=alert(5)>",
    ]

    def test_hostile_markdown_in_a_diff_is_shown_as_text(self, client, reviewer, contributor):
        """Script, handlers and javascript: URLs in a section show as text and never run."""
        drug = publish(monograph(name="Hostamine"), contributor=contributor, reviewer=reviewer)
        edit_section(drug, by=contributor, body="\n\n".join(self.PAYLOADS))
        FAQItemFactory(drug=drug, question="<img src=x onerror=alert(6)>?", answer="<script>7")
        review = review_submit(drug=drug, by=contributor)
        client.force_login(reviewer)
        response = client.get(review_url(review))
        assert response.status_code == 200
        assert_page_inert(response.text, payload_text="<script>alert(1)</script>")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
        assert "&lt;img src=x onerror=alert(6)&gt;?" in response.text


def post_decision(client, review, **data):
    """POST a decision as the form sends it, signed with the reviewer's password."""
    return client.post(decide_url(review), {**signing(), **data})


@pytest.mark.django_db
class DecisionTests:
    def test_reviewer_sees_the_decision_form(self, client, reviewer, changed_review):
        """A credentialed reviewer who did not edit the revision is offered the decision."""
        client.force_login(reviewer)
        page = client.get(review_url(changed_review)).text
        assert f'action="{decide_url(changed_review)}"' in page
        assert 'value="approve"' in page
        assert 'value="request_changes"' in page

    @pytest.mark.parametrize("role", ["contributor", "editor", "superuser"])
    def test_non_reviewers_see_no_decision_form(self, client, changed_review, role, request):
        """Who may not decide is not offered to."""
        client.force_login(request.getfixturevalue(role))
        page = client.get(review_url(changed_review)).text
        assert decide_url(changed_review) not in page

    def test_part_verdict_and_note_are_recorded_and_shown(self, client, reviewer, changed_review):
        """A verdict on one part is kept with its note; the review stays open for the rest."""
        client.force_login(reviewer)
        usage = part_key_of(changed_review, SectionKind.USAGE)
        response = post_decision(
            client,
            changed_review,
            outcome="parts",
            comment="Checked.",
            **{f"verdict_{usage}": "approved", f"note_{usage}": "Good source."},
        )
        assert response.status_code == 302
        assert response.url == review_url(changed_review)
        assert "Your decisions on “Diffamine” revision 2 are recorded." in messages_of(response)[0]
        changed_review.refresh_from_db()
        assert changed_review.is_open
        verdict = PartDecision.objects.get(review=changed_review)
        assert (verdict.part_title, verdict.outcome, verdict.note) == (
            "Usage",
            "approved",
            "Good source.",
        )
        decision = Decision.objects.get(review=changed_review)
        assert (decision.outcome, decision.comment) == ("partly_approved", "Checked.")
        page = client.get(review_url(changed_review)).text
        assert "Good source." in page
        assert "1 of 6 changed parts approved" in page

    def test_two_reviewers_approving_all_publish(
        self, client, reviewer, other_reviewer, changed_review
    ):
        """High-risk parts wait for a second reviewer; the second approval publishes."""
        client.force_login(reviewer)
        response = post_decision(client, changed_review, outcome="approve", comment="Checked.")
        assert response.url == review_url(changed_review)
        assert "Dosage: 1 of 2 approvals" in client.get(review_url(changed_review)).text
        second = AxesClient()
        second.force_login(other_reviewer)
        response = post_decision(second, changed_review, outcome="approve")
        assert response.url == reverse("admin:reviews_review_changelist")
        assert messages_of(response) == ["“Diffamine” revision 2 is approved and published."]
        drug = Drug.objects.get(pk=changed_review.drug_id)
        assert drug.published_revision_id == changed_review.revision_id
        outcomes = list(
            Decision.objects.filter(review=changed_review).values_list("outcome", flat=True)
        )
        assert outcomes == ["partly_approved", "approved"]

    def test_a_forged_verdict_is_refused(self, client, reviewer, changed_review):
        """A verdict on a part the reviewer already approved is refused with a message."""
        client.force_login(reviewer)
        usage = part_key_of(changed_review, SectionKind.USAGE)
        post_decision(client, changed_review, outcome="parts", **{f"verdict_{usage}": "approved"})
        response = post_decision(
            client, changed_review, outcome="parts", **{f"verdict_{usage}": "approved"}
        )
        assert response.status_code == 400
        assert PartDecision.objects.filter(review=changed_review).count() == 1

    def test_request_changes_needs_a_comment(self, client, reviewer, changed_review):
        """Sending back without saying why is refused, and nothing changes."""
        client.force_login(reviewer)
        response = post_decision(client, changed_review, outcome="request_changes", comment=" ")
        assert response.status_code == 400
        assert "a comment is required" in response.text
        changed_review.refresh_from_db()
        assert changed_review.is_open
        assert not Decision.objects.filter(review=changed_review).exists()

    def test_request_changes_sends_back(self, client, reviewer, changed_review):
        """Requesting changes closes the review with the reviewer's comment; nothing goes live."""
        client.force_login(reviewer)
        live = changed_review.drug.published_revision_id
        response = post_decision(
            client, changed_review, outcome="request_changes", comment="Cite it.", note_1="Why?"
        )
        assert response.status_code == 302
        changed_review.refresh_from_db()
        assert changed_review.status == Review.Status.CHANGES_REQUESTED
        assert Drug.objects.get(pk=changed_review.drug_id).published_revision_id == live
        entry = AuditEntry.objects.get(action=AuditEntry.Action.CHANGES_REQUESTED)
        assert (entry.actor, entry.comment) == (reviewer, "Cite it.")

    def test_stale_approval_is_refused(self, client, reviewer, contributor, changed_review):
        """An approval of a revision whose working copy changed since is refused with a message."""
        edit_section(changed_review.drug, by=contributor, body="Slipped in after submission.")
        client.force_login(reviewer)
        live = Drug.objects.get(pk=changed_review.drug_id).published_revision_id
        response = post_decision(client, changed_review, outcome="approve")
        assert response.status_code == 302
        assert "superseded" in messages_of(response)[0]
        changed_review.refresh_from_db()
        assert changed_review.status == Review.Status.SUPERSEDED
        assert Drug.objects.get(pk=changed_review.drug_id).published_revision_id == live

    @pytest.mark.parametrize("outcome", ["approve", "request_changes"])
    def test_decision_on_a_closed_review_is_refused(
        self, client, reviewer, other_reviewer, changed_review, outcome
    ):
        """A decision on a review already decided is refused with a message."""
        review_request_changes(review=changed_review, by=other_reviewer, comment="No.")
        client.force_login(reviewer)
        response = post_decision(client, changed_review, outcome=outcome, comment="Yes.")
        assert response.status_code == 302
        assert messages_of(response) == [
            "This review is already changes requested; it cannot be moved to "
            f"“{'approved' if outcome == 'approve' else 'changes requested'}”."
        ]
        assert Decision.objects.filter(review=changed_review).count() == 1

    def test_decision_on_a_superseded_review_is_refused(
        self, client, reviewer, contributor, changed_review
    ):
        """Once superseded, a revision can no longer be approved."""
        edit_section(changed_review.drug, by=contributor, body="Later.")
        review_submit(drug=changed_review.drug, by=contributor)
        client.force_login(reviewer)
        response = post_decision(client, changed_review, outcome="approve")
        assert response.status_code == 302
        assert "superseded" in messages_of(response)[0]
        assert not Decision.objects.filter(review=changed_review).exists()

    def test_approval_after_publication_is_refused(
        self, client, reviewer, other_reviewer, changed_review
    ):
        """An approval that arrives once the revision is published is told it is done."""
        review_approve(review=changed_review, by=reviewer, signature=signed(reviewer))
        review_approve(review=changed_review, by=other_reviewer, signature=signed(other_reviewer))
        late = AxesClient()
        late.force_login(ReviewerFactory())
        response = post_decision(late, changed_review, outcome="approve")
        assert response.status_code == 302
        assert messages_of(response) == [
            "This review is already approved; it cannot be moved to “approved”."
        ]
        assert Decision.objects.filter(review=changed_review).count() == 2
        assert AuditEntry.objects.filter(action=AuditEntry.Action.APPROVED).count() == 2


@pytest.mark.django_db(transaction=True)
class ConcurrentApprovalTests:
    def test_simultaneous_approvals_apply_once(self, contributor, reviewer, other_reviewer):
        """Two reviewers approving a one-approval revision at the same moment publish it once."""
        if connection.vendor != "postgresql":
            pytest.skip("row locks need PostgreSQL; the sequential case runs everywhere")
        drug = monograph(name="Raceamine", sections=(SectionKind.USAGE,))
        review = review_submit(drug=drug, by=contributor)
        barrier = threading.Barrier(2)
        statuses = []

        def approve(user):
            client = AxesClient()
            client.force_login(user)
            barrier.wait()
            response = post_decision(client, review, outcome="approve")
            statuses.append((response.status_code, messages_of(response)))
            connections.close_all()

        threads = [
            threading.Thread(target=approve, args=(user,)) for user in (reviewer, other_reviewer)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(code for code, _ in statuses) == [302, 302]
        refusals = [messages for _, messages in statuses if "already approved" in messages[0]]
        assert len(refusals) == 1
        assert Decision.objects.filter(review=review).count() == 1
        assert AuditEntry.objects.filter(action=AuditEntry.Action.APPROVED).count() == 1
        assert Drug.objects.get(pk=drug.pk).published_revision_id == review.revision_id


@pytest.mark.django_db
class CommentVisibilityTests:
    def test_uninvolved_contributor_sees_decisions_but_not_comments(
        self, client, other_contributor, reviewer, changed_review
    ):
        """On the review page, reviewer comments are hidden from uninvolved contributors."""
        review_request_changes(
            review=changed_review,
            by=reviewer,
            comment="Secret-ish remark",
            part_notes={part_key_of(changed_review, "usage"): "Note on usage"},
        )
        client.force_login(other_contributor)
        page = client.get(review_url(changed_review)).text
        assert "Changes requested" in page
        assert "Secret-ish remark" not in page
        assert "Note on usage" not in page

    @pytest.mark.parametrize("role", ["contributor", "other_reviewer", "editor"])
    def test_submitter_reviewers_and_editors_read_comments(
        self, client, reviewer, changed_review, role, request
    ):
        """The submitter, reviewers and editors read reviewer comments and notes."""
        review_request_changes(
            review=changed_review,
            by=reviewer,
            comment="Visible remark",
            part_notes={part_key_of(changed_review, "usage"): "Note on usage"},
        )
        client.force_login(request.getfixturevalue(role))
        page = client.get(review_url(changed_review)).text
        assert "Visible remark" in page
        assert "Note on usage" in page


@pytest.mark.django_db
class ReviewPageFAQTests:
    def test_removed_faq_is_labelled(self, client, reviewer, contributor):
        """A deleted FAQ item shows as removed."""
        drug = publish(
            monograph(name="Faqamine", faqs=2), contributor=contributor, reviewer=reviewer
        )
        doomed = FAQItem.objects.filter(drug=drug).order_by("position").last()
        doomed._history_user = contributor
        doomed.delete()
        review = review_submit(drug=drug, by=contributor)
        client.force_login(reviewer)
        rows = client.get(review_url(review)).context["faq_rows"]
        assert sorted(row.label for row in rows) == ["Removed", "Unchanged"]


@pytest.mark.django_db
class MayNotDecideTests:
    def test_a_reviewer_is_told_why_they_may_not_decide_their_own_edit(self, client, reviewer):
        """A reviewer opening a review of their own edit reads why, above the changes."""
        drug = monograph(name="Own work")
        edit_section(drug, by=reviewer)
        make_submitter = ContributorFactory(username="sub")
        review = review_submit(drug=drug, by=make_submitter)
        client.force_login(reviewer)
        html = client.get(review_url(review)).content.decode()
        refusal = html.index('id="no-decision-form"')
        assert "You cannot decide on this review:" in html
        assert refusal < html.index("<h2>Sections</h2>")
        assert 'id="decision-form"' not in html

    def test_a_contributor_is_told_only_credentialed_reviewers_decide(
        self, client, contributor, other_contributor
    ):
        """Someone who is not a medical reviewer sees the rule, not a form that vanished."""
        drug = monograph(name="Someone's work")
        review = review_submit(drug=drug, by=contributor)
        client.force_login(other_contributor)
        response = client.get(review_url(review))
        assert response.status_code == 200
        assert (
            "You cannot decide on this review: Only medical reviewers with a recorded "
            "credential may decide on a review." in response.content.decode()
        )

    def test_the_decision_panel_is_reachable_from_the_top(self, client, reviewer, changed_review):
        """A reviewer who may decide gets a link from the top to the decision panel."""
        client.force_login(reviewer)
        html = client.get(review_url(changed_review)).content.decode()
        assert '<a href="#decision-heading">Go to your decision</a>' in html
        assert 'id="decision-heading"' in html
        assert 'class="button default">Record my decisions</button>' in html
