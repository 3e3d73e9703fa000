"""Admin forms for monographs, with optimistic locking against silent overwrites.

Each form carries the `version` of the row it was opened at. On save the row is locked and its
version compared: if someone saved it in between, the form is rejected with a message naming
them, the person's own text stays in the form to merge, and the hidden version moves on so that
the merged text can be saved. A stale form that sends a row back exactly as it was opened (the
person edited other parts of the page) keeps the newer row and saves the rest. A form for an
existing row that comes without its version is refused in the same way: it cannot be current.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet

from monographs.locking import drug_lock
from monographs.models import Drug, FAQItem, SearchDocument, Section
from monographs.versions import content_fields, format_moment

LOCK_FIELD = "lock_version"
PROVENANCE_FIELDS = ["origin", "ai_tool", "sources"]


def last_change(model, pk) -> tuple[str, str]:
    """Who last saved (or deleted) row `pk` of `model` and when, for a conflict message."""
    record = (
        model.history.filter(id=pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None:
        return "someone", "an unknown time"
    user = record.history_user.get_username() if record.history_user else "someone"
    return user, format_moment(record.history_date)


def conflict_message(model, pk, noun: str, *, deleting: bool = False) -> str:
    user, moment = last_change(model, pk)
    changed = f"This {noun} was changed by {user} at {moment} since you opened it."
    if deleting:
        return f"{changed} It was not deleted: reload the page to see their version first."
    return (
        f"{changed} Your text is kept below and was not saved: compare it with theirs "
        "(History, top right), merge the two here, and save again."
    )


def unversioned_message(noun: str, *, deleting: bool = False) -> str:
    sent = (
        f"This {noun} was sent without the version you opened, so it cannot be checked "
        "against changes made since."
    )
    if deleting:
        return f"{sent} It was not deleted: reload the page and delete it again."
    return (
        f"{sent} Your text is kept below and was not saved: compare it with the current "
        "version (History, top right) and save again."
    )


def deleted_message(model, pk, noun: str) -> str:
    user, moment = last_change(model, pk)
    return (
        f"This {noun} was deleted by {user} at {moment} since you opened it. Copy your text, "
        "reload the page and add it again (or restore it from the History)."
    )


class LockedModelForm(forms.ModelForm):
    """A model form that refuses to save over a newer version of its row."""

    noun = "item"

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, refusal: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = False
        # Set when the save is refused before it starts (the rows stayed locked by someone
        # else): nothing is checked or locked, and the page's form says why.
        self.refusal = refusal
        if self.instance.pk is not None:
            self.initial.setdefault(LOCK_FIELD, self.instance.version)

    def opened_pk(self):
        """The primary key of the row this form was opened on, even if that row is gone now."""
        if self.instance.pk is not None:
            return self.instance.pk
        pk_name = self._meta.model._meta.pk.name
        raw = self.data.get(self.add_prefix(pk_name)) if self.is_bound else None
        return int(raw) if raw and str(raw).isdigit() else None

    def current_row(self, pk):
        """The row as it is now, locked until this transaction ends (None if deleted).

        A section or FAQ item locks its drug first: the one lock order (`monographs.locking`).
        """
        model = self._meta.model
        if model is Drug:
            return drug_lock(pk=pk)
        drug_lock(pk=self.instance.drug_id)
        return model._default_manager.select_for_update(of=("self",)).filter(pk=pk).first()

    def _edited_fields(self) -> list[models.Field]:
        return [
            model_field
            for model_field in content_fields(self._meta.model)
            if model_field.name in self.cleaned_data
        ]

    def _edited_relations(self) -> list[models.Field]:
        return [
            model_field
            for model_field in self._meta.model._meta.many_to_many
            if model_field.name in self.cleaned_data
        ]

    def submits_what_was_opened(self, pk, opened_at: int, current) -> bool:
        """Whether this form sends back, unedited, the version it was opened at."""
        opened = (
            self._meta.model.history.filter(id=pk, version=opened_at)
            .order_by("-history_date", "-history_id")
            .first()
        )
        if opened is None:
            return False
        for model_field in self._edited_fields():
            if self.cleaned_data[model_field.name] != getattr(opened, model_field.attname):
                return False
        # Relations are not versioned: unedited means "as they are now".
        for model_field in self._edited_relations():
            submitted = {related.pk for related in self.cleaned_data[model_field.name]}
            if submitted != set(getattr(current, model_field.name).values_list("pk", flat=True)):
                return False
        return True

    def keep_current(self, current) -> None:
        """Save nothing over `current`: the person only sent back what they were shown."""
        for model_field in self._edited_fields():
            self.cleaned_data[model_field.name] = getattr(current, model_field.attname)
        for model_field in self._edited_relations():
            self.cleaned_data[model_field.name] = list(getattr(current, model_field.name).all())

    def check_version(self, *, deleting: bool = False) -> str | None:
        """A conflict message if the row changed since the form was opened, else None."""
        opened_at = self.cleaned_data.get(LOCK_FIELD)
        pk = self.opened_pk()
        if pk is None:
            return None
        model = self._meta.model
        current = self.current_row(pk)
        if current is None:
            return deleted_message(model, pk, self.noun)
        if opened_at is None:
            # A form without its version (a page from before locking, a hand-made POST) cannot
            # show it is current: refuse it, and let the resubmitted page carry the version.
            self._carry_version(current)
            return unversioned_message(self.noun, deleting=deleting)
        if current.version == opened_at:
            return None
        if not deleting and self.submits_what_was_opened(pk, opened_at, current):
            self.keep_current(current)
            return None
        self.conflict = True
        # Let the next save, made after reading the message and merging, go through.
        self._carry_version(current)
        return conflict_message(model, pk, self.noun, deleting=deleting)

    def _carry_version(self, current) -> None:
        self.data = self.data.copy()
        self.data[self.add_prefix(LOCK_FIELD)] = str(current.version)

    def clean(self):
        cleaned_data = super().clean()
        # Browsers send textarea line breaks as CRLF; store one convention, so that saving
        # unchanged text is not a change.
        for name, value in cleaned_data.items():
            if isinstance(value, str) and "\r" in value:
                cleaned_data[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        if self.has_changed() and not cleaned_data.get("DELETE") and not self.refusal:
            message = self.check_version()
            if message:
                raise ValidationError(message, code="stale")
        return cleaned_data


class LockedInlineFormSet(BaseInlineFormSet):
    """Inline formset that also refuses to delete a row someone changed in the meantime."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Rows name their drug (`Section.__str__`): hand them the parent, not a query each.
        if getattr(form.instance, self.fk.attname) == self.instance.pk:
            self.fk.set_cached_value(form.instance, self.instance)
        return form

    def clean(self):
        super().clean()
        # Django skips the errors of forms marked for deletion, so check those here.
        for form in self.deleted_forms:
            if form.instance.pk is None or not hasattr(form, "cleaned_data") or form.refusal:
                continue
            message = form.check_version(deleting=True)
            if message:
                raise ValidationError(message, code="stale")


class DrugAdminForm(LockedModelForm):
    noun = "monograph"

    change_reason = forms.CharField(
        label="Reason for this change",
        required=False,
        max_length=300,
        help_text="Optional. Shown in the history next to your edit (and, when you save and "
        "submit for review, to reviewers and readers as the change note).",
    )

    class Meta:
        model = Drug
        fields = [
            "name",
            "slug",
            "generic_name",
            "other_names",
            "drug_class",
            "components",
            "regulatory_notes",
        ]

    def clean(self):
        cleaned_data = super().clean()
        if self.refusal:
            raise ValidationError(self.refusal, code="busy")
        return cleaned_data

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        # Working copies' slugs are unique among themselves; one another monograph is still
        # published at (its rename in review) must stay free for it, too.
        taken = SearchDocument.objects.filter(slug=slug).exclude(drug_id=self.instance.pk)
        if slug and taken.exists():
            raise ValidationError(
                "Another monograph is published at this address; choose another slug.",
                code="published_slug",
            )
        return slug


class InlineRowForm(LockedModelForm):
    """A section or FAQ row of a monograph's form."""

    def has_changed(self):
        # The order script numbers every row it adds: a new row with nothing else filled in
        # is still a blank row, not an empty section to save.
        if self.instance.pk is None and set(self.changed_data) <= {"position", LOCK_FIELD}:
            return False
        return super().has_changed()


class SectionAdminForm(InlineRowForm):
    noun = "section"

    class Meta:
        model = Section
        fields = ["position", "kind", "heading", "body", *PROVENANCE_FIELDS]


class FAQItemAdminForm(InlineRowForm):
    noun = "FAQ item"

    class Meta:
        model = FAQItem
        fields = ["position", "question", "answer", *PROVENANCE_FIELDS]
