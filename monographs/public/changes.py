"""The public change log of a monograph: what changed in each approved version, and why.

Each approved version lists the parts it changed (the details, sections, FAQ items), its change
note and clinical significance, a word diff of the text readers see (the sanitized HTML as
text, so markdown syntax never shows as a change) and the sources each part gained or lost.
Parts reviewed again without a change ("reviewed, no change") sit between the versions, by
date. Only approved revisions are read: drafts and revisions waiting for review never show.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from monographs.diff import UNCHANGED, SectionChange, compare_documents, word_diff_html
from monographs.models import Reconfirmation, Revision, SearchDocument, Significance
from monographs.models.revisions import SIGNIFICANCE_HELP
from monographs.public.links import (
    drug_url,
    letter_label,
    letter_url,
    name_letter,
    redirect_retired_slug,
    slug_url,
)
from monographs.public.page_cache import cached_public_page
from monographs.vocabulary import (
    ADDED,
    CHANGED,
    MOVED,
    REMOVED,
    change_label,
    html_to_text,
    origin_label,
    source_links,
)

CHANGES_PER_PAGE = 10

# Block ends become line breaks, so the diff matches paragraph by paragraph, as it shows them.
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr|dt|dd)\s*>|<br\s*/?>", re.IGNORECASE)


def published_drug(slug: str) -> dict | None:
    """The drug id, slug and public title of the monograph published at `slug`, if any."""
    return (
        SearchDocument.objects.filter(slug=slug, drug__published_revision__isnull=False)
        .order_by()
        .annotate(title=KeyTextTransform("name", "drug__published_revision__content"))
        .values("drug_id", "slug", "title")
        .first()
    )


def significance_label(significance: str) -> str:
    """ "Safety", "Clinical", "Editorial" (a value no longer offered shows as its own word)."""
    try:
        return Significance(significance).label
    except ValueError:
        return str(significance or "").capitalize()


def significance_phrase(significance: str) -> str:
    """ "Safety change: a new or changed warning, …" (the submitter's judgement, in words)."""
    label = f"{significance_label(significance)} change"
    help_text = SIGNIFICANCE_HELP.get(significance)
    return f"{label}: {help_text}." if help_text else f"{label}."


def rendered_text(html: str) -> str:
    """The text readers see in sanitized HTML, one line per paragraph or list item."""
    lines = (html_to_text(chunk) for chunk in _BLOCK_END.split(html or ""))
    return "\n".join(line for line in lines if line)


def _item_text(item: dict | None, source_field: str) -> str:
    if item is None:
        return ""
    if "html" in item:
        return rendered_text(item["html"])
    # A revision frozen without its rendering: its source text is the best there is.
    return item.get(source_field) or ""


def _sources(item: dict | None) -> list[tuple[str, str]]:
    sources = ((item or {}).get("provenance") or {}).get("sources") or []
    return [
        (source.get("title") or source.get("url") or "", source.get("url") or "")
        for source in sources
    ]


def _as_links(pairs: list[tuple[str, str]]) -> list[dict]:
    return source_links([{"title": title, "url": url} for title, url in pairs])


@dataclass
class PartChange:
    """One changed part of a version, as readers are shown it."""

    title: str
    status: str
    is_faq: bool = False
    diff_html: SafeString | str = ""
    text_changed: bool = True
    sources_added: list[dict] = field(default_factory=list)
    sources_removed: list[dict] = field(default_factory=list)
    origin_change: tuple[str, str] | None = None

    @property
    def status_label(self) -> str:
        return change_label(self.status)

    @property
    def label(self) -> str:
        """The part's name in a list of changes ("Usage (Changed)", "FAQ: …  (New)")."""
        title = f"FAQ: {self.title}" if self.is_faq else self.title
        return f"{title} ({self.status_label})"


def _item_change(change: SectionChange, *, source_field: str, is_faq: bool) -> PartChange:
    old_text = _item_text(change.old, source_field)
    new_text = _item_text(change.new, source_field)
    old_sources, new_sources = _sources(change.old), _sources(change.new)
    origin_change = None
    if change.old and change.new:
        before = origin_label((change.old.get("provenance") or {}).get("origin", ""))
        after = origin_label((change.new.get("provenance") or {}).get("origin", ""))
        if before != after:
            origin_change = (before, after)
    shows_text = change.status in (ADDED, REMOVED, CHANGED) and old_text != new_text
    return PartChange(
        title=change.title,
        status=change.status,
        is_faq=is_faq,
        diff_html=word_diff_html(old_text, new_text) if shows_text else "",
        text_changed=shows_text,
        sources_added=_as_links([s for s in new_sources if s not in old_sources]),
        sources_removed=_as_links([s for s in old_sources if s not in new_sources]),
        origin_change=origin_change,
    )


def version_changes(older: dict | None, newer: dict) -> list[PartChange]:
    """The parts `newer` changed since `older`: details fields, sections, FAQ items, then
    references."""
    comparison = compare_documents(older, newer)
    changes = [
        PartChange(title=change.label, status=CHANGED, diff_html=change.diff_html)
        for change in comparison.fields
        if change.status != UNCHANGED
    ]
    changes += [
        _item_change(change, source_field="markdown", is_faq=False)
        for change in comparison.sections
        if change.is_changed
    ]
    changes += [
        _item_change(change, source_field="answer", is_faq=True)
        for change in comparison.faqs
        if change.is_changed
    ]
    changes += [
        PartChange(
            title=f"Reference {change.title}", status=change.status, diff_html=change.diff_html
        )
        for change in comparison.references
        if change.is_changed
    ]
    return changes


@dataclass
class VersionEntry:
    """An approved version of a monograph and what it changed since the version before."""

    revision: Revision
    version: int
    is_first: bool
    changes: list[PartChange] = field(default_factory=list)

    kind = "version"

    @property
    def at(self) -> datetime:
        return self.revision.approved_at

    @property
    def anchor(self) -> str:
        return f"revision-{self.revision.number}"

    @property
    def significance(self) -> str:
        return self.revision.significance

    @property
    def significance_label(self) -> str:
        return significance_label(self.revision.significance)

    @property
    def significance_help(self) -> str:
        return SIGNIFICANCE_HELP.get(self.revision.significance, "")

    @property
    def is_safety(self) -> bool:
        return self.revision.significance == Significance.SAFETY

    @property
    def note(self) -> str:
        return self.revision.reason.strip()

    @property
    def changed_labels(self) -> list[str]:
        return [change.label for change in self.changes]

    @property
    def only_moved(self) -> bool:
        return bool(self.changes) and all(change.status == MOVED for change in self.changes)


@dataclass
class ReconfirmationEntry:
    """Parts reviewed again without a change, by the same reviewers on the same day."""

    at: datetime
    credits: list[str]
    parts: list[Reconfirmation]

    kind = "reconfirmation"


def approved_versions(drug_id: int, *, start: int, count: int):
    """Approved versions `start` to `start + count` (newest first) with what each changed.

    Returns the version just newer than the slice (None on the first page), the entries, and
    whether older versions exist. One query, whatever the slice: it reads one version more
    on each side, the newer one to bound the page, the older one to compare the last with.
    """
    first = max(start - 1, 0)
    revisions = list(
        Revision.objects.approved()
        .filter(drug_id=drug_id)
        .annotate(version=Window(RowNumber(), order_by=[F("approved_at").asc(), F("number").asc()]))
        .order_by("-approved_at", "-number")
        .only(
            "number",
            "content",
            "reason",
            "significance",
            "approved_at",
            "approved_by_credit",
            "next_review_due",
        )[first : start + count + 1]
    )
    newer = revisions.pop(0) if start > 0 and revisions else None
    shown = revisions[:count]
    entries = []
    for index, revision in enumerate(shown):
        older = revisions[index + 1] if index + 1 < len(revisions) else None
        entry = VersionEntry(revision=revision, version=revision.version, is_first=older is None)
        if older is not None:
            entry.changes = version_changes(older.content, revision.content)
        entries.append(entry)
    return newer, entries, len(revisions) > count


def _reconfirmations(drug_id: int, *, since, before) -> list[Reconfirmation]:
    """The "reviewed, no change" records reviewed in [since, before), newest first."""
    records = Reconfirmation.objects.filter(drug_id=drug_id).order_by("-reviewed_at", "-pk")
    if since is not None:
        records = records.filter(reviewed_at__gte=since)
    if before is not None:
        records = records.filter(reviewed_at__lt=before)
    return list(records.only("title", "reviewed_at", "credits", "next_review_due"))


def _interleave(versions: list[VersionEntry], records: list[Reconfirmation]) -> list:
    """Versions and reconfirmations newest first; reconfirmations by the same reviewers on the
    same day, with no version between them, make one entry."""
    dated = sorted(
        [*versions, *records],
        key=lambda item: item.at if isinstance(item, VersionEntry) else item.reviewed_at,
        reverse=True,
    )
    entries: list = []
    for item in dated:
        if isinstance(item, VersionEntry):
            entries.append(item)
            continue
        last = entries[-1] if entries else None
        if (
            isinstance(last, ReconfirmationEntry)
            and last.credits == item.credits
            and timezone.localdate(last.at) == timezone.localdate(item.reviewed_at)
        ):
            last.parts.append(item)
        else:
            entries.append(
                ReconfirmationEntry(at=item.reviewed_at, credits=item.credits, parts=[item])
            )
    return entries


def _page_number(request) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError as error:
        raise Http404("No such page.") from error
    if number < 1:
        raise Http404("No such page.")
    return number


@cached_public_page(params=("page",))
def drug_changes(request, slug):
    """What changed in each approved version of a monograph, and why, newest first."""
    drug = published_drug(slug)
    if drug is None:
        return redirect_retired_slug(request, "monographs:drug_changes", slug)
    number = _page_number(request)
    newer, versions, has_older = approved_versions(
        drug["drug_id"], start=(number - 1) * CHANGES_PER_PAGE, count=CHANGES_PER_PAGE
    )
    if not versions:
        raise Http404("No such page.")
    reconfirmations = _reconfirmations(
        drug["drug_id"],
        since=versions[-1].at if has_older else None,
        before=newer.approved_at if newer else None,
    )
    changes_url = reverse("monographs:drug_changes", kwargs={"slug": drug["slug"]})
    letter = name_letter(drug["title"])
    return render(
        request,
        "monographs/drug_changes.html",
        {
            "drug": drug,
            "title": drug["title"],
            "drug_url": drug_url(drug["slug"]),
            "page_param": number if number > 1 else "",
            "letter_crumb": letter_label(letter),
            "letter_path": letter_url(letter),
            "feed_url": slug_url("monographs:drug_changes_feed", drug["slug"]),
            "entries": _interleave(versions, reconfirmations),
            "newer_url": (f"{changes_url}?page={number - 1}" if number > 2 else changes_url)
            if number > 1
            else "",
            "older_url": f"{changes_url}?page={number + 1}" if has_older else "",
        },
    )
