import logging

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget
from simple_history.admin import SimpleHistoryAdmin

from monographs import admin_views, limits
from monographs.forms import (
    LOCK_FIELD,
    PROVENANCE_FIELDS,
    DrugAdminForm,
    FAQItemAdminForm,
    InlineRowForm,
    LockedInlineFormSet,
    SectionAdminForm,
)
from monographs.locking import is_lock_conflict
from monographs.markdown import render_ahead
from monographs.models import (
    UNVERIFIED_ORIGINS,
    Drug,
    FAQItem,
    Origin,
    Reference,
    Revision,
    Section,
)
from monographs.references import MAX_REFERENCES, unknown_citation_message, unknown_citations
from monographs.versions import RestoreError, drug_restore

MARKDOWN_EDITOR = {MarkdownxField: {"widget": AdminMarkdownxWidget}}
SAVE_ATTEMPTS = 2
SAVE_REFUSED_MESSAGE = (
    "This monograph was being saved or reviewed by someone else at the same moment, so "
    "nothing was saved. Your text is kept below: save again."
)

logger = logging.getLogger(__name__)


def count_of(model, **filters) -> Coalesce:
    """A per-drug count as a correlated subquery (no join fan-out, one query for any page)."""
    counts = (
        model.objects.filter(drug=OuterRef("pk"), **filters)
        .order_by()
        .values("drug")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class LimitedInline(admin.StackedInline):
    """An inline that refuses more than `max_num` rows on the server too, naming the limit.

    Django's inlines pass `max_num` only to the browser's "Add another" button: a forged POST
    may send any number of forms unless the formset also validates it.
    """

    formset = LockedInlineFormSet
    extra = 0
    too_many_message = ""

    def get_formset(self, request, obj=None, **kwargs):
        max_num = self.get_max_num(request, obj, **kwargs)
        kwargs.update(validate_max=True, absolute_max=max_num)
        formset = super().get_formset(request, obj, **kwargs)
        formset.default_error_messages = {"too_many_forms": self.too_many_message}
        return formset


def document_size_error(data) -> ValidationError | None:
    """An error if the POSTed monograph's text is larger than a document may be."""
    size = sum(len(value.encode()) for _name, values in data.lists() for value in values)
    if size <= limits.MAX_DOCUMENT_BYTES:
        return None
    return ValidationError(
        f"This monograph's text is {size:,} bytes; the limit is {limits.MAX_DOCUMENT_BYTES:,} "
        "bytes (MAX_DOCUMENT_BYTES). Shorten or remove some sections.",
        code="document_too_large",
    )


class ReferenceAdminForm(InlineRowForm):
    noun = "reference"

    class Meta:
        model = Reference
        fields = ["number", "title", "authors", "year", "url", "doi", "pmid"]

    def has_changed(self):
        # A new row with only its number filled in is still a blank row.
        if self.instance.pk is None and set(self.changed_data) <= {"number", LOCK_FIELD}:
            return False
        return super().has_changed()


class ReferenceFormSet(LockedInlineFormSet):
    def numbers(self) -> set[int]:
        """The reference numbers this save leaves (the formset's rows, deletions left out)."""
        numbers = set()
        for form in self.forms:
            # A row with an error elsewhere (its URL, say) still counts: one message, not two.
            if form.errors is None or self._should_delete_form(form):
                continue
            number = form.cleaned_data.get("number") if form.has_changed() else None
            if number is None and form.instance.pk is not None:
                number = form.instance.number
            if number is not None:
                numbers.add(number)
        return numbers


class SectionFormSet(LockedInlineFormSet):
    # Set by `DrugAdmin`: the references saved with these sections, which they may cite.
    reference_formset: ReferenceFormSet | None = None

    def clean(self):
        super().clean()
        # The whole POST is the document: the sections' formset speaks for all of it.
        error = document_size_error(self.data)
        if error is not None:
            raise error
        self._check_citations()

    def _check_citations(self) -> None:
        if self.reference_formset is not None:
            known = self.reference_formset.numbers()
        else:
            known = set(self.instance.references.values_list("number", flat=True))
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            unknown = unknown_citations(form.cleaned_data.get("body") or "", known)
            if unknown:
                form.add_error("body", unknown_citation_message(unknown))


class SectionInline(LimitedInline):
    model = Section
    form = SectionAdminForm
    formset = SectionFormSet
    max_num = limits.MAX_SECTIONS
    too_many_message = (
        f"A monograph may have at most {limits.MAX_SECTIONS} sections (MAX_SECTIONS)."
    )
    fieldsets = [
        (None, {"fields": [LOCK_FIELD, "position", "kind", "heading", "body"]}),
        ("Provenance", {"fields": PROVENANCE_FIELDS}),
    ]
    formfield_overrides = MARKDOWN_EDITOR


class ReferenceInline(LimitedInline):
    model = Reference
    form = ReferenceAdminForm
    formset = ReferenceFormSet
    max_num = MAX_REFERENCES
    too_many_message = f"A monograph may have at most {MAX_REFERENCES} references."
    fieldsets = [
        (
            None,
            {
                "fields": [LOCK_FIELD, "number", "title", "authors", "year", "url", "doi", "pmid"],
                "description": "Sections cite a reference by its number in their text: [1], "
                "or several at once: [1, 3].",
            },
        )
    ]


class FAQItemInline(LimitedInline):
    model = FAQItem
    form = FAQItemAdminForm
    max_num = limits.MAX_FAQ_ITEMS
    too_many_message = (
        f"A monograph may have at most {limits.MAX_FAQ_ITEMS} FAQ items (MAX_FAQ_ITEMS)."
    )
    fieldsets = [
        (None, {"fields": [LOCK_FIELD, "position", "question", "answer"]}),
        ("Provenance", {"fields": PROVENANCE_FIELDS}),
    ]
    formfield_overrides = MARKDOWN_EDITOR


class SectionOriginFilter(admin.SimpleListFilter):
    title = "section provenance"
    parameter_name = "section_origin"

    def lookups(self, request, model_admin):
        return [("unverified", "Any AI-generated or crowd-sourced"), *Origin.choices]

    def queryset(self, request, queryset):
        if self.value() == "unverified":
            origins = UNVERIFIED_ORIGINS
        elif self.value() in Origin.values:
            origins = {self.value()}
        else:
            return queryset
        return queryset.filter(pk__in=Section.objects.filter(origin__in=origins).values("drug_id"))


class CombinationFilter(admin.SimpleListFilter):
    title = "combination"
    parameter_name = "combination"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        combination = Q(name__contains=" + ") | Q(has_components=True)
        if self.value() == "yes":
            return queryset.filter(combination)
        if self.value() == "no":
            return queryset.exclude(combination)
        return queryset


@admin.register(Drug)
class DrugAdmin(SimpleHistoryAdmin):
    """Contributors' monograph editor: the drug, its sections and FAQ items on one page.

    Subclasses (the editorial workflow) extend `get_urls`, `change_form_template`,
    `response_change` and `list_display`; all history and restore screens hang off `get_urls`.
    """

    form = DrugAdminForm
    inlines = [SectionInline, FAQItemInline, ReferenceInline]
    list_display = [
        "name",
        "drug_class",
        "is_combination",
        "section_count",
        "unverified_count",
        "faq_count",
        "is_published",
        "updated_at",
    ]
    list_filter = ["drug_class", SectionOriginFilter, CombinationFilter]
    search_fields = ["name", "generic_name", "other_names", "drug_class"]
    list_per_page = 50
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["components"]
    fieldsets = [
        (None, {"fields": [LOCK_FIELD, "name", "slug", "generic_name", "other_names"]}),
        ("Classification", {"fields": ["drug_class", "components", "regulatory_notes"]}),
        ("Your edit", {"fields": ["change_reason"]}),
    ]
    object_history_template = "admin/monographs/drug/history.html"

    save_on_top = True

    class Media:
        css = {"all": ["admin-extra/monographs.css"]}
        js = [
            "admin-extra/markdownx-inlines.js",
            "admin-extra/inline-rows.js",
            "admin-extra/unsaved-work.js",
        ]

    def view_on_site(self, drug):
        """The public page where the public sees it; none while the drug is unpublished."""
        return drug.get_absolute_url()

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                section_count=count_of(Section),
                unverified_count=count_of(Section, origin__in=UNVERIFIED_ORIGINS),
                faq_count=count_of(FAQItem),
                has_components=Exists(
                    Drug.components.through.objects.filter(from_drug=OuterRef("pk"))
                ),
            )
        )

    @admin.display(boolean=True, description="Combination")
    def is_combination(self, drug):
        return drug.is_combination or drug.has_components

    @admin.display(description="Sections", ordering="section_count")
    def section_count(self, drug):
        return drug.section_count

    @admin.display(description="AI/crowd sections", ordering="unverified_count")
    def unverified_count(self, drug):
        return drug.unverified_count

    @admin.display(description="FAQs", ordering="faq_count")
    def faq_count(self, drug):
        return drug.faq_count

    @admin.display(boolean=True, description="Published")
    def is_published(self, drug):
        return drug.is_published

    # Saving: every row written by one admin save shares one history date and reason, so the
    # history shows the save as one version of the monograph. A save that loses a lock conflict
    # (deadlock, lock timeout) is rolled back and tried again; if that fails too, the form comes
    # back with what the person typed and a message, never an error page.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        # Render the posted markdown before the admin's transaction begins (on SQLite it holds
        # the write lock throughout): validation and save() then reuse the result.
        render_ahead(
            value
            for key, values in request.POST.lists()
            if key.endswith(("-body", "-answer"))
            for value in values
        )
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except OperationalError as error:
                if not is_lock_conflict(error):
                    raise
                logger.warning(
                    "Saving drug %s lost a lock conflict (try %d): %s", object_id, attempt, error
                )
        request._medref_refusal = SAVE_REFUSED_MESSAGE
        # Outside a transaction: this pass writes and locks nothing (and SQLite would wait for
        # its write lock again at BEGIN IMMEDIATE).
        return self._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_medref_refusal", "")
        if not refusal:
            return form

        class RefusedForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, refusal=refusal, **kwargs)

        return RefusedForm

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        # Sections may cite the references saved with them, not only those stored before.
        references = next((f for f in formsets if isinstance(f, ReferenceFormSet)), None)
        for formset in formsets:
            if isinstance(formset, SectionFormSet):
                formset.reference_formset = references
        return formsets, inline_instances

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        refusal = getattr(request, "_medref_refusal", "")
        if refusal:
            kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), "refusal": refusal}
        return kwargs

    def _stamp(self, request, obj):
        if not hasattr(request, "_medref_edit_moment"):
            request._medref_edit_moment = timezone.now()
        obj._history_user = request.user
        obj._history_date = request._medref_edit_moment
        reason = getattr(request, "_medref_change_reason", "")
        if reason:
            obj._change_reason = reason
        return obj

    def save_model(self, request, obj, form, change):
        request._medref_change_reason = form.cleaned_data.get("change_reason", "").strip()
        if "components" in form.cleaned_data:
            # Saved with the drug, so its history row and version include them.
            obj.stage_components(form.cleaned_data["components"])
        super().save_model(request, self._stamp(request, obj), form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            self._stamp(request, obj).delete()
        for obj in instances:
            self._stamp(request, obj).save()
        formset.save_m2m()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if request.method == "POST" and obj is not None and _has_conflict(context):
            history = reverse("admin:monographs_drug_history", args=[obj.pk])
            messages.warning(
                request,
                format_html(
                    "Someone saved this monograph while you were editing, so nothing was saved. "
                    'See what they changed in the <a href="{}">history</a>, then merge below.',
                    history,
                ),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # History, comparison and restore.

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.history_compare_view),
                name="{}_{}_history_compare".format(*info),
            ),
            path(
                "<path:object_id>/history/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="{}_{}_restore".format(*info),
            ),
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="{}_{}_preview".format(*info),
            ),
        ]
        return urls + super().get_urls()

    def get_viewable_drug(self, request, object_id) -> Drug:
        drug = self.get_object(request, unquote(object_id))
        if drug is None:
            raise Http404
        if not self.has_view_permission(request, drug):
            raise PermissionDenied
        return drug

    def has_restore_permission(self, request, drug) -> bool:
        return self.has_change_permission(request, drug) and request.user.has_perm(
            "monographs.restore_drug"
        )

    def preview_view(self, request, object_id):
        return admin_views.drug_preview(self, request, self.get_viewable_drug(request, object_id))

    def history_view(self, request, object_id, extra_context=None):
        drug = self.get_viewable_drug(request, object_id)
        return admin_views.history_list(self, request, drug, extra_context)

    def history_compare_view(self, request, object_id):
        drug = self.get_viewable_drug(request, object_id)
        return admin_views.history_compare(self, request, drug)

    def restore_view(self, request, object_id):
        drug = self.get_viewable_drug(request, object_id)
        if not self.has_restore_permission(request, drug):
            raise PermissionDenied
        return admin_views.history_restore(self, request, drug)

    def perform_restore(self, request, drug, moment, reason: str = "") -> bool:
        """Restore the version of `moment` and tell the user; True if the restore succeeded."""
        try:
            changed = drug_restore(drug=drug, as_of=moment, by=request.user, reason=reason)
        except RestoreError as error:
            self.message_user(request, str(error), messages.ERROR)
            return False
        admin_views.report_restore(self, request, moment, changed)
        if changed:
            self.after_restore(request, drug)
        return True

    def after_restore(self, request, drug) -> None:
        """Hook for what must follow an edit made by restoring (e.g. the workflow's)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """simple-history's revert form, closed: it saved a POST on mere view permission.

        A GET shows that version in our comparison; a POST is a restore like any other, and
        needs change and restore permission.
        """
        drug = self.get_viewable_drug(request, object_id)
        record = None
        if str(version_id).isdigit():
            record = Drug.history.filter(id=drug.pk, history_id=version_id).first()
        if record is None:
            raise Http404
        if request.method == "POST":
            if not self.has_restore_permission(request, drug):
                raise PermissionDenied
            self.perform_restore(request, drug, record.history_date)
            return HttpResponseRedirect(reverse("admin:monographs_drug_change", args=[drug.pk]))
        query = urlencode({"from": record.history_date.isoformat(), "to": "current"})
        compare = reverse("admin:monographs_drug_history_compare", args=[drug.pk])
        return HttpResponseRedirect(f"{compare}?{query}")


def _has_conflict(context) -> bool:
    adminform = context.get("adminform")
    forms = [adminform.form] if adminform else []
    for inline in context.get("inline_admin_formsets", []):
        forms.extend(inline.formset.forms)
        if any(error.code == "stale" for error in inline.formset.non_form_errors().as_data()):
            return True
    return any(getattr(form, "conflict", False) for form in forms)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_by", "created_at", "approved_by", "approved_at"]
    list_select_related = ["drug", "created_by", "approved_by"]
    readonly_fields = [field.name for field in Revision._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
