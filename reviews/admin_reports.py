"""The queue of problems readers reported, in the admin.

Editors and medical reviewers (`change_problemreport`) triage and close reports; contributors
(`view_problemreport`) read them, without the reader's address. A report is never added or
edited here except for its status, the editor's reply and the revision that fixed it, and
every change goes through `problem_report_update`, which records it.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from monographs.models import Revision
from monographs.public.links import drug_url
from reviews.exceptions import ReviewError
from reviews.models import ProblemReport
from reviews.problem_reports import TRIAGE_PERMISSION, problem_report_update


class ProblemReportStatusFilter(admin.SimpleListFilter):
    """The queue shows open reports unless asked for something else."""

    title = "status"
    parameter_name = "status"
    OPEN, ALL = "open", "all"

    def lookups(self, request, model_admin):
        return [*ProblemReport.Status.choices, (self.ALL, "All reports")]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Open (new or triaged)",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.ALL:
            return queryset
        if value in ProblemReport.Status.values:
            return queryset.filter(status=value)
        return queryset.open()


class RevisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, revision):
        return f"Revision {revision.number}, approved {revision.approved_at:%d %b %Y}"


class ProblemReportTriageForm(forms.ModelForm):
    """Status, reply and fixing revision; only the moves the report's status allows."""

    class Meta:
        model = ProblemReport
        fields = ["status", "reply", "fixed_by"]
        field_classes = {"fixed_by": RevisionChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        report = self.instance
        self.current_status = report.status
        if "status" not in self.fields:
            return  # read only: the user may not triage
        allowed = {report.status, *ProblemReport.TRANSITIONS.get(report.status, set())}
        self.fields["status"].choices = [
            (value, label) for value, label in ProblemReport.Status.choices if value in allowed
        ]
        self.fields["fixed_by"].queryset = (
            Revision.objects.approved()
            .filter(drug_id=report.drug_id, number__gt=report.revision.number)
            .order_by("-number")
        )
        self.fields["fixed_by"].help_text = (
            "For “fixed”: the approved revision with the correction (later than the revision "
            f"{report.revision.number} the reader saw)."
        )
        self.fields["reply"].help_text = (
            "Sent to the reader with the outcome when you close the report (fixed or "
            "declined), if they left an address. Plain text."
        )

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status and status != self.current_status:
            report = ProblemReport.objects.get(pk=self.instance.pk)
            refusal = report.move_refusal(status, fixed_by=cleaned.get("fixed_by"))
            if refusal:
                raise forms.ValidationError(refusal)
        return cleaned


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    """Reported problems: the open ones first, oldest first, one monograph's with `?drug=`."""

    form = ProblemReportTriageForm
    list_display = ["created_at", "monograph", "reported_part", "excerpt", "status", "wants_reply"]
    list_display_links = ["created_at", "excerpt"]
    list_filter = [ProblemReportStatusFilter]
    list_select_related = ["drug"]
    search_fields = ["drug__name", "message"]
    ordering = ["created_at", "id"]
    actions = None
    list_per_page = 50
    show_facets = admin.ShowFacets.NEVER

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "drug__id__exact" or super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("drug", "revision", "fixed_by")

    def get_fieldsets(self, request, obj=None):
        report = ["page", "revision_seen", "part_reported", "message_as_sent", "created_at"]
        if request.user.has_perm(TRIAGE_PERMISSION):
            report.append("reply_to")
        return [
            ("The report", {"fields": report}),
            ("Triage", {"fields": ["status", "reply", "fixed_by", "closed_at"]}),
            ("History of this report", {"fields": ["status_changes"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = [
            "page",
            "revision_seen",
            "part_reported",
            "message_as_sent",
            "created_at",
            "reply_to",
            "closed_at",
            "status_changes",
        ]
        if not self.has_change_permission(request, obj):
            readonly += ["status", "reply", "fixed_by"]
        return readonly

    @admin.display(description="Monograph", ordering="drug__name")
    def monograph(self, report):
        return report.drug.name

    @admin.display(description="Part", ordering="part_title")
    def reported_part(self, report):
        return report.part_title or "The whole page"

    @admin.display(description="What is wrong")
    def excerpt(self, report):
        return Truncator(report.message).chars(120)

    @admin.display(description="Wants a reply", boolean=True)
    def wants_reply(self, report):
        return bool(report.reply_to)

    @admin.display(description="Page")
    def page(self, report):
        slug = report.revision.slug
        published = report.drug.published_revision_id is not None
        return format_html(
            '{} (<a href="{}">edit the monograph</a>{})',
            report.revision.content.get("name") or report.drug.name,
            reverse("admin:monographs_drug_change", args=[report.drug_id]),
            format_html(', <a href="{}">public page</a>', drug_url(slug))
            if published and slug
            else "",
        )

    @admin.display(description="Revision the reader saw")
    def revision_seen(self, report):
        return f"Revision {report.revision.number}"

    @admin.display(description="Part of the page")
    def part_reported(self, report):
        return report.part_title or "The whole page"

    @admin.display(description="What is wrong (as the reader wrote it)")
    def message_as_sent(self, report):
        return format_html('<div style="white-space: pre-wrap">{}</div>', report.message)

    @admin.display(description="Changes")
    def status_changes(self, report):
        changes = report.changes.select_related("by")
        if not changes:
            return "None yet."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} → {} by {} on {}{}</li>",
                (
                    (
                        change.get_from_status_display(),
                        change.get_to_status_display(),
                        change.by.get_full_name() or change.by.get_username(),
                        f"{timezone.localtime(change.at):%d %b %Y, %H:%M}",
                        format_html(": “{}”", change.reply) if change.reply else "",
                    )
                    for change in changes
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        try:
            problem_report_update(
                report=obj,
                by=request.user,
                status=form.cleaned_data["status"],
                reply=form.cleaned_data.get("reply") or "",
                fixed_by=form.cleaned_data.get("fixed_by"),
            )
        except ReviewError as error:
            request.problem_report_refusal = str(error)

    def response_change(self, request, obj):
        refusal = getattr(request, "problem_report_refusal", "")
        if not refusal:
            return super().response_change(request, obj)
        self.message_user(request, refusal, messages.ERROR)
        return HttpResponseRedirect(request.path)

    def log_change(self, request, obj, message):
        if not getattr(request, "problem_report_refusal", ""):
            super().log_change(request, obj, message)
