"""The public form a reader reports a problem with a monograph page through."""

from django import forms

from reviews.models import ProblemReport
from reviews.problem_reports import ReportablePart

WHOLE_PAGE = ""
HONEYPOT = "website"


class ProblemReportForm(forms.Form):
    """What is wrong, where, and an optional address for a reply; plus a field only bots fill."""

    part = forms.ChoiceField(label="Which part of the page?", required=False)
    message = forms.CharField(
        label="What is wrong?",
        max_length=ProblemReport.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        help_text=(
            f"At most {ProblemReport.MESSAGE_MAX_LENGTH:,} characters. Please say what the page "
            "says and what you think is right, with a source if you have one. Do not include "
            "personal medical details."
        ),
        error_messages={"required": "Please say what is wrong."},
    )
    reply_to = forms.EmailField(
        label="Your e-mail address (optional)",
        required=False,
        help_text="Only if you would like a reply when we have looked into it. It is never "
        "shown publicly.",
    )
    # Hidden from people (and from assistive technology); a form that fills it is a bot's.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, parts: list[ReportablePart], **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.parts = {part.anchor: part for part in parts}
        self.fields["part"].choices = [
            (WHOLE_PAGE, "The whole page"),
            *((part.anchor, part.title) for part in parts),
        ]

    @property
    def is_from_a_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT))

    def clean_message(self):
        message = self.cleaned_data["message"]
        if len(message) < 10:
            raise forms.ValidationError(
                "Please say a little more about what is wrong (at least 10 characters)."
            )
        return message

    def reported_part(self) -> ReportablePart | None:
        return self.parts.get(self.cleaned_data.get("part") or WHOLE_PAGE)
