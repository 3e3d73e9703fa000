"""E-mail the people a workflow move concerns (Django's mail framework).

Nobody is asked to act on their own move; the submitter gets a receipt of their submission.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import timezone

from monographs.models import SearchDocument
from monographs.public.links import drug_url
from reviews.models import EDITORS_GROUP, REVIEWERS_GROUP, person_label


def _addresses(users, *, except_user=None) -> list[str]:
    skip = getattr(except_user, "pk", None)
    return sorted(
        {user.email for user in users if user.email and user.is_active and user.pk != skip}
    )


def _subject(text: str) -> str:
    # Names come from user input; a header can never carry a line break.
    return " ".join(f"[MedRef] {text}".split())


def _send(subject: str, body: str, recipients: list[str]) -> None:
    if recipients:
        send_mass_mail(
            [(_subject(subject), body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients],
            fail_silently=False,
        )


def _review_url(review) -> str:
    return settings.SITE_URL + reverse("admin:reviews_review_change", args=[review.pk])


def _drug_url(review) -> str:
    return settings.SITE_URL + reverse("admin:monographs_drug_change", args=[review.drug_id])


def _contributors(review) -> list:
    """The submitter and everyone whose edits the revision contains."""
    return [review.submitted_by, *review.revision.authors.all()]


def review_submitted(review) -> None:
    """Ask the reviewers for a review; tell co-authors their edits went with it."""
    submitter = review.submitted_by
    _send(
        f"Review requested: {review.drug.name}",
        f"{submitter.get_username()} submitted {review.revision} for medical review.\n\n"
        f"{review.comment}\n\nReview it at {_review_url(review)}\n",
        _addresses(review.deciders(), except_user=submitter),
    )
    _send(
        f"Submitted for review: {review.drug.name}",
        f"{submitter.get_username()} submitted {review.revision}, which contains your edits, "
        f"for medical review.\nFollow it at {_drug_url(review)}\n",
        _addresses(_contributors(review), except_user=submitter),
    )
    _send(
        f"Your submission is in review: {review.drug.name}",
        f"You submitted {review.revision} for medical review. The public keeps seeing the "
        f"published version until a reviewer approves it.\nFollow it at {_drug_url(review)}\n",
        _addresses([submitter]),
    )


def review_decided(review, *, outcome: str, comment: str) -> None:
    """Tell the submitter and the authors what the reviewer decided, with the comment; for an
    approval in part, ask the other reviewers for the approvals still needed."""
    decider = review.decisions.order_by("-created_at", "-id").first()
    reviewer = decider.reviewer if decider else None
    if outcome == "partly_approved":
        _send(
            f"Further review needed: {review.drug.name}",
            f"{review.revision} is approved in part and needs more approvals before it can "
            f"be published.\n\nReview it at {_review_url(review)}\n",
            _addresses(review.deciders(), except_user=reviewer),
        )
        return
    if outcome != "approved":
        verdict = "sent back for changes"
    elif review.publish_at is not None:
        when = timezone.localtime(review.publish_at)
        verdict = f"approved, to go live on {when:%d %B %Y at %H:%M %Z}"
    else:
        verdict = "approved and published"
    _send(
        f"{review.drug.name} {verdict}",
        f"{review.revision} was {verdict}.\n\n{comment}\n\nDetails: {_drug_url(review)}\n",
        _addresses(_contributors(review), except_user=reviewer),
    )


def review_commented(comment) -> None:
    """Tell the submitter, the authors and the reviewers deciding it of a comment on a review."""
    review = comment.review
    _send(
        f"Comment on the review of {review.drug.name}",
        f"{person_label(comment.author)} commented on the review of {review.revision}:\n\n"
        f"{comment.body}\n\nReply or act on it at {_review_url(review)}\n",
        _addresses([*_contributors(review), *review.deciders()], except_user=comment.author),
    )


def review_superseded(review, *, by=None) -> None:
    """Tell the reviewers that what they were reviewing changed under them."""
    _send(
        f"Superseded: {review.drug.name}",
        f"{review.revision} was edited after it was submitted, so its review is closed; "
        "approving it is no longer possible. A newer submission will follow.\n"
        f"Details: {_review_url(review)}\n",
        _addresses(review.deciders(), except_user=by),
    )


def review_withdrawn(review) -> None:
    """Tell the reviewers that a revision left the queue."""
    _send(
        f"Withdrawn: {review.drug.name}",
        f"{review.submitted_by.get_username()} withdrew {review.revision} from review.\n",
        _addresses(review.deciders(), except_user=review.submitted_by),
    )


def part_due(part, *, today) -> int:
    """Remind the reviewers of a live part that it is due (or overdue) for review again.

    The part's own reviewers, or every medical reviewer if none of them can be reached.
    Returns how many people were written to.
    """
    drug = part.revision.drug
    recipients = _addresses(part.reviewers.all())
    if not recipients:
        recipients = _addresses(
            get_user_model().objects.filter(groups__name=REVIEWERS_GROUP, is_active=True)
        )
    due = part.next_review_due
    if due < today:
        when = f"has been overdue for review since {due:%d %B %Y}"
    else:
        when = f"is due for review on {due:%d %B %Y}"
    url = settings.SITE_URL + reverse("admin:reviews_review_overdue")
    _send(
        f"Review due: {drug.name}, {part.title}",
        f"“{part.title}” of {drug.name} {when}.\n\nRe-confirm it if it is still right, or "
        f"edit the monograph and submit the change: {url}\n",
        recipients,
    )
    return len(recipients)


def _problem_report_url(report) -> str:
    return settings.SITE_URL + reverse("admin:reviews_problemreport_change", args=[report.pk])


def _reported_name(report) -> str:
    """The monograph's name as the reader saw it (the reported revision's)."""
    return report.revision.content.get("name") or report.drug.name


def _reported_part(report) -> str:
    name = _reported_name(report)
    return f"“{report.part_title}” of {name}" if report.part_title else name


def problem_report_received(report) -> None:
    """Tell the editors that a reader reported a problem (their text as plain text, as typed)."""
    editors = get_user_model().objects.filter(groups__name=EDITORS_GROUP, is_active=True)
    reply = "They left an address for a reply." if report.reply_to else "They left no address."
    _send(
        f"Problem reported: {_reported_name(report)}",
        f"A reader reported a problem with {_reported_part(report)} "
        f"(revision {report.revision.number}):\n\n{report.message}\n\n{reply}\n"
        f"Triage it at {_problem_report_url(report)}\n",
        _addresses(editors),
    )


def _public_page(report) -> str:
    document = SearchDocument.objects.filter(drug=report.drug_id).only("slug").first()
    return settings.SITE_URL + drug_url(document.slug) if document else ""


def problem_report_closed(report) -> None:
    """Tell the reader who reported a problem, if they left an address, how it was closed."""
    if report.status == report.Status.FIXED:
        approved = timezone.localtime(report.fixed_by.approved_at)
        outcome = f"was corrected in the version approved on {approved:%d %B %Y}"
    else:
        outcome = "was looked at by our editors, who decided to leave the page as it is"
    page = _public_page(report)
    see = f"\nThe page: {page}" if page else ""
    reply = f"\n\nThe editor's reply:\n\n{report.reply}" if report.reply else ""
    _send(
        f"Your report about {_reported_name(report)}",
        f"Thank you for reporting a problem with {_reported_part(report)}. "
        f"It {outcome}.{see}{reply}\n\n"
        f"What you wrote:\n\n{report.message}\n\n"
        "You receive this message because you left your address with your report.\n",
        [report.reply_to] if report.reply_to else [],
    )
