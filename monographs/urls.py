from django.urls import path

from monographs.views import public

app_name = "monographs"

urlpatterns = [
    path("drugs/<slug:slug>/", public.drug_detail, name="drug_detail"),
]
