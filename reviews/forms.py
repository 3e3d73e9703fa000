from django import forms
from django.utils import timezone

from monographs.forms import DrugAdminForm
from monographs.models import SIGNIFICANCE_HELP, Significance
from reviews.attestation import AttestationRefused, attestation_sign, attestation_statements
from reviews.models import PartDecision, ReviewComment, ShareLink

PARTS, APPROVE, REQUEST_CHANGES = "parts", "approve", "request_changes"
VERDICT_CHOICES = [
    (PartDecision.Outcome.APPROVED, "Approve"),
    (PartDecision.Outcome.CHANGES_REQUESTED, "Request changes"),
]


class WorkflowDrugForm(DrugAdminForm):
    """The drug change form, with the significance a "Save and submit for review" records."""

    significance = forms.ChoiceField(
        label="Clinical significance, if you submit",
        choices=[
            (value, f"{label}: {SIGNIFICANCE_HELP[value]}") for value, label in Significance.choices
        ],
        initial=Significance.EDITORIAL,
        required=False,
        widget=forms.RadioSelect,
        help_text="Used by “Save and submit for review”; readers see it in the change log.",
    )


class SubmitForm(forms.Form):
    """The submission: its change note and clinical significance (editorial if not given)."""

    reason = forms.CharField(
        label="What changed and why",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Shown to reviewers, and to readers in the change log once approved.",
    )
    significance = forms.ChoiceField(
        label="Clinical significance",
        choices=[
            (value, f"{label}: {SIGNIFICANCE_HELP[value]}") for value, label in Significance.choices
        ],
        initial=Significance.EDITORIAL,
        required=False,
        widget=forms.RadioSelect,
        help_text="Readers see it in the change log; safety changes are marked in the feeds.",
    )


class CommentForm(forms.Form):
    """An optional comment, for withdrawing a submission or unpublishing a monograph."""

    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )


class SignatureForm(forms.Form):
    """The attestation an approval is signed with: every statement ticked, and the signer's
    password or one-time code (`self.signature` once `sign` succeeded)."""

    attest = forms.MultipleChoiceField(
        label="I attest that",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick every statement to approve; your decision records them as shown here.",
    )
    signing_secret = forms.CharField(
        label="Sign with your password or a one-time code",
        required=False,
        strip=True,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "size": 24}),
        help_text="Needed to approve; not to request changes.",
    )

    def __init__(self, *args, signer=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.signer, self.request, self.signature = signer, request, None
        self.fields["attest"].choices = [(line, line) for line in attestation_statements()]

    def sign(self, cleaned) -> None:
        if set(cleaned.get("attest") or ()) != set(attestation_statements()):
            self.add_error("attest", "Tick every statement to approve.")
            return
        try:
            self.signature = attestation_sign(
                user=self.signer,
                ticked=cleaned["attest"],
                secret=cleaned.get("signing_secret", ""),
                request=self.request,
            )
        except AttestationRefused as error:
            self.add_error("signing_secret", str(error))


class DecisionForm(SignatureForm):
    """A reviewer's verdicts: per changed part, or on everything at once, with a comment.

    "Record my decisions" (`PARTS`) sends the verdict chosen for each part; "Approve all I
    may" (`APPROVE`) approves every part still open to this reviewer; "Request changes"
    sends the whole revision back, naming the parts that have a note.
    """

    outcome = forms.ChoiceField(
        choices=[
            (PARTS, "Record my decisions"),
            (APPROVE, "Approve all I may"),
            (REQUEST_CHANGES, "Request changes"),
        ],
        widget=forms.HiddenInput,
    )
    comment = forms.CharField(
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Optional when approving; required when requesting changes without a note "
        "on a part.",
    )
    publish_at = forms.DateTimeField(
        required=False,
        label="Go live at (optional)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=(
            "Leave empty to publish once every part is approved. A date and time (site time "
            "zone) keeps the current version public until then, e.g. the day a label change "
            "takes effect; only the approval that completes the review can set it."
        ),
    )

    def __init__(self, *args, parts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.part_keys = []
        for part in parts:
            self.part_keys.append(part.key)
            self.fields[self.verdict_field_name(part.key)] = forms.ChoiceField(
                label=f"Your decision on “{part.title}”",
                required=False,
                choices=[("", "Not now"), *VERDICT_CHOICES],
                widget=forms.RadioSelect,
            )
            self.fields[self.note_field_name(part.key)] = forms.CharField(
                label=f"Note on “{part.title}”",
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
            )

    @staticmethod
    def verdict_field_name(key: str) -> str:
        return f"verdict_{key}"

    @staticmethod
    def note_field_name(key: str) -> str:
        return f"note_{key}"

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        notes = self.part_notes if not self.errors else {}
        if outcome == REQUEST_CHANGES and not (cleaned.get("comment", "").strip() or notes):
            self.add_error("comment", "Say what needs to change: a comment is required.")
        if outcome == PARTS:
            verdicts = self.verdicts if not self.errors else {}
            if not verdicts and not self.errors:
                raise forms.ValidationError("Choose approve or request changes for a part.")
            for key, (verdict, note) in verdicts.items():
                if verdict == REQUEST_CHANGES and not note and not cleaned.get("comment"):
                    self.add_error(
                        self.note_field_name(key), "Say what needs to change in this part."
                    )
        publish_at = cleaned.get("publish_at")
        if publish_at is not None:
            if outcome == REQUEST_CHANGES:
                self.add_error("publish_at", "Only an approval can go live at a set time.")
            elif publish_at <= timezone.now():
                self.add_error("publish_at", "The time to go live must be in the future.")
        if self.approves and not self.errors:
            self.sign(cleaned)
        return cleaned

    @property
    def approves(self) -> bool:
        """Whether the decision approves anything, and so must be signed."""
        outcome = self.cleaned_data.get("outcome")
        if outcome == APPROVE:
            return True
        return outcome == PARTS and any(
            verdict == PartDecision.Outcome.APPROVED for verdict, _note in self.verdicts.values()
        )

    @property
    def verdicts(self) -> dict[str, tuple[str, str]]:
        """The part verdicts chosen, as `review_decide_parts` takes them."""
        chosen = {}
        for key in self.part_keys:
            verdict = self.cleaned_data.get(self.verdict_field_name(key))
            if verdict:
                chosen[key] = (verdict, self.cleaned_data.get(self.note_field_name(key), ""))
        return chosen

    @property
    def part_notes(self) -> dict[str, str]:
        """Non-empty notes keyed by part."""
        notes = {}
        for key in self.part_keys:
            note = (self.cleaned_data.get(self.note_field_name(key)) or "").strip()
            if note:
                notes[key] = note
        return notes


class ReconfirmForm(SignatureForm):
    """Re-confirming a live part unchanged: a signed approval of it, with an optional note."""

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Recorded in the audit trail, e.g. what you checked it against.",
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            self.sign(cleaned)
        return cleaned


class ShareLinkForm(forms.Form):
    recipient = forms.CharField(
        label="Who the link is for",
        max_length=200,
        help_text="Recorded in the audit trail, e.g. “Dr Lee, hepatology”.",
    )
    days = forms.IntegerField(
        label="Works for (days)", min_value=1, max_value=ShareLink.MAX_DAYS, initial=7
    )


class ReviewCommentForm(forms.Form):
    body = forms.CharField(
        label="Comment without deciding",
        max_length=ReviewComment.MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Seen by the submitter, the authors, reviewers and editors; never published. "
        "A comment is not a verdict and does not move the review.",
    )
