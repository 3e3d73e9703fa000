"""The admin index as a dashboard: what waits for each editorial user, in constant queries."""

import re

import pytest
from django.urls import reverse

from reviews.services import review_request_changes, review_submit
from tests.factories import edit_section, monograph, publish

INDEX = reverse("admin:index")


def dashboard_list(html: str, key: str) -> str:
    """The HTML of one dashboard list, by its key."""
    match = re.search(rf'<section[^>]*id="dashboard-{key}".*?</section>', html, re.S)
    assert match, f"no {key} list on the dashboard"
    return match.group(0)


def count_of(section: str) -> int:
    return int(re.search(r'<span class="dashboard-count">\((\d+)\)</span>', section).group(1))


@pytest.mark.django_db
class DashboardTests:
    def test_anonymous_is_sent_to_sign_in(self, client):
        """The dashboard is behind the admin login."""
        response = client.get(INDEX)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    def test_a_reviewer_sees_what_waits_for_them_and_what_they_may_not_decide(
        self, client, contributor, reviewer
    ):
        """Others' submissions wait for the reviewer; their own edit is listed with the reason."""
        theirs = monograph(name="Folate")
        review_submit(drug=theirs, by=contributor)
        own = monograph(name="Iodine")
        edit_section(own, by=reviewer)
        review_submit(drug=own, by=contributor)
        client.force_login(reviewer)
        html = client.get(INDEX).content.decode()
        awaiting = dashboard_list(html, "awaiting")
        assert count_of(awaiting) == 1
        assert "Folate, revision 1" in awaiting
        assert "Iodine" not in awaiting
        not_mine = dashboard_list(html, "not-mine")
        assert "Iodine, revision 1" in not_mine
        assert "You may not decide: it contains your own edits" in not_mine

    def test_a_contributor_sees_drafts_and_what_was_sent_back_with_the_comment(
        self, client, contributor, reviewer
    ):
        """My unsubmitted edits, and my submissions sent back with the reviewer's words."""
        draft = monograph(name="Zinc")
        edit_section(draft, by=contributor)
        sent_back = monograph(name="Selenium")
        edit_section(sent_back, by=contributor)
        review_request_changes(
            review=review_submit(drug=sent_back, by=contributor),
            by=reviewer,
            comment="Please cite <the label>.",
        )
        client.force_login(contributor)
        html = client.get(INDEX).content.decode()
        drafts = dashboard_list(html, "drafts")
        assert "Zinc" in drafts
        assert "Selenium" not in drafts
        back = dashboard_list(html, "sent-back")
        assert "Selenium, revision 1" in back
        assert "Please cite &lt;the label&gt;." in back
        assert "dashboard-awaiting" not in html  # a contributor decides nothing

    def test_published_and_overdue_lists(self, client, contributor, reviewer, editor):
        """Editors see the latest approvals and what is past its review date."""
        drug = publish(monograph(name="Copper"), contributor=contributor, reviewer=reviewer)
        revision = drug.published_revision
        type(revision).objects.filter(pk=revision.pk).update(next_review_due="2000-01-01")
        client.force_login(editor)
        html = client.get(INDEX).content.decode()
        assert "Copper, revision 1" in dashboard_list(html, "published")
        overdue = dashboard_list(html, "overdue")
        assert count_of(overdue) == 1
        assert "Copper" in overdue

    def test_staff_outside_the_editorial_team_get_the_plain_index(self, client, reader):
        """Staff who neither submit nor decide still have a working admin index, no dashboard."""
        reader.is_staff = True
        reader.save()
        client.force_login(reader)
        response = client.get(INDEX)
        assert response.status_code == 200
        assert "editorial-dashboard" not in response.content.decode()

    @pytest.mark.parametrize("rows", [1, 15])
    def test_query_count_does_not_grow_with_the_lists(
        self, client, contributor, reviewer, django_assert_num_queries, rows
    ):
        """However much waits, the dashboard costs the same number of queries."""
        for number in range(rows):
            submitted = monograph(name=f"Waiting {number}")
            review_submit(drug=submitted, by=contributor)
            published = monograph(name=f"Live {number}")
            publish(published, contributor=contributor, reviewer=reviewer)
        reviewer.groups.add(*contributor.groups.all())  # sees every list
        client.force_login(reviewer)
        client.get(INDEX)  # warm the session and the permission caches
        with django_assert_num_queries(QUERIES):
            response = client.get(INDEX)
        awaiting = dashboard_list(response.content.decode(), "awaiting")
        assert count_of(awaiting) == rows
        assert awaiting.count("<li>") == min(rows, 10)


# Including the session's two-factor device, which django-otp's middleware loads, and the
# reported problems (a count and the first rows).
QUERIES = 24
