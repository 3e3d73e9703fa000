from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from monographs.models import Drug, FAQItem, Revision, Section


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = ["position", "kind", "heading", "body", "origin", "ai_tool", "sources"]


class FAQItemInline(admin.StackedInline):
    model = FAQItem
    extra = 0
    fields = ["position", "question", "answer", "origin", "ai_tool", "sources"]


@admin.register(Drug)
class DrugAdmin(SimpleHistoryAdmin):
    list_display = ["name", "drug_class", "updated_at"]
    list_filter = ["drug_class"]
    search_fields = ["name", "generic_name", "other_names"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["components"]
    inlines = [SectionInline, FAQItemInline]


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
