"""Write a parsed monograph to the database, recording every change in history."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from monographs.importer.parsing import ComponentRef, ImportFailed, ParsedMonograph
from monographs.markdown import render_ahead
from monographs.models import Drug, FAQItem, Reference, Section
from monographs.models.tracking import ChangeTrackedModel
from monographs.references import unknown_citations


@dataclass
class LoadResult:
    drug: Drug
    created: bool
    changed: bool
    # Left alone because it exists already (when only new drugs were to be imported).
    skipped: bool = False


class _Writer:
    """Saves objects as `user` with one change reason, and notes whether anything changed."""

    def __init__(self, *, user, reason: str, source_name: str):
        self.user = user
        self.reason = reason
        self.source_name = source_name
        self.changed = False
        # One moment for every row the file writes, so history shows the import as one version.
        self.moment = timezone.now()

    def save(self, instance: ChangeTrackedModel) -> None:
        # Unchanged objects are not saved at all: no history row, no version bump, no query.
        if instance.pk is not None and not instance.has_changed():
            return
        try:
            instance.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise ImportFailed(self.source_name, _one_line(error, instance)) from None
        self._attribute(instance)
        instance.save()
        self.changed = True

    def delete(self, instance: ChangeTrackedModel) -> None:
        self._attribute(instance)
        instance.delete()
        self.changed = True

    def _attribute(self, instance) -> None:
        instance._history_user = self.user
        instance._change_reason = self.reason
        instance._history_date = self.moment


def monograph_load(
    parsed: ParsedMonograph, *, user, reason: str, source_name: str, only_new: bool = False
) -> LoadResult:
    """Create or update the drug `parsed` describes, all or nothing.

    With `only_new`, a drug that exists already (by the same rule that finds one to update) is
    left exactly as it is.
    """
    # Rendered before the transaction, which on SQLite holds the write lock: saving reuses it.
    render_ahead([*(section.body for section in parsed.sections), *(f.answer for f in parsed.faqs)])
    try:
        with transaction.atomic():
            writer = _Writer(user=user, reason=reason, source_name=source_name)
            return _load(parsed, writer, only_new=only_new)
    except IntegrityError as error:
        message = " ".join(str(error).split())
        raise ImportFailed(source_name, f"conflicts with an existing drug ({message})") from None


def _load(parsed: ParsedMonograph, writer: _Writer, *, only_new: bool) -> LoadResult:
    drug = _find_drug(parsed.slug, parsed.name)
    if drug is not None and only_new:
        return LoadResult(drug=drug, created=False, changed=False, skipped=True)
    created = drug is None
    if drug is None:
        drug = Drug()
    drug.name = parsed.name
    if created or parsed.slug_is_explicit:
        # A drug found by name keeps its slug (its public URL) unless the file names one.
        drug.slug = parsed.slug
    drug.generic_name = parsed.generic_name
    if parsed.other_names is not None:
        drug.other_names = "\n".join(parsed.other_names)
    if parsed.drug_class is not None:
        drug.drug_class = parsed.drug_class
    if parsed.regulatory_notes is not None:
        drug.regulatory_notes = parsed.regulatory_notes
    if parsed.components is not None:
        drug.stage_components(_components(drug, parsed.components, writer))
    writer.save(drug)

    _check_citations(parsed, drug, created=created, source_name=writer.source_name)
    if parsed.references is not None:
        _replace_references(writer, drug, parsed.references, created=created)
    _replace_in_place(
        writer,
        existing=list(drug.sections.order_by("position", "id")) if not created else [],
        new=lambda: Section(drug=drug),
        items=parsed.sections,
        assign=_assign_section,
    )
    _replace_in_place(
        writer,
        existing=list(drug.faqs.order_by("position", "id")) if not created else [],
        new=lambda: FAQItem(drug=drug),
        items=parsed.faqs,
        assign=_assign_faq,
    )
    return LoadResult(drug=drug, created=created, changed=writer.changed)


def _check_citations(parsed: ParsedMonograph, drug: Drug, *, created: bool, source_name: str):
    """Refuse a section citing a number that is none of the references the drug will have."""
    if parsed.references is not None:
        known = {reference.number for reference in parsed.references}
    else:
        known = set() if created else set(drug.references.values_list("number", flat=True))
    for section in parsed.sections:
        unknown = unknown_citations(section.body, known)
        if unknown:
            cited = ", ".join(f"[{number}]" for number in unknown)
            raise ImportFailed(
                source_name,
                f"section '{section.heading or section.kind}' cites {cited}, but the document "
                "has no reference with that number (list it under References)",
            )


def _replace_references(writer: _Writer, drug: Drug, parsed: list, *, created: bool) -> None:
    """Update stored references number by number, add new ones, delete the others."""
    existing = (
        {} if created else {reference.number: reference for reference in drug.references.all()}
    )
    wanted = {reference.number for reference in parsed}
    for number, surplus in existing.items():
        if number not in wanted:
            writer.delete(surplus)
    for item in sorted(parsed, key=lambda reference: reference.number):
        reference = existing.get(item.number) or Reference(drug=drug, number=item.number)
        reference.title = item.title
        reference.authors = item.authors
        reference.year = item.year
        reference.url = item.url
        reference.doi = item.doi
        reference.pmid = item.pmid
        writer.save(reference)


def _find_drug(slug: str, name: str) -> Drug | None:
    return Drug.objects.filter(slug=slug).first() or Drug.objects.filter(name=name).first()


def _components(drug: Drug, refs: list[ComponentRef], writer: _Writer) -> list[Drug]:
    """The drugs `refs` name (created when missing), leaving out the drug itself."""
    components = []
    for ref in refs:
        if drug.pk is None and (ref.slug == drug.slug or ref.name == drug.name):
            continue
        component = _find_drug(ref.slug, ref.name)
        if component is None:
            component = Drug(name=ref.name, slug=ref.slug)
            writer.save(component)
        if component.pk != drug.pk:
            components.append(component)
    return components


def _replace_in_place(writer: _Writer, *, existing, new, items, assign) -> None:
    """Update stored rows position by position, add missing ones, delete the surplus.

    Updating in place (rather than delete and recreate) keeps ids stable and writes history
    only for rows whose content really changed.
    """
    for position, item in enumerate(items):
        instance = existing[position] if position < len(existing) else new()
        assign(instance, item)
        instance.position = position
        writer.save(instance)
    for surplus in existing[len(items) :]:
        writer.delete(surplus)


def _assign_section(section: Section, parsed) -> None:
    section.kind = parsed.kind
    section.heading = parsed.heading
    section.body = parsed.body
    section.set_provenance(parsed.provenance)


def _assign_faq(faq: FAQItem, parsed) -> None:
    faq.question = parsed.question
    faq.answer = parsed.answer
    faq.set_provenance(parsed.provenance)


def _one_line(error: ValidationError, instance) -> str:
    label = instance._meta.verbose_name
    if hasattr(error, "message_dict"):
        problems = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    else:
        problems = " ".join(error.messages)
    return " ".join(f"invalid {label}: {problems}".split())
