"""Reviewers' credentials and declared interests in the admin.

Editors record each reviewer's credential and verify it (a screen of its own, with its own
permission and a two-factor sign-in); reviewers declare their own interests, editors see all.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from reviews.credentials import (
    credential_verify,
    credential_verify_refusal,
    interest_save,
    reviewer_profile_save,
)
from reviews.exceptions import ReviewError
from reviews.models import REVIEWERS_GROUP, InterestDeclaration, ReviewerProfile, person_label
from reviews.two_factor import two_factor_refusal


class VerifyForm(forms.Form):
    expires_on = forms.DateField(
        label="Valid until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day the registration you checked runs out (or the next re-check).",
    )


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    """Editors record each medical reviewer's credential; only verified ones decide."""

    list_display = ["reviewer", "username", "credential", "profession", "verification"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "credential"]
    fields = [
        "user",
        "credential",
        "profession",
        "registering_body",
        "registration_number",
        "verification",
        "slug",
    ]
    readonly_fields = ["verification", "slug"]
    change_form_template = "admin/reviews/reviewerprofile/change_form.html"

    @admin.display(description="Reviewer", ordering="user__last_name")
    def reviewer(self, profile):
        return person_label(profile.user)

    @admin.display(description="Username", ordering="user__username")
    def username(self, profile):
        return profile.user.get_username()

    @admin.display(description="Verification")
    def verification(self, profile):
        if profile.pk is None:
            return "Not yet verified: save the profile, then verify it."
        refusal = profile.credential_refusal()
        if not refusal:
            until = f", valid until {profile.expires_on:%Y-%m-%d}" if profile.expires_on else ""
            return f"Verified on {profile.verified_on:%Y-%m-%d}{until}"
        return refusal.replace("Your credential", "The credential")

    def get_readonly_fields(self, request, obj=None):
        return ["user", *self.readonly_fields] if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = (
                db_field.related_model.objects.filter(groups__name=REVIEWERS_GROUP)
                .filter(reviewer_profile__isnull=True)
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        reviewer_profile_save(profile=obj, by=request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["verify_url"] = reverse("admin:reviews_reviewerprofile_verify", args=[obj.pk])
            context["may_verify"] = request.user.has_perm("reviews.verify_credential")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/verify/",
                self.admin_site.admin_view(self.verify_view),
                name="reviews_reviewerprofile_verify",
            ),
            *super().get_urls(),
        ]

    def verify_view(self, request, object_id):
        """Verify a credential: GET shows what was recorded, POST records the check."""
        if not request.user.has_perm("reviews.verify_credential"):
            raise PermissionDenied
        profile = (
            ReviewerProfile.objects.select_related("user", "verified_by")
            .filter(pk=unquote(object_id))
            .first()
        )
        if profile is None:
            raise Http404
        change_url = reverse("admin:reviews_reviewerprofile_change", args=[profile.pk])
        refusal = two_factor_refusal(request) or credential_verify_refusal(
            profile=profile, by=request.user
        )
        form = VerifyForm(request.POST or None, initial={"expires_on": profile.expires_on})
        if request.method == "POST":
            if refusal:
                self.message_user(request, refusal, messages.ERROR)
                return HttpResponseRedirect(change_url)
            if form.is_valid():
                try:
                    credential_verify(
                        profile=profile, by=request.user, expires_on=form.cleaned_data["expires_on"]
                    )
                except ReviewError as error:
                    form.add_error("expires_on", str(error))
                else:
                    self.message_user(
                        request,
                        f"The credential of {person_label(profile.user)} is verified.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Verify the credential of {person_label(profile.user)}",
            "profile": profile,
            "form": form,
            "refusal": refusal,
            "change_url": change_url,
            "today": timezone.localdate(),
        }
        return TemplateResponse(request, "admin/reviews/reviewerprofile/verify.html", context)


class InterestDeclarationForm(forms.ModelForm):
    class Meta:
        model = InterestDeclaration
        fields = ["description", "drugs", "drug_classes", "manufacturers", "starts_on", "ends_on"]

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "An interest cannot end before it starts.")
        if not (
            cleaned.get("drugs")
            or cleaned.get("drug_classes", "").strip()
            or cleaned.get("manufacturers", "").strip()
        ):
            raise forms.ValidationError("Name the drugs, drug classes or manufacturers concerned.")
        return cleaned


@admin.register(InterestDeclaration)
class InterestDeclarationAdmin(admin.ModelAdmin):
    """Reviewers declare and update their own interests; editors read everyone's."""

    form = InterestDeclarationForm
    list_display = ["declared_by", "description", "starts_on", "ends_on"]
    list_select_related = ["reviewer"]
    filter_horizontal = ["drugs"]
    actions = None

    @admin.display(description="Reviewer", ordering="reviewer__last_name")
    def declared_by(self, declaration):
        return person_label(declaration.reviewer)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.has_perm("reviews.view_all_interests"):
            return queryset
        return queryset.filter(reviewer=request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or obj.reviewer_id == request.user.pk
        )

    def has_delete_permission(self, request, obj=None):
        # A declaration that ended is part of the record: set its end date instead.
        return False

    def save_model(self, request, obj, form, change):
        try:
            interest_save(declaration=obj, by=request.user, drugs=form.cleaned_data["drugs"])
        except ReviewError as error:
            raise PermissionDenied(str(error)) from error

    def save_related(self, request, form, formsets, change):
        """`interest_save` set the drugs already."""
