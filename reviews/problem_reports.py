"""Readers' reports of a problem with a published monograph page, and the editorial queue.

Anyone may report a problem, without an account, through the report page every monograph
page and section links to. Editors and medical reviewers triage the reports
(`reviews.change_problemreport`); contributors read them (`reviews.view_problemreport`) but not
the reader's address. Every status change is recorded, with who made it and when; editors hear
of each new report, and a reader who left an address hears how it was closed.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

from monographs.models import Drug, Revision
from monographs.public.article import article_parts
from reviews import notifications
from reviews.client_ip import client_ip
from reviews.exceptions import NotPermitted
from reviews.models import ProblemReport, ProblemReportChange

# A reader reporting several sections of a page stays well below these; a script does not.
REPORTS_PER_ADDRESS = "5/h"
REPORTS_PER_MONOGRAPH = "20/h"
TRIAGE_PERMISSION = "reviews.change_problemreport"
PARTS_KEY_PREFIX = "medref:report-parts:"
PARTS_SECONDS = 60 * 60


@dataclass(frozen=True)
class ReportablePart:
    """A part of a monograph page a report can be about: its anchor on the page and its title."""

    anchor: str
    title: str


def reportable_parts(revision: Revision) -> list[ReportablePart]:
    """The sections and FAQ items of a published revision, anchored as its page anchors them.

    Worked out once per revision (it outlines every section) and kept in the cache: a revision
    never changes, and the report page is not a page cache hit.
    """

    def compute():
        sections, faqs = article_parts(revision.content)
        return [
            *((section.anchor, section.title) for section in sections),
            *((faq.anchor, f"Question: {faq.title}") for faq in faqs),
        ]

    parts = cache.get_or_set(f"{PARTS_KEY_PREFIX}{revision.pk}", compute, PARTS_SECONDS)
    return [ReportablePart(anchor, title) for anchor, title in parts]


def reportable_drug(slug: str) -> Drug | None:
    """The drug published at `slug`, with its published revision; None if there is none."""
    return (
        Drug.objects.published()
        .filter(search_document__slug=slug)
        .select_related("published_revision", "search_document")
        .first()
    )


def problem_report_refusal(*, request, drug: Drug) -> str:
    """Count this attempt to report; why it is refused ("" if it is not).

    Cache-based limits per client address (behind trusted proxies: `client_ip`) and per
    monograph, so neither one sender nor many can flood the queue or the editors' mail.
    """
    if is_ratelimited(
        request,
        group="problem-report-address",
        key=lambda group, request: client_ip(request),
        rate=REPORTS_PER_ADDRESS,
        increment=True,
    ):
        return (
            "You have sent several reports in a short time. Please try again in an hour; "
            "your text is still here."
        )
    # Counted only once the address is within its limit: one sender cannot use up a page's.
    if is_ratelimited(
        request,
        group="problem-report-monograph",
        key=lambda group, request: str(drug.pk),
        rate=REPORTS_PER_MONOGRAPH,
        increment=True,
    ):
        return (
            "This page has received many reports in the last hour. Please try again later; "
            "your text is still here."
        )
    return ""


@transaction.atomic
def problem_report_create(
    *, drug: Drug, part: ReportablePart | None, message: str, reply_to: str = ""
) -> ProblemReport:
    """Queue a reader's report about the published version of `drug` and tell the editors."""
    report = ProblemReport(
        drug=drug,
        revision_id=drug.published_revision_id,
        part_anchor=part.anchor if part else "",
        part_title=part.title if part else "",
        message=message,
        reply_to=reply_to,
    )
    report.save()
    transaction.on_commit(lambda: notifications.problem_report_received(report), robust=True)
    return report


@transaction.atomic
def problem_report_update(
    *, report: ProblemReport, by, status: str, reply: str, fixed_by: Revision | None = None
) -> ProblemReport:
    """Triage or close a report, or edit its reply; a status change is recorded, and closing a
    report with an address e-mails the reader the outcome and the reply."""
    if not (by.is_active and by.has_perm(TRIAGE_PERMISSION)):
        raise NotPermitted("Only editors and medical reviewers may triage reported problems.")
    report = (
        ProblemReport.objects.select_for_update(of=("self",))
        .select_related("drug", "revision")
        .get(pk=report.pk)
    )
    previous = report.status
    fields = ["reply"]
    if status != previous:
        fields += report.move(status, at=timezone.now(), fixed_by=fixed_by)
    report.reply = reply.strip()
    report.save(update_fields=fields)
    if status == previous:
        return report
    ProblemReportChange.objects.create(
        report=report, from_status=previous, to_status=status, by=by, reply=report.reply
    )
    if not report.is_open and report.reply_to:
        transaction.on_commit(lambda: notifications.problem_report_closed(report), robust=True)
    return report


def open_reports_per_drug():
    """Monographs with open reports, with how many each (most first), one row per drug."""
    return (
        ProblemReport.objects.open()
        .order_by()
        .values("drug_id", "drug__name")
        .annotate(open_count=Count("id"))
        .order_by("-open_count", "drug__name", "drug_id")
    )
