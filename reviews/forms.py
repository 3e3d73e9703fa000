from django import forms
from django.utils import timezone

from reviews.models import ShareLink

APPROVE, REQUEST_CHANGES = "approve", "request_changes"


class SubmitForm(forms.Form):
    reason = forms.CharField(
        label="What changed and why",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


class CommentForm(forms.Form):
    """An optional comment, for withdrawing a submission or unpublishing a monograph."""

    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )


class DecisionForm(forms.Form):
    """A reviewer's verdict, with an overall comment and an optional note per section."""

    outcome = forms.ChoiceField(
        choices=[(APPROVE, "Approve and publish"), (REQUEST_CHANGES, "Request changes")],
        widget=forms.HiddenInput,
    )
    comment = forms.CharField(
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Optional when approving; required when requesting changes.",
    )
    publish_at = forms.DateTimeField(
        required=False,
        label="Go live at (optional)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=(
            "Leave empty to publish on approval. A date and time (site time zone) keeps the "
            "current version public until then, e.g. the day a label change takes effect."
        ),
    )

    def __init__(self, *args, section_titles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for position, title in enumerate(section_titles):
            self.fields[self.note_field_name(position)] = forms.CharField(
                label=f"Note on “{title}”",
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
            )

    @staticmethod
    def note_field_name(position: int) -> str:
        return f"note_{position}"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == REQUEST_CHANGES and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Say what needs to change: a comment is required.")
        publish_at = cleaned.get("publish_at")
        if publish_at is not None:
            if cleaned.get("outcome") != APPROVE:
                self.add_error("publish_at", "Only an approval can go live at a set time.")
            elif publish_at <= timezone.now():
                self.add_error("publish_at", "The time to go live must be in the future.")
        return cleaned

    @property
    def section_notes(self) -> dict[str, str]:
        """Non-empty notes keyed by section position, as `Decision.section_notes` stores them."""
        notes = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("note_") and value.strip():
                notes[name.removeprefix("note_")] = value.strip()
        return notes


class ShareLinkForm(forms.Form):
    recipient = forms.CharField(
        label="Who the link is for",
        max_length=200,
        help_text="Recorded in the audit trail, e.g. “Dr Lee, hepatology”.",
    )
    days = forms.IntegerField(
        label="Works for (days)", min_value=1, max_value=ShareLink.MAX_DAYS, initial=7
    )
