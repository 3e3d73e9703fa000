"""Readers report a problem with a monograph page; editors triage the reports in the admin."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from monographs.models import Revision
from reviews.models import ProblemReport
from reviews.services import drug_unpublish
from tests.conftest import AxesClient
from tests.factories import EditorFactory, edit_section, monograph, publish
from tests.pagechecks import assert_page_inert

PAYLOAD = '<script>alert("x")</script> the dose is wrong & so is <b>this</b>'


def report_url(drug, part: str = "") -> str:
    url = reverse("report_problem", args=[drug.slug])
    return f"{url}?part={part}" if part else url


def page_report_links(client, drug) -> list[str]:
    html = client.get(reverse("monographs:drug_detail", args=[drug.slug])).text
    return re.findall(r'<p class="report-problem[^"]*"><a href="([^"]+)"', html)


def section_anchor(client, drug) -> str:
    """The anchor the monograph page gives its first section (as its report link carries it)."""
    first = page_report_links(client, drug)[0]
    return first.split("?part=", 1)[1]


def send_report(
    client,
    drug,
    *,
    message="The dose given for adults is out of date.",
    address="192.0.2.1",
    **fields,
):
    data = {"part": "", "message": message, "reply_to": "", "website": "", **fields}
    return client.post(report_url(drug), data, REMOTE_ADDR=address)


@pytest.fixture
def one_window(monkeypatch):
    """One rate-limit window for the whole test: a real hour may end between two requests."""
    monkeypatch.setattr("django_ratelimit.core._get_window", lambda value, period: 2**40)


@pytest.fixture
def report(published_drug, client, editor, django_capture_on_commit_callbacks):
    """A reader's report on the first section, with a reply address and markup in its text."""
    anchor = section_anchor(client, published_drug)
    with django_capture_on_commit_callbacks(execute=True):
        send_report(client, published_drug, message=PAYLOAD, part=anchor, reply_to="r@example.org")
    return ProblemReport.objects.get()


@pytest.mark.django_db
class ReportLinkTests:
    def test_every_section_and_the_page_link_to_the_report_form(self, client, published_drug):
        """Each section and FAQ item has a "Report a problem" link naming it, and the page one."""
        links = page_report_links(client, published_drug)
        revision = published_drug.published_revision
        parts = len(revision.sections) + len(revision.faqs)
        assert len(links) == parts + 1
        assert all(link.startswith(report_url(published_drug)) for link in links)
        assert len({link for link in links if "?part=" in link}) == parts
        assert links[-1] == report_url(published_drug)

    def test_report_form_preselects_the_linked_section(self, client, published_drug):
        """Following a section's link opens the form with that section chosen."""
        anchor = section_anchor(client, published_drug)
        html = client.get(report_url(published_drug, anchor)).text
        assert re.search(rf'<option value="{anchor}" selected>', html)
        assert 'name="csrfmiddlewaretoken"' in html

    def test_report_form_is_never_cached(self, client, published_drug):
        """The form carries a CSRF token: no cache may share it; each reader gets their own."""
        first = client.get(report_url(published_drug))
        assert "no-cache" in first["Cache-Control"]
        other = AxesClient()
        second = other.get(report_url(published_drug))
        token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
        assert token.search(first.text).group(1) != token.search(second.text).group(1)

    def test_report_form_costs_one_query(self, client, published_drug, django_assert_num_queries):
        """However long the monograph, the form reads the drug and its revision in one query."""
        client.get(report_url(published_drug))
        with django_assert_num_queries(1):
            response = client.get(report_url(published_drug))
        assert response.status_code == 200

    def test_unpublished_and_unknown_monographs_take_no_reports(
        self, client, draft_drug, published_drug, editor
    ):
        """A draft, an unpublished monograph and an unknown slug answer 404, GET or POST."""
        assert client.get(report_url(draft_drug)).status_code == 404
        assert client.get(reverse("report_problem", args=["no-such-drug"])).status_code == 404
        drug_unpublish(drug=published_drug, by=editor, comment="Withdrawn from the market")
        assert client.get(report_url(published_drug)).status_code == 404
        assert send_report(client, published_drug).status_code == 404
        assert not ProblemReport.objects.exists()


@pytest.mark.django_db
class SubmitReportTests:
    def test_report_is_queued_and_thanked_with_the_text_escaped(
        self, client, published_drug, django_capture_on_commit_callbacks
    ):
        """The reader sees their text back as text; the report names the section and version."""
        anchor = section_anchor(client, published_drug)
        with django_capture_on_commit_callbacks(execute=True):
            response = send_report(client, published_drug, message=PAYLOAD, part=anchor)
        assert response.status_code == 200
        assert "Thank you for your report" in response.text
        assert "&lt;script&gt;" in response.text
        assert_page_inert(response.text, payload_text='<script>alert("x")</script>')
        report = ProblemReport.objects.get()
        assert report.message == PAYLOAD
        assert report.part_anchor == anchor
        assert report.part_title
        assert f"About: {report.part_title}" in response.text
        assert report.revision_id == published_drug.published_revision_id
        assert report.status == ProblemReport.Status.NEW

    def test_editors_are_emailed_the_report_as_plain_text(
        self, client, published_drug, editor, mailoutbox, django_capture_on_commit_callbacks
    ):
        """Each editor gets the report, markup as typed in a plain-text mail, one-line subject."""
        with django_capture_on_commit_callbacks(execute=True):
            send_report(client, published_drug, message=PAYLOAD, reply_to="r@example.org")
        [mail] = [mail for mail in mailoutbox if editor.email in mail.to]
        assert mail.subject == "[MedRef] Problem reported: Methylcobalamin"
        assert PAYLOAD in mail.body
        assert not getattr(mail, "alternatives", [])
        assert "r@example.org" not in mail.body
        report = ProblemReport.objects.get()
        assert reverse("admin:reviews_problemreport_change", args=[report.pk]) in mail.body

    def test_a_filled_honeypot_is_thanked_and_dropped(
        self, client, published_drug, editor, mailoutbox, django_capture_on_commit_callbacks
    ):
        """A form that fills the hidden field gets the usual thanks, and nothing is kept or sent."""
        with django_capture_on_commit_callbacks(execute=True):
            response = send_report(client, published_drug, website="http://spam.example")
        assert response.status_code == 200
        assert "Thank you for your report" in response.text
        assert not ProblemReport.objects.exists()
        assert mailoutbox == []

    def test_too_long_or_empty_text_is_refused_keeping_what_was_typed(self, client, published_drug):
        """Over 2,000 characters or nothing at all: a clear error, and the typed text is kept."""
        long_text = "Too long. " * 201
        response = send_report(client, published_drug, message=long_text, reply_to="r@example.org")
        assert response.status_code == 200
        assert "at most 2000 characters" in response.text
        assert long_text.strip() in response.text
        assert 'value="r@example.org"' in response.text
        response = send_report(client, published_drug, message="   ")
        assert "Please say what is wrong." in response.text
        assert not ProblemReport.objects.exists()

    def test_a_bad_address_is_refused_keeping_the_text(self, client, published_drug):
        """An e-mail address that is not one gets an error; the message stays in the form."""
        response = send_report(client, published_drug, reply_to="not an address\nBcc: x@y.z")
        assert "Enter a valid email address." in response.text
        assert "The dose given for adults is out of date." in response.text
        assert not ProblemReport.objects.exists()

    def test_a_forged_part_is_refused(self, client, published_drug):
        """Only the page's own sections can be chosen."""
        response = send_report(client, published_drug, part="not-a-section")
        assert "Select a valid choice" in response.text
        assert not ProblemReport.objects.exists()

    def test_a_post_without_the_csrf_token_is_refused(self, published_drug):
        """The form is protected against cross-site posts."""
        strict = AxesClient(enforce_csrf_checks=True)
        response = send_report(strict, published_drug)
        assert response.status_code == 403
        assert not ProblemReport.objects.exists()


@pytest.mark.django_db
class ReportRateLimitTests:
    def test_one_address_may_send_five_reports_an_hour(self, client, published_drug, one_window):
        """The sixth report from one address is refused with its text kept; others still may."""
        statuses = [send_report(client, published_drug).status_code for _ in range(5)]
        assert statuses == [200] * 5
        response = send_report(client, published_drug, message="A sixth report about the dose.")
        assert response.status_code == 429
        assert "try again in an hour" in response.text
        assert "A sixth report about the dose." in response.text
        assert send_report(client, published_drug, address="198.51.100.7").status_code == 200
        assert ProblemReport.objects.count() == 6

    def test_one_sender_cannot_use_up_a_pages_limit(self, client, published_drug, one_window):
        """Reports refused for their address do not count against the monograph."""
        for _ in range(30):
            send_report(client, published_drug, address="192.0.2.66")
        for number in range(15):
            response = send_report(client, published_drug, address=f"203.0.113.{number}")
            assert response.status_code == 200
        assert ProblemReport.objects.count() == 20

    def test_behind_a_proxy_the_forwarded_address_counts(
        self, client, published_drug, one_window, settings
    ):
        """Behind one trusted proxy, readers behind it are counted apart, by X-Forwarded-For."""
        settings.MEDREF_TRUSTED_PROXY_COUNT = 1
        data = {"part": "", "message": "The dose is out of date.", "reply_to": "", "website": ""}

        def post(forwarded):
            return client.post(
                report_url(published_drug),
                data,
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR=forwarded,
            )

        assert [post("192.0.2.10").status_code for _ in range(5)] == [200] * 5
        assert post("192.0.2.10").status_code == 429
        assert post("192.0.2.11").status_code == 200

    def test_one_monograph_takes_twenty_reports_an_hour(
        self, client, published_drug, contributor, reviewer, one_window
    ):
        """Past 20 reports on one page from many addresses, it refuses; other pages do not."""
        for number in range(20):
            response = send_report(client, published_drug, address=f"203.0.113.{number}")
            assert response.status_code == 200
        response = send_report(client, published_drug, address="203.0.113.99")
        assert response.status_code == 429
        assert "This page has received many reports" in response.text
        other = publish(monograph(name="Folic acid"), contributor=contributor, reviewer=reviewer)
        assert send_report(client, other, address="203.0.113.99").status_code == 200


def change_url(report) -> str:
    return reverse("admin:reviews_problemreport_change", args=[report.pk])


QUEUE = reverse("admin:reviews_problemreport_changelist")


def triage(client, user, report, captured, **data):
    client.force_login(user)
    with captured(execute=True):
        return client.post(change_url(report), {"reply": "", "fixed_by": "", **data})


def later_revision(drug, *, contributor, reviewer):
    edit_section(drug, "Corrected adult dose.", by=contributor)
    publish(drug, contributor=contributor, reviewer=reviewer)
    return Revision.objects.get(pk=drug.published_revision_id)


@pytest.mark.django_db
class QueuePermissionTests:
    def test_anonymous_is_sent_to_sign_in(self, client, report):
        """The queue and each report are behind the admin login."""
        for url in (QUEUE, change_url(report)):
            response = client.get(url)
            assert response.status_code == 302
            assert response.url.startswith(reverse("admin:login"))

    def test_a_reader_account_outside_the_team_is_refused(self, client, report, reader):
        """Someone signed in but not staff cannot open the queue."""
        client.force_login(reader)
        assert client.get(QUEUE).status_code == 302

    def test_a_contributor_reads_reports_without_the_address(self, client, report, contributor):
        """Contributors see what was reported, escaped, but not the reader's address."""
        client.force_login(contributor)
        listing = client.get(QUEUE)
        assert listing.status_code == 200
        assert "Methylcobalamin" in listing.text
        assert_page_inert(listing.text)
        page = client.get(change_url(report))
        assert page.status_code == 200
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text
        assert_page_inert(page.text)
        assert "r@example.org" not in page.text

    def test_a_contributors_forged_status_change_is_refused(
        self, client, report, contributor, django_capture_on_commit_callbacks
    ):
        """A contributor posting a status change gets 403 and the report is unchanged."""
        response = triage(
            client, contributor, report, django_capture_on_commit_callbacks, status="declined"
        )
        assert response.status_code == 403
        report.refresh_from_db()
        assert report.status == ProblemReport.Status.NEW
        assert not report.changes.exists()

    def test_nobody_adds_reports_in_the_admin(self, client, report, editor):
        """Reports come from readers only: the admin has no add form."""
        client.force_login(editor)
        assert client.get(reverse("admin:reviews_problemreport_add")).status_code == 403


@pytest.mark.django_db
class TriageTests:
    def test_an_editor_sees_the_address_and_triages(
        self, client, report, editor, django_capture_on_commit_callbacks
    ):
        """An editor reads the report with the address, moves it on, and the move is recorded."""
        client.force_login(editor)
        page = client.get(change_url(report))
        assert "r@example.org" in page.text
        assert_page_inert(page.text)
        response = triage(
            client,
            editor,
            report,
            django_capture_on_commit_callbacks,
            status="triaged",
            reply="Checking the dose with a pharmacist.",
        )
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == ProblemReport.Status.TRIAGED
        [change] = report.changes.all()
        assert (change.from_status, change.to_status, change.by) == ("new", "triaged", editor)
        assert "New → Triaged by" in client.get(change_url(report)).text

    def test_a_medical_reviewer_may_triage(
        self, client, report, reviewer, mailoutbox, django_capture_on_commit_callbacks
    ):
        """Medical reviewers triage too; closing without a reply still tells the reader."""
        mailoutbox.clear()
        triage(client, reviewer, report, django_capture_on_commit_callbacks, status="declined")
        report.refresh_from_db()
        assert report.status == ProblemReport.Status.DECLINED
        [mail] = mailoutbox
        assert mail.to == ["r@example.org"]
        assert "decided to leave the page as it is" in mail.body

    def test_fixed_needs_a_later_approved_revision(
        self, client, report, editor, django_capture_on_commit_callbacks
    ):
        """ "Fixed" without the revision that fixed it is refused with a message, nothing lost."""
        response = triage(
            client,
            editor,
            report,
            django_capture_on_commit_callbacks,
            status="fixed",
            reply="Thanks, corrected.",
        )
        assert response.status_code == 200
        assert "Name the approved revision that fixed it." in response.text
        assert "Thanks, corrected." in response.text
        report.refresh_from_db()
        assert report.status == ProblemReport.Status.NEW

    def test_closing_as_fixed_emails_the_reader_the_outcome_and_reply(
        self,
        client,
        report,
        editor,
        contributor,
        reviewer,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        """The reader who left an address hears it was fixed, with the editor's reply, as text."""
        fix = later_revision(report.drug, contributor=contributor, reviewer=reviewer)
        mailoutbox.clear()
        triage(
            client,
            editor,
            report,
            django_capture_on_commit_callbacks,
            status="fixed",
            fixed_by=fix.pk,
            reply="You were right: <b>corrected</b>.",
        )
        report.refresh_from_db()
        assert (report.status, report.fixed_by) == (ProblemReport.Status.FIXED, fix)
        assert report.closed_at is not None
        [mail] = mailoutbox
        assert mail.to == ["r@example.org"]
        assert mail.subject == "[MedRef] Your report about Methylcobalamin"
        assert "was corrected in the version approved on" in mail.body
        assert "You were right: <b>corrected</b>." in mail.body
        assert PAYLOAD in mail.body
        assert "/drugs/methylcobalamin/" in mail.body

    def test_closing_a_report_without_an_address_writes_to_nobody(
        self, client, published_drug, editor, mailoutbox, django_capture_on_commit_callbacks
    ):
        """No address, no mail: the reader asked for no reply."""
        with django_capture_on_commit_callbacks(execute=True):
            send_report(client, published_drug)
        report = ProblemReport.objects.get()
        mailoutbox.clear()
        triage(client, editor, report, django_capture_on_commit_callbacks, status="declined")
        report.refresh_from_db()
        assert report.status == ProblemReport.Status.DECLINED
        assert mailoutbox == []

    def test_a_closed_report_moves_only_back_to_triaged(
        self, client, report, editor, django_capture_on_commit_callbacks
    ):
        """A forged move the transition table does not allow is refused; reopening is allowed."""
        triage(client, editor, report, django_capture_on_commit_callbacks, status="declined")
        response = triage(client, editor, report, django_capture_on_commit_callbacks, status="new")
        assert response.status_code == 200
        assert "Select a valid choice" in response.text
        report.refresh_from_db()
        assert report.status == ProblemReport.Status.DECLINED
        triage(client, editor, report, django_capture_on_commit_callbacks, status="triaged")
        report.refresh_from_db()
        assert report.status == ProblemReport.Status.TRIAGED
        assert report.closed_at is None
        assert report.changes.count() == 2

    def test_the_queue_shows_open_reports_unless_asked(
        self, client, report, editor, django_capture_on_commit_callbacks
    ):
        """Closed reports leave the default queue and show under their status."""
        triage(client, editor, report, django_capture_on_commit_callbacks, status="declined")
        assert "0 problem reports" in client.get(QUEUE).text
        assert "1 problem report" in client.get(f"{QUEUE}?status=declined").text


INDEX = reverse("admin:index")


def reported_list(html: str) -> str:
    match = re.search(r'<section[^>]*id="dashboard-reported".*?</section>', html, re.S)
    assert match, "no reported-problems list on the dashboard"
    return match.group(0)


@pytest.mark.django_db
class DashboardCountTests:
    def test_open_reports_are_counted_per_monograph(
        self, client, published_drug, contributor, reviewer, editor
    ):
        """The dashboard lists monographs with open reports and how many each has."""
        for _ in range(3):
            send_report(client, published_drug)
        other = publish(monograph(name="Folic acid"), contributor=contributor, reviewer=reviewer)
        send_report(client, other)
        cache.clear()
        client.force_login(editor)
        section = reported_list(client.get(INDEX).text)
        assert '<span class="dashboard-count">(2)</span>' in section
        assert 'Methylcobalamin</a> <span class="dashboard-detail">— 3 open reports' in section
        assert 'Folic acid</a> <span class="dashboard-detail">— 1 open report<' in section
        assert f"?drug__id__exact={published_drug.pk}" in section

    @pytest.mark.parametrize("drugs", [1, 12])
    def test_query_count_does_not_grow_with_reports(
        self, client, contributor, reviewer, drugs, django_assert_num_queries
    ):
        """However many monographs have reports, the dashboard costs the same queries."""
        for number in range(drugs):
            drug = publish(
                monograph(name=f"Reported {number}"), contributor=contributor, reviewer=reviewer
            )
            send_report(client, drug, address=f"198.51.100.{number}")
        cache.clear()
        editor = EditorFactory(username="dash-editor")
        client.force_login(editor)
        client.get(INDEX)
        with django_assert_num_queries(EDITOR_DASHBOARD_QUERIES):
            response = client.get(INDEX)
        section = reported_list(response.text)
        assert f'<span class="dashboard-count">({drugs})</span>' in section
        assert section.count("<li>") == min(drugs, 10)

    def test_the_drug_change_form_links_its_open_reports(self, client, report, contributor):
        """A monograph's change form says how many reports on it are open, linking to them."""
        client.force_login(contributor)
        html = client.get(reverse("admin:monographs_drug_change", args=[report.drug_id])).text
        assert f'?drug__id__exact={report.drug_id}">Reported problems (1 open)</a>' in html


# The editor's dashboard, with its session's two-factor device.
EDITOR_DASHBOARD_QUERIES = 18
