from django.contrib import admin

from reviews.models import AuditEntry, Review, ReviewerProfile


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "credential"]
    list_select_related = ["user"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["revision", "status", "submitted_by", "submitted_at"]
    list_select_related = ["revision__drug", "submitted_by"]
    list_filter = ["status"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "drug", "action", "actor"]
    list_select_related = ["drug", "actor"]
    list_filter = ["action"]
