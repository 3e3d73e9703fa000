"""A monograph's past: its versions, the document as of any point, and restoring one.

A monograph's history is spread over three tables (the drug row, its sections, its FAQ items).
Every edit made through the admin or a restore stamps all the rows it writes with one
`history_date`, so the rows sharing a date form one version of the whole monograph.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format

from monographs.markdown import MarkdownError
from monographs.models import Drug, FAQItem, Reference, Section
from monographs.vocabulary import kind_label

ADDED, CHANGED, DELETED = "added", "changed", "deleted"
_ACTIONS = {"+": ADDED, "~": CHANGED, "-": DELETED}


class RestoreError(Exception):
    """A version cannot be restored (it did not exist, or it clashes with another drug)."""


def content_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields a person edits (and a restore puts back): no keys, counters or derived HTML."""
    return [
        model_field
        for model_field in model._meta.concrete_fields
        if model_field.editable and not model_field.primary_key and model_field.name != "drug"
    ]


def format_moment(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i:s T")


@dataclass
class HistoryEntry:
    """One row of one table: what happened to the drug, a section or an FAQ item."""

    record: models.Model
    subject: str
    title: str
    action: str
    changed_fields: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        what = f"{self.subject} “{self.title}”" if self.subject != "Drug" else "Drug"
        if self.action != CHANGED:
            return f"{what} {self.action}"
        if not self.changed_fields:
            return f"{what} saved"
        return f"{what}: {', '.join(self.changed_fields)} changed"


@dataclass
class Version:
    """Everything saved at one moment: one edit of the monograph."""

    at: datetime
    entries: list[HistoryEntry]

    @property
    def token(self) -> str:
        return self.at.isoformat()

    @property
    def users(self) -> list:
        users = []
        for entry in self.entries:
            user = entry.record.history_user
            if user is not None and user not in users:
                users.append(user)
        return users

    @property
    def reasons(self) -> list[str]:
        reasons = []
        for entry in self.entries:
            reason = (entry.record.history_change_reason or "").strip()
            if reason and reason not in reasons:
                reasons.append(reason)
        return reasons


_SUBJECT_ORDER = {"Drug": 0, "Section": 1, "FAQ": 2, "Reference": 3}


def _history_rows(drug_id: int) -> list[tuple[str, models.Model]]:
    rows = [
        ("Drug", record)
        for record in Drug.history.filter(id=drug_id).select_related("history_user")
    ]
    rows += [
        ("Section", record)
        for record in Section.history.filter(drug_id=drug_id).select_related("history_user")
    ]
    rows += [
        ("FAQ", record)
        for record in FAQItem.history.filter(drug_id=drug_id).select_related("history_user")
    ]
    rows += [
        ("Reference", record)
        for record in Reference.history.filter(drug_id=drug_id).select_related("history_user")
    ]
    rows.sort(key=lambda row: (row[1].history_date, _SUBJECT_ORDER[row[0]], row[1].history_id))
    return rows


def _title(subject: str, record) -> str:
    if subject == "Section":
        return record.heading or kind_label(record.kind)
    if subject == "FAQ":
        return record.question
    if subject == "Reference":
        return f"[{record.number}] {record.title}"
    return record.name


def drug_versions(drug_id: int) -> list[Version]:
    """Every version of the monograph, newest first, each saying who changed what and why."""
    previous_by_object: dict[tuple[str, int], models.Model] = {}
    versions: list[Version] = []
    for subject, record in _history_rows(drug_id):
        model = record.instance_type
        previous = previous_by_object.get((subject, record.id))
        changed = []
        if record.history_type == "~" and previous is not None:
            changed = [
                str(model_field.verbose_name)
                for model_field in content_fields(model)
                if getattr(record, model_field.attname) != getattr(previous, model_field.attname)
            ]
            if subject == "Drug" and record.component_ids != previous.component_ids:
                changed.append("components")
        previous_by_object[(subject, record.id)] = record
        entry = HistoryEntry(
            record=record,
            subject=subject,
            title=_title(subject, record),
            action=_ACTIONS[record.history_type],
            changed_fields=changed,
        )
        if versions and versions[-1].at == record.history_date:
            versions[-1].entries.append(entry)
        else:
            versions.append(Version(at=record.history_date, entries=[entry]))
    versions.reverse()
    return versions


@dataclass
class Snapshot:
    """The historical rows that made up a monograph at one moment."""

    drug: models.Model
    sections: list[models.Model]
    faqs: list[models.Model]
    references: list[models.Model]


def _alive_as_of(history: models.QuerySet, moment: datetime) -> list[models.Model]:
    latest: dict[int, models.Model] = {}
    for record in history.filter(history_date__lte=moment).order_by("history_date", "history_id"):
        latest[record.id] = record
    return [record for record in latest.values() if record.history_type != "-"]


def drug_snapshot_as_of(drug_id: int, moment: datetime) -> Snapshot | None:
    """The drug, section and FAQ rows as they stood at `moment`; None if the drug did not exist."""
    drug_record = (
        Drug.history.filter(id=drug_id, history_date__lte=moment)
        .order_by("-history_date", "-history_id")
        .first()
    )
    if drug_record is None or drug_record.history_type == "-":
        return None
    sections = _alive_as_of(Section.history.filter(drug_id=drug_id), moment)
    faqs = _alive_as_of(FAQItem.history.filter(drug_id=drug_id), moment)
    references = _alive_as_of(Reference.history.filter(drug_id=drug_id), moment)
    sections.sort(key=lambda record: (record.position, record.id))
    faqs.sort(key=lambda record: (record.position, record.id))
    references.sort(key=lambda record: (record.number, record.id))
    return Snapshot(drug=drug_record, sections=sections, faqs=faqs, references=references)


def _component_slugs(component_ids: list[int]) -> list[str]:
    """Today's slugs of those components (one that has since been deleted is left out)."""
    return sorted(Drug.objects.filter(pk__in=component_ids).values_list("slug", flat=True))


def snapshot_document(snapshot: Snapshot) -> dict:
    """The snapshot in `Drug.document()` shape."""
    drug = snapshot.drug.instance
    document = {
        "slug": drug.slug,
        "name": drug.name,
        "generic_name": drug.generic_name,
        "other_names": drug.other_name_list,
        "drug_class": drug.drug_class,
        "regulatory_notes": drug.regulatory_notes,
        "components": _component_slugs(snapshot.drug.component_ids),
        "sections": [record.instance.document() for record in snapshot.sections],
        "faqs": [record.instance.document() for record in snapshot.faqs],
    }
    if snapshot.references:
        document["references"] = [record.instance.document() for record in snapshot.references]
    return document


def drug_document_as_of(drug: Drug, moment: datetime) -> dict | None:
    """The monograph as it read at `moment`, in `Drug.document()` shape; None before it existed."""
    snapshot = drug_snapshot_as_of(drug.pk, moment)
    if snapshot is None:
        return None
    return snapshot_document(snapshot)


def _stamp(obj: models.Model, *, by, reason: str, moment: datetime) -> models.Model:
    obj._history_user = by
    obj._change_reason = reason
    obj._history_date = moment
    return obj


def _restore_items(model, *, drug: Drug, records: list, by, reason: str, moment) -> bool:
    current = {obj.pk: obj for obj in model.objects.select_for_update().filter(drug=drug)}
    wanted = {record.id: record for record in records}
    changed = False
    for pk, obj in current.items():
        if pk not in wanted:
            _stamp(obj, by=by, reason=reason, moment=moment).delete()
            changed = True
    missing = [pk for pk in wanted if pk not in current]
    last_versions = dict(
        model.history.filter(id__in=missing)
        .values("id")
        .annotate(last=Max("version"))
        .values_list("id", "last")
    )
    for pk, record in wanted.items():
        obj = current.get(pk)
        if obj is None:
            # Re-create under its old id so its history reads as one continuous story, with a
            # version no stale form can still hold.
            obj = model(pk=pk, drug=drug, version=last_versions.get(pk, 0) + 1)
        for model_field in content_fields(model):
            setattr(obj, model_field.attname, getattr(record, model_field.attname))
        if obj.has_changed():
            _stamp(obj, by=by, reason=reason, moment=moment).save()
            changed = True
    return changed


@transaction.atomic
def drug_restore(*, drug: Drug, as_of: datetime, by, reason: str = "") -> bool:
    """Make the working copy read as it did at `as_of`: an ordinary, recorded edit.

    Sections, FAQ items and references deleted since are re-created, ones added since are
    deleted; the components are put back (but for any drug deleted since). The published
    revision is never touched. Returns False when nothing needed to change.
    """
    drug = Drug.objects.select_for_update().get(pk=drug.pk)
    snapshot = drug_snapshot_as_of(drug.pk, as_of)
    if snapshot is None:
        raise RestoreError(f"{drug} did not exist at {format_moment(as_of)}.")
    change_reason = f"Restored version of {format_moment(as_of)}"
    if reason.strip():
        change_reason = f"{change_reason}: {reason.strip()}"
    moment = timezone.now()

    for model_field in content_fields(Drug):
        setattr(drug, model_field.attname, getattr(snapshot.drug, model_field.attname))
    drug.stage_components(Drug.objects.filter(pk__in=snapshot.drug.component_ids))
    try:
        drug.validate_unique()
    except ValidationError as error:
        raise RestoreError(" ".join(error.messages)) from error
    changed = drug.has_changed()
    if changed:
        _stamp(drug, by=by, reason=change_reason, moment=moment).save()

    for model, records in [
        (Reference, snapshot.references),
        (Section, snapshot.sections),
        (FAQItem, snapshot.faqs),
    ]:
        try:
            changed |= _restore_items(
                model, drug=drug, records=records, by=by, reason=change_reason, moment=moment
            )
        except MarkdownError as error:
            # A version written before today's limits may hold markdown they refuse.
            raise RestoreError(
                f"The version of {format_moment(as_of)} cannot be restored as it is: {error}"
            ) from error
    return changed
